import Foundation
import Subprocess

/// `pg_dump` and `pg_restore` (Debian's postgresql-client), for PostgreSQL backups.
enum PostgresTools {
    /// Dumps the database at `url` in pg_dump's custom format, as of `snapshot` (exported by an open transaction).
    static func dump(url: String, snapshot: String, to path: String) async throws {
        try await run("pg_dump", ["--format=custom", "--no-owner", "--snapshot=\(snapshot)", "--file=\(path)", "--dbname=\(url)"])
    }

    /// Restores a custom-format dump into the (empty) database at `url`.
    static func restore(url: String, from path: String) async throws {
        try await run("pg_restore", ["--no-owner", "--exit-on-error", "--dbname=\(url)", path])
    }

    private static func run(_ tool: String, _ arguments: [String]) async throws {
        let result: ExecutionResult<Void, DiscardedOutput, StringOutput<UTF8>>
        do {
            result = try await Subprocess.run(.name(tool), arguments: Arguments(arguments), output: .discarded, error: .string(limit: 64 << 10))
        } catch {
            throw BackupError("\(tool) could not run (\(error)): install Debian's postgresql-client, or back the database up "
                              + "with your own PostgreSQL tooling")
        }
        guard result.terminationStatus.isSuccess else {
            let detail = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            throw BackupError("\(tool) failed (\(result.terminationStatus)): \(detail.replacingOccurrences(of: "\n", with: " | "))")
        }
    }
}
