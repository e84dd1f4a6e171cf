/// Where a store's transactions run: each `write` is one transaction, committed when the body returns
/// and rolled back when it throws; each `read` sees one consistent snapshot.
public protocol SQLEngine: Sendable {
    @discardableResult func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// A write from synchronous code: what a worker's exit runs, when its task may already be cancelled.
    func writeNow<T>(_ body: (any SQLSession) throws -> T) throws -> T
    /// A read from synchronous code that runs on a database thread already (another store's
    /// transaction: `QueueCopy` reads its source inside the destination's write).
    func readNow<T>(_ body: (any SQLSession) throws -> T) throws -> T
}
