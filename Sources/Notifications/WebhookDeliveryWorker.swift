import AsyncHTTPClient
import Crypto
import Database
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TimelapserCore

/// POSTs queued deliveries, at most `concurrency` at once in this process, each under a lease (its completion is
/// fenced by it). 2xx → `delivered`; 5xx, timeouts and connection errors → retried after the next delay of
/// `retrySchedule`, then `failed`; any other status → `failed` at once. Deliveries of a worker that died are
/// rescued when their lease runs out; those cut short by a shutdown go back to the queue. The queue is rows in
/// the database, so deliveries survive restarts.
public struct WebhookDeliveryWorker: Service {
    let webhooks: WebhookService
    /// The delays between attempts: the first retry waits `retrySchedule[0]`, …; after the last, the delivery fails.
    let retrySchedule: [Duration]
    let requestTimeout: Duration
    let concurrency: Int
    let pollInterval: Duration
    let workerId: String
    let logger: Logger

    /// The delays of the first, second… retry by default: 10 s, 1 min, 10 min, 1 h.
    public static let defaultRetrySeconds = [10, 60, 600, 3600]

    public init(webhooks: WebhookService, retrySchedule: [Duration] = defaultRetrySeconds.map { .seconds($0) },
                requestTimeout: Duration = .seconds(10), concurrency: Int = 4, pollInterval: Duration = .seconds(1), logger: Logger) {
        self.webhooks = webhooks
        self.retrySchedule = retrySchedule
        self.requestTimeout = requestTimeout
        self.concurrency = max(1, concurrency)
        self.pollInterval = pollInterval
        self.workerId = "webhooks-\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
        self.logger = logger
    }

    var database: TimelapserDatabase { webhooks.database }
    /// Long enough for a request and its bookkeeping: only a worker that died loses a lease.
    var leaseDuration: Duration { requestTimeout * 3 }

