import AsyncHTTPClient
import Foundation
@testable import HTTPAPI
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
@testable import timelapser
import TimelapserCore

/// `serve --tls-cert/--tls-key`: HTTPS with HTTP/1.1 and HTTP/2 on the real server; `--trusted-proxy`: whose
/// forwarding headers are believed.
@Suite("HTTPS and trusted proxies")
struct TLSServeTests {
    typealias Server = UsersModeServer

    /// The `openssl` command on the PATH; nil when it is not installed.
    static let openssl: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").map { $0 + "/openssl" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A self-signed certificate for `localhost` and its key, made by openssl in `folder`.
    static func selfSigned(in folder: String) throws -> (cert: String, key: String) {
        let cert = folder + "/cert.pem", key = folder + "/key.pem"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(openssl))
        process.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                             "-subj", "/CN=localhost"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.launchSerialized()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestSetupError("openssl req exited \(process.terminationStatus)") }
        return (cert, key)
    }

    /// `GET /api/health` over HTTPS without certificate verification: the status and the HTTP major version.
    static func health(port: Int, http1Only: Bool) async throws -> (status: UInt, major: Int) {
        var configuration = HTTPClient.Configuration(certificateVerification: .none)
        if http1Only { configuration.httpVersion = .http1Only }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await client.execute(HTTPClientRequest(url: "https://localhost:\(port)/api/health"), timeout: .seconds(20))
            let body = try await response.body.collect(upTo: 1 << 20)
            let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            #expect((json?["data"] as? [String: Any])?["status"] != nil, "a health document: \(String(buffer: body))")
            try await client.shutdown()
            return (response.status.code, response.version.major)
        } catch {
            try await client.shutdown()
            throw error
        }
    }

    @Test("--tls-cert/--tls-key: /api/health over HTTPS with HTTP/1.1 and with HTTP/2 (ALPN); the session cookie is Secure",
          .enabled(if: TLSServeTests.openssl != nil, "needs the openssl command to make a self-signed certificate"))
    func servesHTTPS() async throws {
        let fixture = try await TestDatabase.make(.sqlite)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await Server.addUsers(fixture)
        await fixture.database.close()
        let folder = TempDir()
        defer { folder.cleanup() }
        let (cert, key) = try Self.selfSigned(in: folder.path)
        var configuration = Server.configuration(fixture)
        (configuration.tlsCertificatePath, configuration.tlsKeyPath) = (cert, key)
        let app = try await buildTestApplication(configuration)
        try await app.test(.ahc(.https)) { client in
            await afterShutdown {
                let port = try #require(client.port)
                let http1 = try await Self.health(port: port, http1Only: true)
                #expect(http1.status == 200 && http1.major == 1, "\(http1)")
                let http2 = try await Self.health(port: port, http1Only: false)
                #expect(http2.status == 200 && http2.major == 2, "HTTP/2 negotiated by ALPN: \(http2)")
                let login = try await client.execute(uri: "/api/auth/login", method: .post,
                                                     body: Server.json(["username": "viewer", "password": Server.password]))
                #expect(login.status == .ok)
                #expect(login.headers[.setCookie]?.contains("Secure") == true, "served over TLS: \(login.headers)")
            }
        }.get()
    }

    @Test("a certificate and key that cannot be used fail before serving, saying which file and why")
    func badFiles() async throws {
        let folder = TempDir()
        defer { folder.cleanup() }
        let fixture = try await TestDatabase.make(.sqlite)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        await fixture.database.close()
        let notPEM = folder.path + "/not.pem"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: notPEM))
        var configuration = timelapserConfiguration(fixture)
        func failure(cert: String, key: String) async -> String {
            (configuration.tlsCertificatePath, configuration.tlsKeyPath) = (cert, key)
            do {
                _ = try await buildTestApplication(configuration)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let missing = await failure(cert: notPEM, key: folder.path + "/missing-key.pem")
        #expect(missing.contains("TLS key (--tls-key)") && missing.contains("missing-key.pem") && missing.contains("does not exist"), "\(missing)")
        let garbage = await failure(cert: notPEM, key: notPEM)
        #expect(garbage.contains("--tls-cert") && garbage.contains("holds no PEM certificate"), "\(garbage)")
        if Self.openssl != nil {
            let (cert, _) = try Self.selfSigned(in: folder.path)
            let badKey = await failure(cert: cert, key: notPEM)
            #expect(badKey.contains("--tls-key") && badKey.contains("is not a PEM private key"), "\(badKey)")
            let other = TempDir()
            defer { other.cleanup() }
            let (_, otherKey) = try Self.selfSigned(in: other.path)
            let mismatch = await failure(cert: cert, key: otherKey)
            #expect(mismatch.contains("does not belong to the certificate"), "\(mismatch)")
        }

        // Options: both or neither, and proxies must be addresses.
        let half = #expect(throws: (any Error).self) { try ServerOptions.parse(["--tls-cert", "c.pem"]).resolved(environment: [:]) }
        #expect("\(half.map { ServerOptions.message(for: $0) } ?? "")".contains("--tls-cert and --tls-key go together"))
        let fromEnvironment = try ServerOptions.parse([]).resolved(environment: [
            "TIMELAPSER_TLS_CERT": "c.pem", "TIMELAPSER_TLS_KEY": "k.pem", "TIMELAPSER_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"])
        #expect(fromEnvironment.tlsCertificatePath == "c.pem" && fromEnvironment.tlsKeyPath == "k.pem")
        #expect(fromEnvironment.trustedProxies == ["127.0.0.1", "10.0.0.0/8"])
        #expect(try ServerOptions.parse(["--trusted-proxy", "::1", "--trusted-proxy", "fd00::/8"]).resolved(environment: [:]).trustedProxies
                == ["::1", "fd00::/8"])
        let badProxy = #expect(throws: (any Error).self) { try ServerOptions.parse(["--trusted-proxy", "proxy.lan"]).resolved(environment: [:]) }
        #expect("\(badProxy.map { ServerOptions.message(for: $0) } ?? "")".contains("proxy.lan"))
    }

    @Test("X-Forwarded-Proto and X-Forwarded-For count only from a trusted proxy: Secure cookie and the audit log's address",
          arguments: [true, false])
    func trustedProxy(trusted: Bool) async throws {
        let fixture = try await TestDatabase.make(.sqlite)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await Server.addUsers(fixture)
        await fixture.database.close()
        var configuration = Server.configuration(fixture)
        configuration.trustedProxies = trusted ? ["127.0.0.1", "::1"] : []
        let app = try await buildTestApplication(configuration)
        try await app.test(.live) { client in
            await afterShutdown {
                let forwarded: HTTPFields = [.xForwardedProto: "https", .xForwardedFor: "198.51.100.1, 203.0.113.9"]
                let login = try await client.execute(uri: "/api/auth/login", method: .post, headers: forwarded,
                                                     body: Server.json(["username": "admin", "password": Server.password]))
                let setCookie = try #require(login.headers[.setCookie])
                #expect(setCookie.contains("Secure") == trusted, "\(setCookie)")
                let cookie = String(setCookie.split(separator: ";")[0])
                var headers = Server.session(cookie)
                headers[.xForwardedFor] = "198.51.100.1, 203.0.113.9"
                #expect(try await client.execute(uri: "/api/auth/totp/setup", method: .post, headers: headers).status == .ok)
                let audit = try await client.execute(uri: "/api/audit", method: .get, headers: Server.session(cookie))
                let addresses = (audit.json["data"] as? [[String: Any]] ?? []).compactMap { $0["address"] as? String }
                #expect(addresses.count == 1)
                #expect(addresses.allSatisfy { ($0 == "203.0.113.9") == trusted }, "\(addresses)")
            }
        }.get()
    }

    @Test("the client address: the peer unless it is a trusted proxy, then the right-most forwarded address that is not")
    func clientAddressRule() {
        let trusted = ["127.0.0.1", "10.0.0.0/8", "::1"]
        // An untrusted peer: X-Forwarded-For is whatever the client made up.
        #expect(ClientAddress.resolve(peer: "203.0.113.9", forwardedFor: "1.2.3.4", trusted: trusted) == "203.0.113.9")
        #expect(ClientAddress.resolve(peer: "203.0.113.9", forwardedFor: "1.2.3.4", trusted: []) == "203.0.113.9")
        // A trusted peer: the right-most hop it did not add itself; what is left of it may be forged.
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "6.6.6.6, 198.51.100.7", trusted: trusted) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: nil, trusted: trusted) == "127.0.0.1")
        // A chain of trusted proxies (CIDR, IPv6, IPv4-mapped peer): skipped from the right.
        #expect(ClientAddress.resolve(peer: "::ffff:127.0.0.1", forwardedFor: "6.6.6.6,198.51.100.7 , 10.1.2.3,10.9.9.9",
                                      trusted: trusted) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "::1", forwardedFor: "2001:db8::5, [::1]", trusted: trusted) == "2001:db8::5")
        #expect(ClientAddress.resolve(peer: "::1", forwardedFor: "198.51.100.7:4711", trusted: trusted) == "198.51.100.7")
        // Every hop trusted: the left-most; a hop that is no address: the nearest trusted hop right of it.
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "10.0.0.5, 10.0.0.6", trusted: trusted) == "10.0.0.5")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "unknown", trusted: trusted) == "127.0.0.1")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "unknown, 10.0.0.6", trusted: trusted) == "10.0.0.6")
        // Ranges.
        #expect(ClientAddress.isTrusted("10.255.0.1", trusted: trusted))
        #expect(!ClientAddress.isTrusted("11.0.0.1", trusted: trusted))
        #expect(ClientAddress.isTrusted("192.168.1.77", trusted: ["192.168.1.64/27"]))
        #expect(!ClientAddress.isTrusted("192.168.1.96", trusted: ["192.168.1.64/27"]))
        #expect(ClientAddress.isTrusted("fd12::1", trusted: ["fd00::/8"]))
        #expect(!ClientAddress.isTrusted("fe80::1", trusted: ["fd00::/8"]))
        #expect(ClientAddress.isValidProxy("0.0.0.0/0") && ClientAddress.isValidProxy("::/0"))
        #expect(!ClientAddress.isValidProxy("10.0.0.0/33") && !ClientAddress.isValidProxy("proxy.lan") && !ClientAddress.isValidProxy(""))
    }
}
