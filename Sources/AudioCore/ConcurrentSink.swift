import Dispatch

/// A sink that hands every block to another sink on a thread of its own, through a bounded
/// queue of block copies: the stages before it and the sink after it run on two cores at once
/// (a meter beside a limiter, an encoder beside the chain that feeds it).
///
/// Memory is bounded by `depth` blocks whatever the stream's length. Blocks reach `inner` in
/// order. An error of `inner` stops the hand-over: the next ``write(_:)`` (or ``finish()``)
/// throws it.
///
/// Use it where a core is idle (one file at a time); in a batch whose files already keep every
/// core busy, a second thread per file only adds switching.
///
/// ```swift
/// let sink = ConcurrentSink(LoudnessMeter(format: format, measures: [.integrated]))
/// var port = sink.port
/// _ = try pipeline.run(from: &source, to: &port)
/// let meter = try sink.finish()   // waits for the last block; the inner sink, done
/// ```
public final class ConcurrentSink<Inner: AudioSink>: @unchecked Sendable {
    // Each slot is written by the caller and read by the worker, never both at once: the two
    // semaphores hand it over (and order the memory). The inner sink is the worker's until
    // `finish` has waited for it.
    private var inner: Inner
    private let slots: [Slot]
    private let freeSlots: DispatchSemaphore
    private let filledSlots = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let failureLock = DispatchSemaphore(value: 1)
    private var failure: (any Error)?
    private var writeSlot = 0
    private var started = false
    private var closed = false

    /// - Parameters:
    ///   - inner: receives the blocks, on the worker thread.
    ///   - depth: blocks in flight at most (default 4).
    public init(_ inner: Inner, depth: Int = 4) {
        precondition(depth >= 1)
        self.inner = inner
        slots = (0..<depth).map { _ in Slot() }
        // Counted up from 0: libdispatch refuses to free a semaphore below its initial value.
        freeSlots = DispatchSemaphore(value: 0)
        for _ in 0..<depth { freeSlots.signal() }
    }

    /// A value-type handle to write through (what `Pipeline.run(to:)` takes).
    public var port: Port { Port(owner: self) }

    /// The writing end of a ``ConcurrentSink``.
    public struct Port: AudioSink {
        let owner: ConcurrentSink

        public mutating func write(_ block: AudioBlock) throws { try owner.write(block) }
    }

    /// Queues a copy of `block` for the inner sink; waits while `depth` blocks are in flight.
    /// - Throws: the inner sink's error, once it has failed.
    public func write(_ block: AudioBlock) throws {
        precondition(!closed, "write after finish")
        try rethrowFailure()
        guard block.frameCount > 0 else { return }
        let slot = slots[takeSlot()]
        if slot.block.channelCount != block.channelCount {
            slot.block = AudioBlock(channelCount: block.channelCount, capacity: block.frameCount)
        }
        slot.block.frameCount = 0
        slot.block.appendGrowing(block)
        filledSlots.signal()
    }

    /// Waits until the inner sink has taken every block, and returns it.
    /// - Throws: the inner sink's error, if it failed.
    public func finish() throws -> Inner {
        if !closed {
            closed = true
            if started {
                slots[takeSlot()].end = true
                filledSlots.signal()
                done.wait()
            }
        }
        try rethrowFailure()
        return inner
    }

    /// The next free slot (the worker is started on first use).
    private func takeSlot() -> Int {
        if !started {
            started = true
            // A thread of its own for the whole stream (it blocks on the semaphores).
            DispatchQueue(label: "ltx-audio.concurrent-sink").async { [self] in work() }
        }
        freeSlots.wait()
        defer { writeSlot = (writeSlot + 1) % slots.count }
        return writeSlot
    }

    private func rethrowFailure() throws {
        failureLock.wait()
        let error = failure
        failureLock.signal()
        if let error { throw error }
    }

    private func work() {
        var slot = 0
        var failed = false
        while true {
            filledSlots.wait()
            if slots[slot].end { break }
            if !failed {
                do {
                    try inner.write(slots[slot].block)
                } catch {
                    failed = true
                    failureLock.wait()
                    failure = error
                    failureLock.signal()
                }
            }
            slot = (slot + 1) % slots.count
            freeSlots.signal()
        }
        done.signal()
    }

    /// One place in the queue: a block, or the end of the stream.
    private final class Slot {
        var block = AudioBlock(channelCount: 1, capacity: 0)
        var end = false
    }
}
