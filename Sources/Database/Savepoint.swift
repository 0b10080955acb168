import SQLKit

/// A savepoint inside a running transaction: a failure of `body` is rolled back to it, the transaction lives on.
enum Savepoint {
    static func attempt<R>(_ db: DatabaseConnection, name: String, _ body: () async throws -> R) async throws -> R {
        try await db.raw("SAVEPOINT \(ident: name)").run()
        do {
            let result = try await body()
            try await db.raw("RELEASE SAVEPOINT \(ident: name)").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK TO SAVEPOINT \(ident: name)").run()
            throw error
        }
    }
}
