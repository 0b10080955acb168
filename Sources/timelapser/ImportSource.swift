import Foundation
import TimelapseExport
import TimelapserCore

/// The frames `timelapser import` reads: a folder's JPEGs (dated by modification time), or the entries of an
/// export's ZIP (dated by its `index.csv`), in time order.
enum ImportSource {
    struct Frame: Sendable {
        let name: String
        let modified: Date
        let bytes: @Sendable () throws -> [UInt8]
    }

    static func frames(at path: String) throws -> [Frame] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw ImportError("\(path) does not exist") }
        return isFolder.boolValue ? try folder(path) : try zip(path)
    }

    static func folder(_ directory: String) throws -> [Frame] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names.filter { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }.compactMap { name -> Frame? in
            let path = directory + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let modified = attributes[.modificationDate] as? Date else { return nil }
            return Frame(name: path, modified: modified) { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
        }.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }
    }

    /// An export's archive: every row of `index.csv` whose file is in it.
    static func zip(_ path: String) throws -> [Frame] {
        let reader = try ZipReader(path: path)
        let byName = Dictionary(reader.entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        guard let index = byName["index.csv"] else { throw ImportError("\(path) has no index.csv: only archives made by timelapser export are imported") }
        let lines = String(decoding: try reader.contents(of: index), as: UTF8.self).split(whereSeparator: \.isNewline).dropFirst()
        var frames: [Frame] = []
        for line in lines {
            let fields = csvFields(String(line))
            guard fields.count >= 2, let entry = byName[fields[0]], let captured = JSONDate.parse(fields[1]) else { continue }
            frames.append(Frame(name: fields[0], modified: captured) { try reader.contents(of: entry) })
        }
        return frames.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }
    }

    /// One CSV line's fields (double quotes around a field with a comma or a quote, `""` for a quote).
    static func csvFields(_ line: String) -> [String] {
        let characters = Array(line)
        var fields: [String] = [], field = "", quoted = false, i = 0
        while i < characters.count {
            let c = characters[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < characters.count, characters[i + 1] == "\"" {
                        field.append("\"")
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(c)
            }
            i += 1
        }
        fields.append(field)
        return fields
    }
}

struct ImportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
