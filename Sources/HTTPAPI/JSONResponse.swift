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

/// JSON spelling of dates: ISO 8601 with fractional seconds, UTC.
enum JSONDate {
    static func string(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// Parses ISO 8601 with or without fractional seconds or a zone (UTC assumed without one).
    static func parse(_ text: String) -> Date? {
        if let d = try? Date(text, strategy: .iso8601) { return d }
        if let d = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) { return d }
        if let d = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return d }
        if let d = try? Date(text + "Z", strategy: .iso8601) { return d }
        return nil
    }
}
