import Foundation

/// A clock on which sleeping takes no time: each sleep is recorded and the clock jumps to its
/// end, so retry backoffs, `Retry-After` waits and poll intervals cost the tests nothing while
/// the tests can still check how long the client meant to wait.
final class RecordingClock: Clock, @unchecked Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by d: Duration) -> Instant { Instant(offset: offset + d) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let lock = NSLock()
    private var current = Instant(offset: .zero)
    private var slept: [Duration] = []

    var now: Instant { lock.withLock { current } }
    var minimumResolution: Duration { .zero }
    /// Every sleep requested, in order.
    var sleeps: [Duration] { lock.withLock { slept } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        lock.withLock {
            slept.append(max(deadline.offset - current.offset, .zero))
            if deadline > current { current = deadline }
        }
        // Let other tasks (the fake server, a canceller) run, as a real sleep would.
        await Task.yield()
    }
}
