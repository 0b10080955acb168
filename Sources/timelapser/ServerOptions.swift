import ArgumentParser
import Database
import DataDirectory
import Foundation
import HTTPAPI
import HummingbirdCore
import HummingbirdHTTP2
import TimelapserCore

/// Where the data lives: every command takes these; each falls back to its `TIMELAPSER_*` environment variable.
struct StorageOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (env TIMELAPSER_DATA_DIR).") var dataDir: String?
    @Option(name: .customLong("database-url"),
            help: "sqlite:///path or postgres://user@host/db (env TIMELAPSER_DATABASE_URL; default SQLite in the data dir).")
    var databaseURL: String?

    /// The configuration of a process that serves nothing (maintenance, import): defaults for the rest.
    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        let dataDir = dataDir ?? environment["TIMELAPSER_DATA_DIR"] ?? "./data"
        let layout = DataLayout(root: dataDir)
        let url = databaseURL ?? environment["TIMELAPSER_DATABASE_URL"]
        let location = try url.map { try DatabaseLocation(url: $0) } ?? .sqlite(path: layout.root + "/timelapser.sqlite")
        let lease = Int(environment["TIMELAPSER_JOB_LEASE_SECONDS"] ?? "") ?? 30
        guard (2...3600).contains(lease) else { throw ValidationError("TIMELAPSER_JOB_LEASE_SECONDS must be 2-3600") }
        let decodeMegabytes = Int(environment["TIMELAPSER_DECODE_MEMORY_MB"] ?? "") ?? AppConfiguration.defaultDecodeMemoryMB
        guard (64...1_048_576).contains(decodeMegabytes) else { throw ValidationError("TIMELAPSER_DECODE_MEMORY_MB must be 64-1048576") }
        let automation = Int(environment["TIMELAPSER_AUTOMATION_INTERVAL_SECONDS"] ?? "") ?? 5
        guard (1...3600).contains(automation) else { throw ValidationError("TIMELAPSER_AUTOMATION_INTERVAL_SECONDS must be 1-3600") }
        return AppConfiguration(host: "127.0.0.1", port: 8080, layout: layout, database: location,
                                workers: ProcessInfo.processInfo.activeProcessorCount, apiToken: nil, jobLeaseSeconds: lease,
                                automationIntervalSeconds: automation, decodeMemoryBytes: decodeMegabytes << 20)
    }
}

/// How many thumbnail jobs run at once: `serve` and `worker`.
struct WorkerOptions: ParsableArguments {
    @Option(help: "Thumbnail jobs run at once (default: number of cores).") var workers: Int?

    func apply(to configuration: inout AppConfiguration) throws {
        let workers = workers ?? ProcessInfo.processInfo.activeProcessorCount
        guard (1...64).contains(workers) else { throw ValidationError("workers must be 1-64") }
        configuration.workers = workers
    }
}

/// The options of `serve`: storage, workers, and the HTTP listener.
struct ServerOptions: ParsableArguments {
    @OptionGroup var storage: StorageOptions
    @OptionGroup var worker: WorkerOptions
    @Option(help: "Address to bind (env TIMELAPSER_HOST).") var host: String?
    @Option(help: "Port to listen on (env TIMELAPSER_PORT).") var port: Int?
    @Option(name: .customLong("api-token"), help: "Bearer token required for non-GET API requests (env TIMELAPSER_API_TOKEN).")
    var apiToken: String?
    @Option(help: "none, token or users (env TIMELAPSER_AUTH; default: token with --api-token, else none).")
    var auth: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate (chain): serve HTTPS and HTTP/2 (env TIMELAPSER_TLS_CERT; needs --tls-key).")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert (env TIMELAPSER_TLS_KEY).")
    var tlsKey: String?
    @Option(name: .customLong("trusted-proxy"),
            help: "Reverse proxy (IP or CIDR) whose X-Forwarded-For/-Proto are believed; repeatable (env TIMELAPSER_TRUSTED_PROXIES, comma-separated).")
    var trustedProxies: [String] = []

    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var configuration = try storage.resolved(environment: environment)
        try worker.apply(to: &configuration)
        let portText = port.map(String.init) ?? environment["TIMELAPSER_PORT"] ?? "8080"
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ValidationError("port must be 0-65535")
        }
        configuration.port = port
        configuration.host = host ?? environment["TIMELAPSER_HOST"] ?? "127.0.0.1"
        let token = apiToken ?? environment["TIMELAPSER_API_TOKEN"]
        configuration.apiToken = (token?.isEmpty ?? true) ? nil : token
        if let text = auth ?? environment["TIMELAPSER_AUTH"], !text.isEmpty {
            guard let mode = AuthMode(rawValue: text) else { throw ValidationError("auth must be none, token or users") }
            guard mode != .token || configuration.apiToken != nil else { throw ValidationError("--auth token needs --api-token") }
            configuration.authMode = mode
        }
        try applyTLS(to: &configuration, environment: environment)
        if let retries = environment["TIMELAPSER_WEBHOOK_RETRY_SECONDS"] {
            let delays = retries.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !delays.isEmpty, delays.count <= 20, delays.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 86_400 }) else {
                throw ValidationError("TIMELAPSER_WEBHOOK_RETRY_SECONDS must be comma-separated seconds, each 1-86400")
            }
            configuration.webhookRetrySeconds = delays.compactMap { $0 }
        }
        if let text = environment["TIMELAPSER_RETENTION_INTERVAL_SECONDS"] {
            guard let seconds = Int(text), (1...(30 * 86_400)).contains(seconds) else {
                throw ValidationError("TIMELAPSER_RETENTION_INTERVAL_SECONDS must be 1-2592000")
            }
            configuration.retentionIntervalSeconds = seconds
        }
        return configuration
    }

    /// `--tls-cert`/`--tls-key` (both or neither) and `--trusted-proxy`.
    func applyTLS(to configuration: inout AppConfiguration, environment: [String: String]) throws {
        let cert = (tlsCert ?? environment["TIMELAPSER_TLS_CERT"]).flatMap { $0.isEmpty ? nil : $0 }
        let key = (tlsKey ?? environment["TIMELAPSER_TLS_KEY"]).flatMap { $0.isEmpty ? nil : $0 }
        guard (cert == nil) == (key == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together: give both to serve HTTPS, or neither for plain HTTP")
        }
        configuration.tlsCertificatePath = cert
        configuration.tlsKeyPath = key
        let proxies = trustedProxies.isEmpty ? (environment["TIMELAPSER_TRUSTED_PROXIES"] ?? "").split(separator: ",").map(String.init)
                                             : trustedProxies
        configuration.trustedProxies = proxies.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let bad = configuration.trustedProxies.first(where: { !ClientAddress.isValidProxy($0) }) {
            throw ValidationError("trusted proxy '\(bad)' is neither an IP address nor a CIDR range (like 10.0.0.0/8)")
        }
    }
}

