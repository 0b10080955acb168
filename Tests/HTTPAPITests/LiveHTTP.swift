import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Requests to a `timelapser` child process over real HTTP (tests that run the binary, not the in-process app).
enum LiveHTTP {
    static func request(_ port: Int, _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil,
                        jpeg: [UInt8]? = nil, timeout: TimeAmount = .seconds(300)) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let json { request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))) }
        if let jpeg {
            request.headers.add(name: "Content-Type", value: "image/jpeg")
            request.body = .bytes(ByteBuffer(bytes: jpeg))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        return (Int(response.status.code), Array(try await response.body.collect(upTo: 16 << 20).readableBytesView))
    }

    /// `data` of a success envelope.
    static func data(_ body: [UInt8]) -> Any? {
        ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any])?["data"]
    }
}
