import AudioCore
import DSP

/// A pass-through stage that shows every block to a sink (a meter, a silence scanner) and
/// hands it on unchanged, so measuring is one more stage in a pipeline's list.
///
/// After a run, read the sink back through the ``StageHandle`` that ``Pipeline/append(_:)``
/// gave: `pipeline[handle].sink`. The sink sees exactly the blocks the next stage receives.
public struct TapStage<Sink: AudioSink>: AudioStage {
    /// The sink, in the state the stream so far has left it.
    public private(set) var sink: Sink

    /// Shows every block to `sink`.
    public init(_ sink: Sink) { self.sink = sink }

    public var name: String { "tap \(Sink.self)" }

    public mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
        StreamSpec(format: format, maxFrames: maxFrames)
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        try sink.write(input)
        output.append(input)
    }

    public mutating func flush(into output: inout AudioBlock) throws {}
}

extension TapStage: Sendable where Sink: Sendable {}

/// A ``TapStage`` feeding a BS.1770 `LoudnessMeter`: the loudness of the stream at that point
/// of the chain.
public typealias MeterStage = TapStage<LoudnessMeter>

extension TapStage where Sink == LoudnessMeter {
    /// A meter tap for blocks of `format`.
    /// - Parameters:
    ///   - format: the format of the blocks at this point of the chain.
    ///   - measures: what to measure (pay only for what you read).
    public init(format: AudioFormat, measures: LoudnessMeter.Measures) {
        self.init(LoudnessMeter(format: format, measures: measures))
    }

    /// The figures of everything that passed so far.
    public var report: LoudnessReport { sink.report() }
}

/// A sink that drops what it is given; the end of a pass that only measures.
public struct DiscardingSink: AudioSink, Sendable {
    /// Frames dropped so far.
    public private(set) var frameCount = 0

    public init() {}

    public mutating func write(_ block: AudioBlock) throws { frameCount += block.frameCount }
}
