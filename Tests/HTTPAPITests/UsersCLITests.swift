import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// `timelapser users …` run as the real binary against a fixture, then a users-mode server on the same data.
@Suite("timelapser users CLI")
struct UsersCLITests {
    @Test("the first admin from the shell (password on standard input, never argv), a token from the shell, both work on the server",
          arguments: TestEngines.all)
    func firstAdmin(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        await fixture.database.close()
        let place = ["--database-url", fixture.url, "--data-dir", fixture.layout.root]
        let added = try await CLIRun.run(["users", "add", "alice", "--role", "admin"] + place, input: "a long enough password\n")
        #expect(added.status == 0, "\(added.stderr)")
        let short = try await CLIRun.run(["users", "add", "bob"] + place, input: "short\n")
        #expect(short.status != 0, "a short password is refused")
        #expect(short.stderr.contains("password"), "\(short.stderr)")
        let listed = try await CLIRun.run(["users", "list"] + place)
        #expect(listed.stdout.contains("alice\tadmin"), "\(listed.stdout)")
        #expect(!listed.stdout.contains("bob"))
        let token = try await CLIRun.run(["users", "token", "alice", "--name", "backup script", "--scope", "read"] + place)
        #expect(token.status == 0, "\(token.stderr)")
        let value = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(value.hasPrefix("tl_"))
        try await UsersModeServer.run(fixture) { client in
            let cookie = try await UsersModeServer.signIn(client, "alice", password: "a long enough password")
            #expect(try await client.execute(uri: "/api/cameras", method: .get, headers: [.cookie: cookie]).status == .ok)
            #expect(try await client.execute(uri: "/api/cameras", method: .get, headers: [.authorization: "Bearer \(value)"]).status == .ok)
            #expect(try await client.execute(uri: "/api/cameras", method: .post, headers: [.authorization: "Bearer \(value)"],
                                             body: UsersModeServer.json(["name": "x"])).status == .forbidden, "a read token writes nothing")
        }
    }
}
