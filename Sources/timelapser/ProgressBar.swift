import Foundation
import TimelapserCore

/// A one-line progress bar on a terminal; a line every few seconds when the output is not one.
final class ProgressBar: @unchecked Sendable {
    let terminal: Bool
    var lastLine = ContinuousClock.now - .seconds(10)

    /// `quiet` (JSON output) keeps standard output for the result alone.
    init(quiet: Bool) { terminal = !quiet && isatty(1) == 1 }

    func show(done: Int, total: Int, rate: Double?) {
        let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
        let rateText = rate.map { String(format: " %.1f/s", $0) } ?? ""
        if terminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardOutput.write(Data("\r[\(bar)] \(String(format: "%5.1f", fraction * 100))% \(done)/\(total)\(rateText) ".utf8))
        } else if ContinuousClock.now - lastLine >= .seconds(5) {
            lastLine = .now
            FileHandle.standardError.write(Data("\(String(format: "%.1f", fraction * 100))% \(done)/\(total)\(rateText)\n".utf8))
        }
    }

    func finish() {
        if terminal { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}
