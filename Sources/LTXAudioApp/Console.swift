import Foundation

/// How much a command says on standard error (`--quiet`, `--verbose`); standard output always
/// carries the report or the JSON document.
package enum Verbosity: Int, Sendable, Comparable, CaseIterable {
    /// Errors only.
    case quiet
    /// Errors, warnings, notes and progress (the default).
    case normal
    /// Also per-file detail: the gains tried, passes, timings.
    case verbose

    package static func < (a: Verbosity, b: Verbosity) -> Bool { a.rawValue < b.rawValue }
}

/// Everything the tool prints goes through one console: results on standard output (a report,
/// JSON), everything else on standard error (errors, warnings, notes, detail, progress), every
/// line made safe for a terminal (`Terminal.sanitize`) and written whole, one writer at a time.
///
/// Standard error is filtered by the `verbosity` (errors always pass) and coloured only when
/// `colour` is on: standard error is a terminal and `NO_COLOR` is not set (see
/// `wantsColour(isTerminal:environment:)`). Standard output is never coloured and never
/// filtered.
///
/// `Console.standard` writes to the process's streams; tests make one with their own writers.
package final class Console: @unchecked Sendable {
    // `lock` guards the writers' calls and `currentVerbosity`.
    private let lock = NSLock()
    private let writeOutput: @Sendable (String) -> Void
    private let writeError: @Sendable (String) -> Void
    private var currentVerbosity: Verbosity
    /// Whether standard error is a terminal (a progress line is drawn only there).
    package let errorIsTerminal: Bool
    /// Whether the "error:" and "warning:" prefixes on standard error are coloured.
    package let colour: Bool

    /// The process's standard output and standard error.
    package static let standard = Console(
        output: { FileHandle.standardOutput.write(Data($0.utf8)) },
        error: { FileHandle.standardError.write(Data($0.utf8)) },
        errorIsTerminal: isatty(STDERR_FILENO) == 1,
        colour: wantsColour(isTerminal: isatty(STDERR_FILENO) == 1, environment: ProcessInfo.processInfo.environment))

    /// A console writing whole chunks of text (each ends with a newline, except progress
    /// redraws) to `output` and `error`.
    package init(output: @escaping @Sendable (String) -> Void, error: @escaping @Sendable (String) -> Void,
                 errorIsTerminal: Bool = false, colour: Bool = false, verbosity: Verbosity = .normal) {
        writeOutput = output
        writeError = error
        self.errorIsTerminal = errorIsTerminal
        self.colour = colour
        currentVerbosity = verbosity
    }

    /// Colour only on a terminal, never with `NO_COLOR` set to anything but the empty string
    /// (no-color.org), nor on a `dumb` terminal.
    package static func wantsColour(isTerminal: Bool, environment: [String: String]) -> Bool {
        guard isTerminal else { return false }
        if let noColour = environment["NO_COLOR"], !noColour.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    /// How much goes to standard error; a command sets it once from `--quiet`/`--verbose`
    /// before it prints anything.
    package var verbosity: Verbosity {
        get { lock.withLock { currentVerbosity } }
        set { lock.withLock { currentVerbosity = newValue } }
    }

    /// Whether a progress line is drawn: standard error is a terminal and not `--quiet`.
    package var showsProgress: Bool { errorIsTerminal && verbosity > .quiet }

    // MARK: Standard output

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

    // MARK: Standard error

    /// "error: TEXT" on standard error, whatever the verbosity.
    package func error(_ text: String) { emit(.quiet, prefix: "error: ", colourCode: "31", text) }

    /// "warning: TEXT" on standard error (not with `--quiet`).
    package func warning(_ text: String) { emit(.normal, prefix: "warning: ", colourCode: "33", text) }

    /// A line on standard error: a note, a progress message (not with `--quiet`).
    package func note(_ text: String) { emit(.normal, prefix: "", colourCode: nil, text) }

    /// A line of detail on standard error, only with `--verbose`.
    package func detail(_ text: String) { emit(.verbose, prefix: "", colourCode: nil, text) }

    /// Redraws a one-line status in place on standard error (only on a terminal, not with
    /// `--quiet`).
    package func status(_ text: String) {
        guard showsProgress else { return }
        let clean = "\r\u{1B}[K" + Terminal.sanitize(text)
        lock.withLock { writeError(clean) }
    }

    /// Clears the status line (only when one may have been drawn).
    package func clearStatus() {
        guard showsProgress else { return }
        lock.withLock { writeError("\r\u{1B}[K") }
    }

    private func emit(_ least: Verbosity, prefix: String, colourCode: String?, _ text: String) {
        let clean = Terminal.sanitize(text)
        lock.withLock {
            guard currentVerbosity >= least else { return }
            let shown = prefix.isEmpty ? "" : (colour && colourCode != nil ? "\u{1B}[1;\(colourCode!)m\(prefix)\u{1B}[0m" : prefix)
            writeError(shown + clean + "\n")
        }
    }
}
