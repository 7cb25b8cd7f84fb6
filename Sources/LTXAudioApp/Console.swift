import Foundation

/// Writing to stdout and stderr, sanitised for terminals.
package enum Console {
    private static let lock = NSLock()

    /// A line on stdout.
    package static func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardOutput.write(Data((Terminal.sanitize(text) + "\n").utf8))
    }

    /// "error: ..." on stderr.
    package static func error(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data(("error: " + Terminal.sanitize(text) + "\n").utf8))
    }

    /// "warning: ..." or a note on stderr.
    package static func note(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data((Terminal.sanitize(text) + "\n").utf8))
    }

    /// A value as pretty, key-sorted JSON on stdout.
    package static func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
