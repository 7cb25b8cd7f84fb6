import Foundation

/// Runs independent jobs on `jobs` threads, keeping results in input order, with an optional
/// one-line progress display on a terminal.
package struct BatchRunner: Sendable {
    /// Worker threads, at least 1.
    package var jobs: Int
    /// Show "[3/10] name" on stderr while running (only when stderr is a terminal).
    package var showProgress: Bool
    /// Where the progress line is drawn.
    package var console: Console

    package init(jobs: Int, console: Console = .standard, showProgress: Bool? = nil) {
        self.jobs = max(1, jobs)
        self.console = console
        self.showProgress = showProgress ?? console.showsProgress
    }

    /// Runs `work` for every item; each worker takes the next unstarted item.
    /// - Parameters:
    ///   - label: the name shown in the progress line for an item.
    ///   - finished: called with each result as soon as it is ready, on the worker's thread
    ///     (`--jsonl` prints it there).
    package func run<Item: Sendable, Result: Sendable>(
        _ items: [Item], label: @escaping @Sendable (Item) -> String,
        work: @escaping @Sendable (Item) -> Result,
        finished: (@Sendable (Result) -> Void)? = nil
    ) -> [Result] {
        let state = SharedState<Result>(count: items.count)
        let progress = showProgress ? ProgressLine(total: items.count, console: console) : nil
        DispatchQueue.concurrentPerform(iterations: min(jobs, max(items.count, 1))) { _ in
            while let i = state.claim() {
                progress?.started(label(items[i]))
                let result = work(items[i])
                state.store(result, at: i)
                progress?.finished()
                finished?(result)
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
