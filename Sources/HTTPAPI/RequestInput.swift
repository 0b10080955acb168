import Events
import Foundation
import TimelapserCore
import Hummingbird
import NIOCore

/// Reading ids, query parameters and JSON bodies, with a 400 for anything malformed.
enum RequestInput {
    /// A positive integer path parameter; 404 for anything else (an id that cannot exist names nothing).
    static func id(_ context: some RequestContext, _ name: String = "id", entity: String) throws -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id > 0 else {
            throw APIError(.notFound, "\(entity) not found")
        }
        return id
    }

    /// An optional integer query parameter within `range`.
    static func int(_ request: Request, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return value
    }

    static func bool(_ request: Request, _ name: String) throws -> Bool? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.badRequest("\(name) must be true or false", field: name)
        }
    }

    /// The body as a JSON object (an empty body is an empty object); 400 when it is not one.
    static func object(_ request: inout Request, limit: Int = 1 << 20) async throws -> JSONObject {
        let buffer = try await request.collectBody(upTo: limit)
        guard buffer.readableBytes > 0 else { return JSONObject([:]) }
        guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
            throw APIError.badRequest("Malformed JSON body: expected a JSON object")
        }
        return JSONObject(fields)
    }
}

/// Typed access to a JSON object's fields; a field of the wrong type is a 400 naming it.
struct JSONObject {
    let fields: [String: JSONValue]

    init(_ fields: [String: JSONValue]) { self.fields = fields }

    func has(_ key: String) -> Bool { fields[key] != nil }

    func string(_ key: String) throws -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw APIError.badRequest("\(key) must be a string", field: key)
        }
    }

    func int(_ key: String) throws -> Int? {
        switch fields[key] {
        case nil, .null?: return nil
        case .int(let i)?: return i
        default: throw APIError.badRequest("\(key) must be an integer", field: key)
        }
    }

    func bool(_ key: String) throws -> Bool? {
        switch fields[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw APIError.badRequest("\(key) must be true or false", field: key)
        }
    }

    func date(_ key: String) throws -> Date? {
        guard let text = try string(key) else { return nil }
        guard let date = JSONDate.parse(text) else { throw APIError.badRequest("\(key) must be an ISO 8601 date-time", field: key) }
        return date
    }
}
