import FalClient
import FileSafety
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The write end of the pipe that the signal handler writes each signal number to.
nonisolated(unsafe) private var signalPipe: Int32 = -1

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP for the whole process.
///
/// `install()` sets a handler that only writes the signal's number to a pipe (`write` is
/// async-signal-safe), and starts one thread that reads the pipe, so what follows a signal is
/// ordinary code, whichever thread the signal interrupted:
/// - inside `run(console:_:)` (generate, resume), the first SIGINT cancels the running work,
///   which then sends a cancel to fal and cleans up;
/// - otherwise (master, analyze, a second SIGINT, SIGTERM, SIGHUP), the temporary files being
///   written and the partial downloads are removed and the process exits at once with 128 +
///   the signal number (130 for Ctrl-C, 143 for SIGTERM): only complete files remain.
package enum Interrupts {
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var interrupts = 0
        var cancellable = false
    }
    private static let state = State()

    /// Whether a SIGINT arrived during `run(console:_:)`.
    package static var happened: Bool { state.lock.withLock { state.interrupts > 0 } }

    /// Takes over SIGINT, SIGTERM and SIGHUP; call it first in `main`.
    package static func install() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }  // keep the default actions
        let readEnd = ends[0]
        signalPipe = ends[1]
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(signalPipe, F_SETFD, FD_CLOEXEC)
        let taker = Thread {
            var number: UInt8 = 0
            while true {
                let n = read(readEnd, &number, 1)
                if n < 0 && errno == EINTR { continue }
                guard n == 1 else { return }
                let received = Int32(number)
                let cancels = received == SIGINT && state.lock.withLock {
                    state.interrupts += 1
                    return state.cancellable && state.interrupts == 1
                }
                if cancels { continue }
                removeAllTemporaryFiles()
                _exit(128 + received)
            }
        }
        taker.name = "ltx-audio signals"
        taker.start()
        for s in [SIGINT, SIGTERM, SIGHUP] {
            // glibc's signal() installs with SA_RESTART: interrupted reads and writes resume.
            signal(s) { number in
                let savedErrno = errno  // the interrupted code may be about to read it
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipe, &byte, 1)
                errno = savedErrno
            }
        }
    }

    /// Runs `body` in a task that is cancelled on the first SIGINT (a second one exits at once).
    package static func run<T: Sendable>(console: Console, _ body: @escaping @Sendable () async -> T) async -> T {
        state.lock.withLock { state.cancellable = true }
        let task = Task { await body() }
        let watcher = Task {
            while !Task.isCancelled {
                if happened {
                    console.note("interrupted: stopping (press Ctrl-C again to quit at once)")
                    task.cancel()
                    return
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        let value = await task.value
        watcher.cancel()
        state.lock.withLock { state.cancellable = false }
        return value
    }
}
