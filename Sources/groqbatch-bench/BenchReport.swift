import Foundation

/// Collects figures and prints them as `name: value unit (ratio against limit)` lines.
final class BenchReport {
    private var lines: [String] = []

    func add(_ name: String, _ value: Double, _ unit: String, ratio: String? = nil) {
        let formatted = value >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
        let line = "\(name): \(formatted) \(unit)\(ratio.map { "  (\($0))" } ?? "")"
        emit(line)
        lines.append(line)
    }

    func note(_ text: String) {
        emit("  " + text)
    }

    /// Unbuffered, so progress shows while a long benchmark runs.
    func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    func printSummary() {
        print("\n== summary ==")
        for line in lines { print(line) }
    }
}

/// Wall-clock seconds of `body`.
func measure<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

/// Wall-clock seconds of an async `body`.
func measureAsync<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try await body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
