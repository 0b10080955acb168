import CVips
import CVipsShim

/// Process-wide libvips set-up: initialised once, operation cache off, one
/// libvips worker per pipeline (so N concurrent jobs use N cores), untrusted
/// loaders blocked.
public enum ImagingRuntime {
    private static let started: Bool = {
        tl_vips_startup("timelapser") == 0
    }()

    /// Idempotent and thread-safe; call once per process before other Imaging calls
    /// (every Imaging entry point also calls it).
    public static func initialize() {
        _ = started
    }
}

/// Takes (and clears) libvips' global error buffer.
func takeVipsError() -> String {
    guard let p = tl_vips_error_take() else { return "" }
    defer { tl_free(p) }
    return String(cString: p).trimmingTrailingWhitespace()
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
