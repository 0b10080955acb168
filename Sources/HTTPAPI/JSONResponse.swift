import Foundation
import Hummingbird
import NIOCore
import TimelapserCore

/// The JSON of every answer: snake_case keys (from the Codable types' property names), sorted; dates in ISO 8601
/// with milliseconds, UTC; optional values the types mark `@AlwaysPresent` written as `null`.
public enum APIJSON {
    static let encoder = makeEncoder(pretty: false)
    static let prettyEncoder = makeEncoder(pretty: true)

    static func makeEncoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(JSONDate.string(date))
        }
        return encoder
    }

    /// `value` as the API writes it (pretty for people: the CLI's `--json`).
    public static func encode(_ value: some Encodable, pretty: Bool = false) -> Data {
        (try? (pretty ? prettyEncoder : encoder).encode(value)) ?? Data("{}".utf8)
    }
}

/// `{"success": true, "data": …}`.
struct SuccessEnvelope<Payload: Encodable>: Encodable {
    let success = true
    let data: Payload
}

/// `{"success": false, "error": …, "status_code": …, "details": {…}}`.
struct ErrorEnvelope: Encodable {
    let success = false
    let error: String
    let statusCode: Int
    let details: [String: JSONValue]
}

/// Builds JSON answers.
enum JSONResponse {
    /// The success envelope around `data`.
    static func ok(_ data: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        raw(SuccessEnvelope(data: data), status: status)
    }

    /// `value` as the whole body.
    static func raw(_ value: some Encodable, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        let bytes = APIJSON.encode(value)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(bytes.count)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

