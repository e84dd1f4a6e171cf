import Foundation

/// The parts of a `multipart/form-data` body, as `POST /files` receives it.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var bytes: [UInt8]
    }

    var parts: [Part]

    /// Splits `body` on the boundary its content type names; nil when it is not multipart form data.
    init?(body: [UInt8], contentType: String) {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundaryField = contentType.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { $0.hasPrefix("boundary=") })
        else { return nil }
        let boundary = Array(("--" + boundaryField.dropFirst("boundary=".count).trimmingCharacters(in: Self.quotes)).utf8)
        var parts: [Part] = []
        var starts = Self.indices(of: boundary, in: body)
        guard starts.count >= 2 else { return nil }
        starts.append(body.count)
        for (start, end) in zip(starts, starts.dropFirst()) {
            var section = Array(body[(start + boundary.count)..<min(end, body.count)])
            if section.starts(with: Array("--".utf8)) { break }
            if section.starts(with: [13, 10]) { section.removeFirst(2) }
            guard let split = Self.indices(of: [13, 10, 13, 10], in: section).first else { continue }
            let headers = String(decoding: section[..<split], as: UTF8.self)
            var content = Array(section[(split + 4)...])
            if content.suffix(2) == [13, 10] { content.removeLast(2) }
            var name = ""
            var filename: String?
            for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition") {
                for field in line.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    if field.hasPrefix("name=") { name = String(field.dropFirst(5)).trimmingCharacters(in: Self.quotes) }
                    if field.hasPrefix("filename=") { filename = String(field.dropFirst(9)).trimmingCharacters(in: Self.quotes) }
                }
            }
            parts.append(Part(name: name, filename: filename, bytes: content))
        }
        self.parts = parts
    }

    func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    static let quotes = CharacterSet(charactersIn: "\"")

    static func indices(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return [] }
        var found: [Int] = []
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                found.append(index)
                index += needle.count
            } else {
                index += 1
            }
        }
        return found
    }
}
