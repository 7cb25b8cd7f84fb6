import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Set by the SIGINT handler; read by the watcher task. A plain word is enough: one writer
/// (the handler), polled by one reader.
nonisolated(unsafe) private var interruptCount: sig_atomic_t = 0

/// Ctrl-C handling for long commands: the first SIGINT cancels the running work (which then
/// sends a cancel to fal and cleans up); a second one exits at once with status 130.
public enum Interrupts {
    /// Whether a SIGINT arrived.
    public static var happened: Bool { interruptCount > 0 }

    /// Runs `body` in a task that is cancelled on the first SIGINT.
    public static func run<T: Sendable>(progress: ProgressLog, _ body: @escaping @Sendable () async -> T) async -> T {
        signal(SIGINT) { _ in
            if interruptCount > 0 { _exit(130) }
            interruptCount = 1
        }
        let task = Task { await body() }
        let watcher = Task {
            while !Task.isCancelled {
                if interruptCount > 0 {
                    progress.line("interrupted: stopping (press Ctrl-C again to quit at once)")
                    task.cancel()
                    return
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        let value = await task.value
        watcher.cancel()
        signal(SIGINT, SIG_DFL)
        return value
    }
}
