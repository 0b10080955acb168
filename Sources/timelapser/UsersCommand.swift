import Access
import ArgumentParser
import Database
import Foundation
import Logging
import TimelapserCore

#if canImport(Glibc)
import Glibc
#endif

/// `timelapser users …`: accounts for `--auth users`, from the server's shell (the first admin is made here).
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Add, list and remove users (for --auth users).",
        subcommands: [Add.self, List.self, Remove.self, Revoke.self, Token.self])

    /// Runs `body` with the access rules over the configured database.
    static func withAccess<R: Sendable>(_ options: StorageOptions, _ body: @Sendable (AccessService) async throws -> R) async throws -> R {
        let configuration = try options.resolved()
        var logger = Logger(label: "timelapser-users")
        logger.logLevel = .warning
        try FileManager.default.createDirectory(atPath: configuration.layout.root, withIntermediateDirectories: true)
        let database = try await TimelapserDatabase.openMigrated(configuration.database, logger: logger)
        let access = AccessService(database: database, logger: logger)
        do {
            let result = try await database.withRunningClient { try await body(access) }
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }

    /// The user of that name, or a clear error.
    static func user(named name: String, in access: AccessService) async throws -> UserRecord {
        guard let user = try await access.users().first(where: { $0.username == name }) else { throw ValidationError("no user \(name)") }
        return user
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. The password is read from the terminal (twice), or from standard input when it is not one; never from the command line.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "admin, operator or viewer.") var role: String = "viewer"

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("role must be admin, operator or viewer") }
            let password = try PasswordPrompt.read()
            let user = try await UsersCommand.withAccess(storage) { try await $0.addUser(username: name, password: password, role: role) }
            print("added \(user.username) (\(user.role.rawValue))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            for user in try await UsersCommand.withAccess(storage, { try await $0.users() }) {
                print("\(user.id)\t\(user.username)\t\(user.role.rawValue)\(user.totpSecret == nil ? "" : "\ttotp")")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user with their sessions and tokens (never the last admin).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The user name.") var name: String

        func run() async throws {
            try await UsersCommand.withAccess(storage) { access in
                let user = try await UsersCommand.user(named: name, in: access)
                try await access.deleteUser(user.id)
            }
            print("removed \(name)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End every session of a user (their API tokens stay).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The user name.") var name: String

        func run() async throws {
            try await UsersCommand.withAccess(storage) { access in
                let user = try await UsersCommand.user(named: name, in: access)
                try await access.endSessions(userId: user.id)
            }
            print("ended the sessions of \(name)")
        }
    }
}

extension UsersCommand {
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an API token for a user and print it (shown once; stored hashed).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The user name.") var name: String
        @Option(name: .customLong("name"), help: "What the token is for.") var tokenName: String
        @Option(name: .customLong("scope"), help: "read, write or capture:{camera_id}; repeat for several (default read).")
        var scopes: [String] = ["read"]

        func run() async throws {
            let parsed = try scopes.map { text -> TokenScope in
                guard let scope = TokenScope(text: text) else { throw ValidationError("a scope is read, write or capture:{camera_id}") }
                return scope
            }
            let token = try await UsersCommand.withAccess(storage) { access in
                let user = try await UsersCommand.user(named: name, in: access)
                return try await access.createToken(userId: user.id, name: tokenName, scopes: Set(parsed)).token
            }
            print(token)
        }
    }
}

/// Reads a new password: from the terminal without echo, twice; else one line of standard input.
enum PasswordPrompt {
    static func read() throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            let first = String(cString: getpass("Password: "))
            let second = String(cString: getpass("Again: "))
            guard first == second else { throw ValidationError("the passwords differ") }
            return first
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
        return line
    }
}
