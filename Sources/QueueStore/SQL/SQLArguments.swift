import GRDB

/// The values bound to a statement's `?` placeholders, in order, written as an array literal of any
/// values GRDB converts (`[id, name, nil]`).
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    public var values: [DatabaseValue]

    public init(arrayLiteral elements: (any DatabaseValueConvertible)?...) {
        values = elements.map { $0?.databaseValue ?? .null }
    }

    public init(_ elements: some Sequence<some DatabaseValueConvertible>) {
        values = elements.map(\.databaseValue)
    }

    public static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        var sum = lhs
        sum += rhs
        return sum
    }

    public static func += (lhs: inout SQLArguments, rhs: SQLArguments) {
        lhs.values += rhs.values
    }
}
