import AudioCore
import Testing

/// The hand-over to a second thread: order, content, errors, the end.
@Suite struct ConcurrentSinkTests {
    /// Keeps what it is given, slowly enough that the queue fills.
    struct SlowCollector: AudioSink {
        var blocks: [[[Float]]] = []
        mutating func write(_ block: AudioBlock) throws {
            for _ in 0..<2_000 where blocks.count % 3 == 0 { _ = blocks.count }  // uneven pace
            blocks.append(block.channels)
        }
    }

    struct Failing: AudioSink {
        struct Full: Error {}
        var accepted = 0
        mutating func write(_ block: AudioBlock) throws {
            if accepted == 3 { throw Full() }
            accepted += 1
        }
    }

    @Test func everyBlockArrivesInOrderAndUnchanged() throws {
        let sink = ConcurrentSink(SlowCollector(), depth: 2)
        var port = sink.port
        var sent: [[[Float]]] = []
        // One buffer reused for every block, as a pipeline does: the sink must copy.
        var block = AudioBlock(channelCount: 2, capacity: 64)
        for k in 0..<200 {
            let n = 1 + (k * 7) % 64
            block.frameCount = n
            block.withMutableChannel(0) { for i in 0..<n { $0[i] = Float(k * 1000 + i) } }
            block.withMutableChannel(1) { for i in 0..<n { $0[i] = -Float(k * 1000 + i) } }
            try port.write(block)
            sent.append(block.channels)
        }
        let received = try sink.finish().blocks
        #expect(received == sent)
    }

    @Test func theInnerSinksErrorStopsTheStream() throws {
        let sink = ConcurrentSink(Failing(), depth: 1)
        let block = AudioBlock(channelCount: 1, capacity: 8, frameCount: 8)
        var thrown = false
        for _ in 0..<100 {
            do { try sink.write(block) } catch is Failing.Full { thrown = true; break }
        }
        #expect(thrown, "a later write throws the inner sink's error")
        #expect(throws: Failing.Full.self) { _ = try sink.finish() }
    }

    @Test func anEmptyStreamStartsNoThreadAndReturnsTheSink() throws {
        let sink = ConcurrentSink(SlowCollector())
        try sink.write(AudioBlock(channelCount: 1, capacity: 4))  // no frames: nothing queued
        #expect(try sink.finish().blocks.isEmpty)
    }
}
