import GRDB

/// One result row, read by column index or name, with GRDB's conversions (`DatabaseValueConvertible`):
/// what both stores hand the shared transaction code, whatever their driver returned.
public struct SQLRow: Sendable {
    /// The statement's column names, shared by all its rows.
    let columns: [String]
    let values: [DatabaseValue]

    public init(columns: [String], values: [DatabaseValue]) {
        self.columns = columns
        self.values = values
    }

    /// A column's value, optional when `Value` is (GRDB makes `Optional` convertible); traps on NULL
    /// for a non-optional value or a value of another type, as GRDB's `Row` does: the statements are
    /// ours, so that is a bug, never bad input.
    public subscript<Value: DatabaseValueConvertible>(_ index: Int) -> Value {
        guard let value = Value.fromDatabaseValue(values[index]) else {
            preconditionFailure("column \(index) (\(columns[index])) holds \(values[index]), not \(Value.self)")
        }
        return value
    }

    public subscript<Value: DatabaseValueConvertible>(_ column: String) -> Value {
        self[index(of: column)]
    }

    private func index(of column: String) -> Int {
        guard let index = columns.firstIndex(of: column) else { preconditionFailure("no column \(column) in \(columns)") }
        return index
    }
}
