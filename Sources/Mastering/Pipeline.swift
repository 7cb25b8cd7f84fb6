import AudioCore

/// A chain of stages run block by block from a source to a sink, in bounded memory.
///
/// The pipeline owns one output block per stage, allocated in `run` before the first read,
/// so memory depends on the block size and the stages, never on the stream's length.
/// Stages that need the whole signal (loudness normalisation) are run in two passes by the
/// caller: first through a ``TapStage`` feeding a meter, then, after `rewind()`, through the
/// processing stages.
///
/// A stage added with ``append(_:)`` gives back a ``StageHandle``; after a run,
/// `pipeline[handle]` is that stage, with its type, as the run left it (a meter's figures, the
/// limiter's largest gain reduction):
///
/// ```swift
/// var pipeline = Pipeline()
/// pipeline.append(GainStage(Decibels(6)))
/// let limiter = pipeline.append(TruePeakLimiter(ceiling: Decibels(-1)))
/// let meter = pipeline.append(MeterStage(format: format, measures: [.integrated]))
/// _ = try pipeline.run(from: &source, to: &sink)
/// let loudness = pipeline[meter].report.integrated
/// let reduction = pipeline[limiter].minimumGain
/// ```
public struct Pipeline {
    /// The stages, in processing order. Any order the caller likes is valid.
    public private(set) var stages: [any AudioStage]

    /// A pipeline of `stages`, in processing order.
    public init(_ stages: [any AudioStage] = []) { self.stages = stages }

    /// Adds `stage` at the end of the chain.
    /// - Returns: the handle to read the stage back, typed, after a run.
    @discardableResult
    public mutating func append<S: AudioStage>(_ stage: S) -> StageHandle<S> {
        stages.append(stage)
        return StageHandle(index: stages.count - 1)
    }

    /// Adds `stages` at the end of the chain (their results are not read back).
    public mutating func append(contentsOf stages: [any AudioStage]) {
        self.stages.append(contentsOf: stages)
    }

    /// The stage a handle names, with its type, in the state the last run left it.
    public subscript<S: AudioStage>(handle: StageHandle<S>) -> S {
        // The handle was made by `append` for a stage of type S at this index, and stages are
        // never removed or replaced, so the cast cannot fail.
        stages[handle.index] as! S
    }

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

/// Names a stage added to a ``Pipeline`` with ``Pipeline/append(_:)``, with its type, so its
/// results come back typed (`pipeline[handle]`).
public struct StageHandle<Stage: AudioStage>: Sendable, Hashable {
    let index: Int
}
