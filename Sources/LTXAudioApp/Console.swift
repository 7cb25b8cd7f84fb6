import Foundation

/// Everything the tool prints goes through one console: results on standard output (a report,
/// JSON), everything else on standard error (errors, warnings, progress), every line made
/// safe for a terminal (`Terminal.sanitize`) and written whole, one writer at a time.
///
/// `Console.standard` writes to the process's streams; tests make one with their own writers.
package final class Console: Sendable {
    private let lock = NSLock()
    private let writeOutput: @Sendable (String) -> Void
    private let writeError: @Sendable (String) -> Void
    /// Whether standard error is a terminal (a progress line is drawn only there).
    package let errorIsTerminal: Bool

    /// The process's standard output and standard error.
    package static let standard = Console(
        output: { FileHandle.standardOutput.write(Data($0.utf8)) },
        error: { FileHandle.standardError.write(Data($0.utf8)) },
        errorIsTerminal: isatty(STDERR_FILENO) == 1)

    /// A console writing whole chunks of text (each ends with a newline, except progress
    /// redraws) to `output` and `error`.
    package init(output: @escaping @Sendable (String) -> Void, error: @escaping @Sendable (String) -> Void,
                 errorIsTerminal: Bool = false) {
        writeOutput = output
        writeError = error
        self.errorIsTerminal = errorIsTerminal
    }

    /// A line of the result on standard output.
    package func line(_ text: String) {
        let clean = Terminal.sanitize(text) + "\n"
        lock.withLock { writeOutput(clean) }
    }

    /// Text already formatted (a table, a JSON document) on standard output, sanitised line by
    /// line; a final newline is added when missing.
    package func block(_ text: String) {
        var clean = text.split(separator: "\n", omittingEmptySubsequences: false).map { Terminal.sanitize(String($0)) }
            .joined(separator: "\n")
        if !clean.hasSuffix("\n") { clean += "\n" }
        lock.withLock { writeOutput(clean) }
    }

    /// A document on standard output as it is (JSON, whose strings the encoder escaped); a
    /// final newline is added when missing.
    package func document(_ text: String) {
        let whole = text.hasSuffix("\n") ? text : text + "\n"
        lock.withLock { writeOutput(whole) }
    }

    /// A value as pretty, key-sorted JSON on standard output.
    package func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        document(String(decoding: data, as: UTF8.self))
    }

    /// A value as one line of compact, key-sorted JSON on standard output (JSON Lines), written
    /// whole with one `write`, so it reaches a pipe as soon as it is ready.
    package func jsonLine<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        document(String(decoding: data, as: UTF8.self))
    }

    /// "error: TEXT" on standard error.
    package func error(_ text: String) { note("error: " + text) }

    /// A line on standard error: a warning, a note, progress.
    package func note(_ text: String) {
        let clean = Terminal.sanitize(text) + "\n"
        lock.withLock { writeError(clean) }
    }

    /// Redraws a one-line status in place on standard error (only when it is a terminal).
    package func status(_ text: String) {
        guard errorIsTerminal else { return }
        let clean = "\r\u{1B}[K" + Terminal.sanitize(text)
        lock.withLock { writeError(clean) }
    }

    /// Clears the status line (only when standard error is a terminal).
    package func clearStatus() {
        guard errorIsTerminal else { return }
        lock.withLock { writeError("\r\u{1B}[K") }
    }
}
