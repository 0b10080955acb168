import Foundation
import Hummingbird
import NIOCore
import TimelapserCore

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

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// The JSON body as `T` (an empty body is an empty object). 400 when it is not a JSON object, or when a field
    /// has the wrong type (`details.field` names it); 413 over `limit` bytes.
    static func decode<T: Decodable>(_ type: T.Type, from request: inout Request, limit: Int = 1 << 20) async throws -> T {
        let buffer = try await request.collectBody(upTo: limit)
        let data = buffer.readableBytes > 0 ? Data(buffer.readableBytesView) : Data("{}".utf8)
        guard case .object? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw APIError.badRequest("Malformed JSON body: expected a JSON object")
        }
        do {
            return try decoder.decode(T.self, from: data)
        } catch let DecodingError.typeMismatch(expected, context) {
            throw wrongType(context.codingPath, expected: expected)
        } catch let DecodingError.dataCorrupted(context) {
            throw wrongType(context.codingPath, expected: nil)
        } catch let DecodingError.valueNotFound(expected, context) {
            throw wrongType(context.codingPath, expected: expected)
        }
    }

    /// A 400 naming the field (snake_case, as the client sent it) and the type it must have.
    static func wrongType(_ path: [any CodingKey], expected: Any.Type?) -> APIError {
        let field = path.first.map { snakeCase($0.stringValue) } ?? "body"
        let kind = switch expected {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        default: "of another type"
        }
        return APIError.badRequest("\(field) must be \(kind)", field: field)
    }

    static func snakeCase(_ key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// An ISO 8601 date-time of a body field; 400 naming it when it is not one.
    static func date(_ text: String?, field: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = JSONDate.parse(text) else { throw APIError.badRequest("\(field) must be an ISO 8601 date-time", field: field) }
        return date
    }
}
