import AudioCore

/// A chain of stages run block by block from a source to a sink, in bounded memory.
///
/// The pipeline owns one output block per stage, allocated in `run` before the first read,
/// so memory depends on the block size and the stages, never on the stream's length.
/// Stages that need the whole signal (loudness normalisation) are run in two passes by the
/// caller: first into a meter (a sink), then, after `rewind()`, through the processing stages.
public struct Pipeline {
    /// The stages, in processing order. Any order the caller likes is valid.
    public var stages: [any AudioStage]

    public init(_ stages: [any AudioStage] = []) { self.stages = stages }

    /// What a run did.
    public struct Statistics: Sendable, Hashable {
        /// Frames read from the source.
        public var inputFrames = 0
        /// Frames written to the sink.
        public var outputFrames = 0
        /// Format of the blocks handed to the sink.
        public var outputFormat: AudioFormat
    }

    /// The output format and block capacity of the chain for input `format`, by preparing
    /// copies of the stages (the pipeline itself is unchanged).
    public func outputSpec(for format: AudioFormat, blockSize: Int = 4096) throws -> StreamSpec {
        var spec = StreamSpec(format: format, maxFrames: blockSize)
        for var stage in stages { spec = try stage.prepare(for: spec.format, maxFrames: spec.maxFrames) }
        return spec
    }

    /// Runs `source` through every stage into `sink`.
    /// - Parameters:
    ///   - source: read until it returns 0 frames.
    ///   - sink: receives every non-empty block the last stage emits, in order.
    ///   - blockSize: frames per read, at least 1.
    ///   - progress: called after each input block with the frames read so far.
    /// - Returns: frame counts and the output format.
    /// - Throws: the first error of the source, a stage or the sink; processing stops there.
    public mutating func run<Source: AudioSource, Sink: AudioSink>(
        from source: inout Source, to sink: inout Sink, blockSize: Int = 4096,
        progress: ((Int) -> Void)? = nil
    ) throws -> Statistics {
        precondition(blockSize > 0, "block size must be positive")
        var spec = StreamSpec(format: source.format, maxFrames: blockSize)
        var buffers: [AudioBlock] = []
        buffers.reserveCapacity(stages.count)
        for i in stages.indices {
            spec = try stages[i].prepare(for: spec.format, maxFrames: spec.maxFrames)
            buffers.append(AudioBlock(channelCount: spec.format.channelCount, capacity: spec.maxFrames))
        }
        var stats = Statistics(outputFormat: spec.format)
        var input = AudioBlock(channelCount: source.format.channelCount, capacity: blockSize)

        while true {
            let n = try source.read(into: &input)
            if n == 0 { break }
            stats.inputFrames += n
            try push(input, from: 0, into: &sink, stats: &stats, buffers: &buffers)
            progress?(stats.inputFrames)
        }
        // End of stream: drain each stage in order, pushing what it releases through the rest.
        for i in stages.indices {
            while true {
                var out = buffers[i]
                out.frameCount = 0
                try stages[i].flush(into: &out)
                if out.frameCount == 0 { break }
                try push(out, from: i + 1, into: &sink, stats: &stats, buffers: &buffers)
            }
        }
        return stats
    }

    /// Sends `block` through stages `first...` and into the sink.
    private mutating func push<Sink: AudioSink>(
        _ block: AudioBlock, from first: Int, into sink: inout Sink,
        stats: inout Statistics, buffers: inout [AudioBlock]
    ) throws {
        var current = block
        for i in first..<stages.count {
            // Swap the stage's buffer out so it is uniquely referenced while written (no copy).
            var out = AudioBlock(channelCount: 1, capacity: 0)
            swap(&out, &buffers[i])
            out.frameCount = 0
            try stages[i].process(current, into: &out)
            swap(&out, &buffers[i])
            if buffers[i].frameCount == 0 { return }
            current = buffers[i]
        }
        if current.frameCount > 0 {
            stats.outputFrames += current.frameCount
            try sink.write(current)
        }
    }
}
