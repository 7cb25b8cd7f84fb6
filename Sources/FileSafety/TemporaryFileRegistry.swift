#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files a process is writing, so that an interrupted process can remove them
/// all just before it exits (Ctrl-C, SIGTERM, SIGHUP) and leave only complete files.
///
/// Every `TemporaryFile` (outputs, plots, the journal) is created and recorded under the one
/// lock of `shared`, so `removeAllTemporaryFiles()` sees every file that exists. It is not
/// called from a signal handler (it takes a lock and unlinks): a thread that the handler wakes
/// calls it.
public final class TemporaryFileRegistry: @unchecked Sendable {
    /// The process-wide registry, which `TemporaryFile` uses and `removeAllTemporaryFiles()`
    /// empties.
    public static let shared = TemporaryFileRegistry()

    private let lock = PThreadLock()
    /// Paths of the temporary files being written; guarded by `lock`.
    private var active: Set<String> = []
    /// Set by `removeAllTemporaryFiles()`: the process is exiting, no new file. Guarded by `lock`.
    private var closing = false

    /// A registry of its own (tests: one per test, so emptying it does not touch `shared`).
    package init() {}

    /// Whether `removeAllTemporaryFiles()` was called: new temporary files are refused.
    public var isClosed: Bool { lock.withLock { closing } }

    /// The temporary files recorded now, sorted (tests).
    package var paths: [String] { lock.withLock { active.sorted() } }

    /// Runs `create` (which creates the file at `path` and returns its descriptor, or -1) under
    /// the lock and records `path` when it succeeded.
    /// - Returns: the descriptor and `errno` (EINTR, with no call to `create`, once closed).
    func register(_ path: String, _ create: () -> Int32) -> (fd: Int32, errno: Int32) {
        lock.withLock {
            guard !closing else { return (-1, EINTR) }
            let fd = create()
            let number = errno
            if fd >= 0 { active.insert(path) }
            return (fd, number)
        }
    }

    /// Stops tracking `path` (placed or removed by its owner).
    func forget(_ path: String) {
        _ = lock.withLock { active.remove(path) }
    }

    /// Removes every temporary file recorded here and refuses to create more: what an
    /// interrupted run does just before it exits.
    ///
    /// Does not close the owners' descriptors or stop their writers: the process is expected
    /// to exit right after. Files already moved to their final names are not touched.
    /// - Returns: how many files were removed.
    @discardableResult
    public func removeAllTemporaryFiles() -> Int {
        lock.withLock {
            closing = true
            let removed = active.filter { unlink($0) == 0 }.count
            active.removeAll()
            return removed
        }
    }
}

/// Removes every temporary file this process is writing (outputs, plots, the journal) and
/// refuses new ones: `TemporaryFileRegistry.shared.removeAllTemporaryFiles()`, which the
/// signal thread calls before the process exits.
/// - Returns: how many files were removed.
@discardableResult
public func removeAllTemporaryFiles() -> Int {
    TemporaryFileRegistry.shared.removeAllTemporaryFiles()
}
