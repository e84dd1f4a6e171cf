import Synchronization

/// Lines for standard error that a command prints once, however often it loads its settings.
enum OnceNotice {
    private static let printed = Mutex<Set<String>>([])

    static func print(_ line: String) {
        if printed.withLock({ $0.insert(line).inserted }) { Console.error("groqbatch: \(line)") }
    }
}
