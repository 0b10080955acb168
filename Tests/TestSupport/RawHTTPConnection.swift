import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bare TCP connection to a loopback server, for what an HTTP client library hides: several requests written at
/// once (pipelining) and the exact bytes that come back.
public final class RawHTTPConnection: Sendable {
    public let descriptor: Int32

    /// `receiveBuffer`: a small one makes a client that reads slowly look stalled to the server sooner.
    public init(port: Int, receiveBuffer: Int32? = nil) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSetupError("cannot make a socket") }
        self.descriptor = descriptor
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestSetupError("cannot connect to port \(port)")
        }
    }

    deinit { close(descriptor) }

    /// Writes `text` in one `send`.
    public func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw TestSetupError("cannot send") }
    }

    /// Everything the server sends until it closes the connection, or until `timeout`.
    public func readUntilClosed(timeout: Duration) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            let n = recv(descriptor, &buffer, buffer.count, 0)
            if n == 0 { break }
            if n < 0 { continue }
            received += buffer[0..<n]
        }
        return received
    }
}