/// Resolved configuration of a server or worker process.
struct AppConfiguration: Sendable {
    var host: String
    var port: Int
    var layout: DataLayout
    var database: DatabaseLocation
    var workers: Int
    var apiToken: String?
    /// How long a claimed job is held without a heartbeat before another worker may take it over.
    var jobLeaseSeconds: Int = 30
    /// The delays of a failed webhook delivery's retries (`TIMELAPSER_WEBHOOK_RETRY_SECONDS`, e.g. "10,60,600,3600").
    var webhookRetrySeconds: [Int] = [10, 60, 600, 3600]
    /// How often render automation looks for triggers that are due.
    var automationIntervalSeconds: Int = 5
    /// How often enabled retention policies are applied (`TIMELAPSER_RETENTION_INTERVAL_SECONDS`; a day).
    var retentionIntervalSeconds: Int = 86_400
    /// How requests are authenticated; nil: `token` when ``apiToken`` is set, else `none`.
    var authMode: AuthMode?
    /// The mode in force.
    var effectiveAuthMode: AuthMode { authMode ?? (apiToken == nil ? .none : .token) }
    /// What all decodes of the process may hold at once (ingest checks and thumbnail jobs together).
    var decodeMemoryBytes: Int = AppConfiguration.defaultDecodeMemoryMB << 20
    /// PEM certificate (chain) and private key: `serve` speaks HTTPS (HTTP/2 and HTTP/1.1 by ALPN); nil: plain HTTP.
    var tlsCertificatePath: String?
    var tlsKeyPath: String?
    /// Reverse proxies whose `X-Forwarded-For`/`X-Forwarded-Proto` are believed (IP addresses or CIDR ranges).
    var trustedProxies: [String] = []

    /// One 100 MP progressive frame (about 300 MB of coefficients) and some room: a server stays under 500 MB.
    static let defaultDecodeMemoryMB = 320
}

/// A TLS certificate or key that cannot be used, said plainly (`timelapser serve` prints it and exits).
struct TLSSetupError: Error, CustomStringConvertible {
    var description: String
}

extension AppConfiguration {
    /// The TLS configuration when a certificate and key are configured (the server then speaks HTTPS with HTTP/2 and
    /// HTTP/1.1, ALPN `h2` and `http/1.1`), else nil for plain HTTP/1.1. Reads and checks both files.
    func tlsConfiguration() throws -> TLSConfiguration? {
        guard let certPath = tlsCertificatePath, let keyPath = tlsKeyPath else { return nil }
        let certBytes = try Self.read(certPath, what: "TLS certificate (--tls-cert)")
        let keyBytes = try Self.read(keyPath, what: "TLS key (--tls-key)")
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMBytes(certBytes) } catch { chain = [] }
        guard !chain.isEmpty else { throw TLSSetupError(description: "TLS certificate (--tls-cert) \(certPath) holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem) } catch {
            throw TLSSetupError(description: "TLS key (--tls-key) \(keyPath) is not a PEM private key (or is encrypted): \(error)")
        }
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // The server makes its TLS context only once it runs; one made now fails here, before anything starts, when
        // the key does not belong to the certificate.
        do { _ = try HTTP2UpgradeChannel(tlsConfiguration: tls, responder: { _, _, _ in }) } catch {
            throw TLSSetupError(description: "TLS key (--tls-key) \(keyPath) does not belong to the certificate (--tls-cert) \(certPath): \(error)")
        }
        return tls
    }

    private static func read(_ path: String, what: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw TLSSetupError(description: "\(what) \(path) does not exist") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TLSSetupError(description: "\(what) \(path) cannot be read (permissions?)")
        }
        return Array(data)
    }
}
