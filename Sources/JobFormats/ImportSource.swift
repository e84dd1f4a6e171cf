/// Where an import's job lines come from, a chunk at a time: a JSON lines file as it is, or data rows
/// rendered through a template into the same line form.
public protocol ImportSource: AnyObject {
    /// The file problems are reported against, as the user named it.
    var name: String { get }
    /// The next lines (at most `maxLines`, about `maxBytes`), with the problems found making them; nil
    /// at the end.
    func nextJobLines(maxLines: Int, maxBytes: Int) throws -> SourceChunk?
}

extension LineReader: ImportSource {
    public var name: String { path }

    public func nextJobLines(maxLines: Int, maxBytes: Int) throws -> SourceChunk? {
        try nextChunk(maxLines: maxLines, maxBytes: maxBytes).map { SourceChunk(lines: $0) }
    }
}
