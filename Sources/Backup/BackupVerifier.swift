import Foundation

/// Checks a backup against its manifest: the database file is there, and every file it lists is there with the
/// size and SHA-256 recorded when it was copied.
public enum BackupVerifier {
    /// What is wrong, one line per problem; empty when the backup is whole.
    public static func problems(in folder: String) throws -> [String] {
        let manifest = try BackupManifest.read(from: folder)
        var problems: [String] = []
        if !FileManager.default.fileExists(atPath: folder + "/" + manifest.databaseFile) {
            problems.append("the database file \(manifest.databaseFile) is missing")
        }
        for entry in manifest.entries where !entry.missing {
            let path = folder + "/" + BackupManifest.dataFolder + "/" + entry.file.path
            guard let (size, sha256) = try? FileCopy.digest(path) else {
                problems.append("\(entry.file.path): missing")
                continue
            }
            if size != entry.size {
                problems.append("\(entry.file.path): \(size) bytes, the manifest says \(entry.size)")
            } else if sha256 != entry.sha256 {
                problems.append("\(entry.file.path): its content changed (SHA-256 differs)")
            }
        }
        return problems
    }
}
