import Foundation

/// Runs a blocking call (a socket read with a timeout, a wait) on a thread of its own and awaits its result.
///
/// Swift's tasks share a pool of as many threads as the machine has cores (two here). A test that blocks one of them
/// for seconds, reading a socket the server under test must answer, can leave the server's own tasks no thread at
/// all: every test in the process then stalls until the read times out.
public func blockingCall<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}
