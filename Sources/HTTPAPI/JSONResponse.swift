import Events
import Foundation
import TimelapserCore
import Hummingbird
import NIOCore

/// Builds the success envelope `{"success": true, "data": …}`.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func ok(_ data: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        raw(.object(["success": .bool(true), "data": data]), status: status)
    }

    static func raw(_ value: JSONValue, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        let bytes = (try? encoder.encode(value)) ?? Data("{}".utf8)
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

    static func value(_ date: Date?) -> JSONValue {
        date.map { .string(string($0)) } ?? .null
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

extension JSONValue {
    init(_ int64: Int64?) { self = int64.map { .int(Int($0)) } ?? .null }
    init(_ int: Int?) { self = int.map { .int($0) } ?? .null }
    init(_ string: String?) { self = string.map { .string($0) } ?? .null }
}
