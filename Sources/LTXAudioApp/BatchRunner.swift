import Foundation

/// Runs independent jobs on `jobs` threads, keeping results in input order, with an optional
/// one-line progress display on a terminal.
public struct BatchRunner: Sendable {
    /// Worker threads, at least 1.
    public var jobs: Int
    /// Show "[3/10] name" on stderr while running (only when stderr is a terminal).
    public var showProgress: Bool

    public init(jobs: Int, showProgress: Bool = BatchRunner.stderrIsTerminal) {
        self.jobs = max(1, jobs)
        self.showProgress = showProgress
    }

    /// Whether standard error is a terminal.
    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Runs `work` for every item; each worker takes the next unstarted item.
    /// - Parameter label: the name shown in the progress line for an item.
    public func run<Item: Sendable, Result: Sendable>(
        _ items: [Item], label: @escaping @Sendable (Item) -> String,
        work: @escaping @Sendable (Item) -> Result
    ) -> [Result] {
        let state = SharedState<Result>(count: items.count)
        let progress = showProgress ? ProgressLine(total: items.count) : nil
        DispatchQueue.concurrentPerform(iterations: min(jobs, max(items.count, 1))) { _ in
            while let i = state.claim() {
                progress?.started(label(items[i]))
                let result = work(items[i])
                state.store(result, at: i)
                progress?.finished()
            }
        }
        progress?.clear()
        return state.results()
    }
}

private final class SharedState<Result>: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    private var slots: [Result?]

    init(count: Int) {
        self.count = count
        slots = Array(repeating: nil, count: count)
    }
    func claim() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
    func store(_ r: Result, at i: Int) {
        lock.lock(); defer { lock.unlock() }
        slots[i] = r
    }
    func results() -> [Result] { slots.map { $0! } }
}

/// "[ 3/10] mastering take3.wav" redrawn in place on stderr.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private var done = 0
    private var current = ""

    init(total: Int) { self.total = total }

    func started(_ name: String) {
        lock.lock(); defer { lock.unlock() }
        current = name
        draw()
    }
    func finished() {
        lock.lock(); defer { lock.unlock() }
        done += 1
        draw()
    }
    func clear() {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
    private func draw() {
        let width = String(total).count
        let count = String(repeating: " ", count: width - String(done).count) + String(done)
        let bar = total > 0 ? String(repeating: "#", count: done * 20 / total) + String(repeating: ".", count: 20 - done * 20 / total) : ""
        let name = current.count > 50 ? "…" + current.suffix(49) : current
        FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(count)/\(total) \(Terminal.sanitize(name))".utf8))
    }
}

/// Text safe for a terminal.
public enum Terminal {
    /// Replaces control characters (escape sequences, carriage returns, bells...) and bidi
    /// overrides with "?" so that file names and server strings cannot rewrite the screen.
    public static func sanitize(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            ($0.value < 0x20 && $0 != "\t") || (0x7F...0x9F).contains($0.value) || isBidiControl($0.value) ? "?" : $0
        }))
    }

    /// Unicode bidirectional formatting characters, which can make text display in another order.
    static func isBidiControl(_ v: UInt32) -> Bool {
        (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
    }
}