    public func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: TimeAmount(requestTimeout), read: TimeAmount(requestTimeout))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let active = InFlight()
        await withTaskGroup(of: Void.self) { group in
            await withGracefulShutdownHandler {
                var lastRescue = ContinuousClock.now - .seconds(3600)
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    do {
                        if lastRescue.duration(to: .now) >= .seconds(5) {
                            lastRescue = .now
                            let rescued = try await database.autocommit { try await WebhookStore.rescueExpired($0, at: Date()) }
                            if rescued > 0 { logger.warning("webhooks: \(rescued) deliveries rescued from an expired lease") }
                        }
                        let limit = concurrency - active.count
                        if limit > 0 {
                            let now = Date()
                            let claimed = try await database.autocommit { db in
                                try await WebhookStore.claim(db, workerId: workerId, limit: limit,
                                                             leaseUntil: now.addingTimeInterval(leaseDuration.timeInterval), at: now)
                            }
                            for delivery in claimed {
                                active.add(1)
                                group.addTask {
                                    await deliver(delivery, client: client)
                                    active.add(-1)
                                    webhooks.wake.signal()
                                }
                            }
                            // A full batch: more may be due at once.
                            if claimed.count == limit { continue }
                        }
                    } catch {
                        logger.error("webhook delivery worker: \(error)")
                    }
                    await webhooks.wake.wait(timeout: pollInterval)
                }
            } onGracefulShutdown: {
                webhooks.wake.signal()
            }
            // Shutting down: requests under way stop; each delivery goes back to the queue.
            group.cancelAll()
            await group.waitForAll()
        }
        try? await client.shutdown()
    }

    /// What one attempt came to.
    enum Outcome: Equatable {
        case delivered(Int)
        /// A status that will not change by trying again (4xx, 3xx…).
        case rejected(Int)
        /// 5xx, a timeout or a connection error.
        case transient(Int?, String)
    }

    func deliver(_ delivery: WebhookDeliveryRecord, client: HTTPClient) async {
        do {
            guard let webhook = try await database.read({ try await WebhookStore.fetchOne($0, id: delivery.webhookId) }) else {
                return  // deleted meanwhile: its deliveries went with it
            }
            guard webhook.enabled || delivery.event == WebhookEvent.testEventName else {
                _ = try await database.autocommit {
                    try await WebhookStore.finish($0, id: delivery.id, workerId: workerId, delivered: false, statusCode: nil,
                                                  error: "the webhook is disabled", at: Date())
                }
                return
            }
            let outcome = await post(delivery, to: webhook, client: client)
            if Task.isCancelled { return await release(delivery) }
            try await record(outcome, of: delivery, webhook: webhook)
        } catch {
            if Task.isCancelled { return await release(delivery) }
            logger.error("webhook delivery \(delivery.deliveryId): \(error)")
        }
    }

    /// Shutting down: the delivery goes back to the queue and the attempt does not count. Written from a task of
    /// its own, which the shutdown does not cancel.
    func release(_ delivery: WebhookDeliveryRecord) async {
        let (database, workerId, logger) = (database, workerId, logger)
        await Task {
            do {
                try await database.autocommit { try await WebhookStore.release($0, workerId: workerId, ids: [delivery.id]) }
            } catch {
                logger.error("webhook delivery \(delivery.deliveryId) not released (its lease will run out): \(error)")
            }
        }.value
    }

    func record(_ outcome: Outcome, of delivery: WebhookDeliveryRecord, webhook: WebhookRecord) async throws {
        let url = WebhookURLMask.mask(webhook.url)
        let now = Date()
        let held: Bool
        switch outcome {
        case .delivered(let code):
            held = try await database.autocommit {
                try await WebhookStore.finish($0, id: delivery.id, workerId: workerId, delivered: true, statusCode: code, error: nil, at: now)
            }
            logger.info("webhook delivered", metadata: ["delivery": "\(delivery.deliveryId)", "event": "\(delivery.event)",
                                                        "url": "\(url)", "status": "\(code)"])
        case .rejected(let code):
            held = try await database.autocommit {
                try await WebhookStore.finish($0, id: delivery.id, workerId: workerId, delivered: false, statusCode: code,
                                              error: "the receiver answered \(code)", at: now)
            }
            logger.warning("webhook delivery failed", metadata: ["delivery": "\(delivery.deliveryId)", "url": "\(url)", "status": "\(code)"])
        case .transient(let code, let message):
            if delivery.attempts <= retrySchedule.count {
                let next = now.addingTimeInterval(retrySchedule[delivery.attempts - 1].timeInterval)
                held = try await database.autocommit {
                    try await WebhookStore.retry($0, id: delivery.id, workerId: workerId, statusCode: code, error: message, nextAttemptAt: next)
                }
                logger.notice("webhook delivery will be retried", metadata: [
                    "delivery": "\(delivery.deliveryId)", "url": "\(url)", "attempt": "\(delivery.attempts)", "error": "\(message)"])
            } else {
                held = try await database.autocommit {
                    try await WebhookStore.finish($0, id: delivery.id, workerId: workerId, delivered: false, statusCode: code,
                                                  error: message, at: now)
                }
                logger.warning("webhook delivery failed after \(delivery.attempts) attempts",
                               metadata: ["delivery": "\(delivery.deliveryId)", "url": "\(url)", "error": "\(message)"])
            }
        }
        if !held { logger.warning("webhook delivery \(delivery.deliveryId): the lease was lost; its result is dropped") }
    }

    /// One POST of the delivery's stored body, signed when the webhook has a secret.
    func post(_ delivery: WebhookDeliveryRecord, to webhook: WebhookRecord, client: HTTPClient) async -> Outcome {
        let body = Array(delivery.payload.utf8)
        let (plainURL, authorization) = Self.splitCredentials(webhook.url)
        var request = HTTPClientRequest(url: plainURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Timelapser-Webhook/1")
        request.headers.add(name: "X-Timelapser-Event", value: delivery.event)
        request.headers.add(name: "X-Timelapser-Delivery", value: delivery.deliveryId)
        if let secret = webhook.secret, !secret.isEmpty {
            request.headers.add(name: "X-Timelapser-Signature", value: WebhookSignature.header(body: body, secret: secret))
        }
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: TimeAmount(requestTimeout))
            let code = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 64 << 10)  // drained; its content is not kept
            switch code {
            case 200..<300: return .delivered(code)
            case 500..<600: return .transient(code, "the receiver answered \(code)")
            default: return .rejected(code)
            }
        } catch {
            return .transient(nil, WebhookURLMask.redact(Self.describe(error), url: webhook.url))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return "timed out"
            }
            return "request failed: \(error)"
        }
        return "could not connect: \(error)"
    }

    /// The URL without its user info, and the Basic `Authorization` value the user info stood for.
    static func splitCredentials(_ url: String) -> (String, String?) {
        guard var components = URLComponents(string: url), let user = components.user else { return (url, nil) }
        let credentials = "\(user):\(components.password ?? "")"
        components.user = nil
        components.password = nil
        return (components.string ?? url, "Basic " + Data(credentials.utf8).base64EncodedString())
    }
}

/// The `X-Timelapser-Signature` header: `sha256=` and the lowercase hex HMAC-SHA256 of the exact body bytes, keyed
/// with the webhook's secret.
public enum WebhookSignature {
    public static func header(body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }
}

/// How many deliveries this worker has under way.
final class InFlight: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func add(_ delta: Int) { value.withLock { $0 += delta } }
}
