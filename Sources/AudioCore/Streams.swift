/// Something that produces planar audio block by block (a decoder, a generator, a buffer).
public protocol AudioSource {
    /// The format of every block this source produces.
    var format: AudioFormat { get }
    /// Total frames, when known in advance (a decoded file); `nil` for open-ended sources.
    var frameCount: Int? { get }
    /// Fills `block` from its start with up to `block.capacity` frames and sets `block.frameCount`.
    /// - Returns: the number of frames read; 0 only at the end of the stream.
    /// - Throws: when the underlying data cannot be read (the error says where).
    mutating func read(into block: inout AudioBlock) throws -> Int
}

/// A source that can start again from its first frame, for two-pass processing
/// (measure first, then process) without holding the signal in memory.
public protocol RewindableAudioSource: AudioSource {
    /// Goes back to the first frame.
    mutating func rewind() throws
}

/// Something that consumes planar audio block by block (an encoder, a meter, a buffer).
public protocol AudioSink {
    /// Consumes the valid frames of `block`. The block's format is the one the sink was made for.
    mutating func write(_ block: AudioBlock) throws
}

/// What a stage produces: the format of its output and the most frames one call may emit.
public struct StreamSpec: Sendable, Hashable {
    public var format: AudioFormat
    /// Upper bound of frames in one `process` or `flush` output; the pipeline allocates this.
    public var maxFrames: Int
    public init(format: AudioFormat, maxFrames: Int) {
        self.format = format
        self.maxFrames = maxFrames
    }
}

/// One step of a processing chain: blocks in, blocks out.
///
/// A stage follows a single-step decoder's shape: `prepare` once, `process` per block, then
/// `flush` until it emits nothing. Stages are values; all state is allocated in `prepare` so
/// that `process` runs without allocating, and memory stays flat whatever the stream length.
public protocol AudioStage {
    /// A short name for reports and errors ("trim", "resample 24000 -> 48000 Hz").
    var name: String { get }
    /// Called once before the first block; allocate all state here.
    /// - Parameters:
    ///   - format: the format of the blocks `process` will receive.
    ///   - maxFrames: the most frames one input block will hold.
    /// - Returns: the output format and the most frames one output may hold.
    /// - Throws: when the stage cannot handle `format` (the error says why).
    mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec
    /// Processes one input block. `output` arrives empty (frameCount 0) with at least the
    /// capacity `prepare` asked for; it may receive fewer frames than `input` had
    /// (look-ahead, trimming) or more (upsampling).
    mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws
    /// End of stream: emits held-back frames (filter delay, pending silence) into `output`,
    /// which arrives empty. Called repeatedly until it emits no frames.
    mutating func flush(into output: inout AudioBlock) throws
}

extension AudioStage {
    public var name: String { String(describing: Self.self) }
}

/// A source over frames held in memory; for tests and small signals.
public struct BufferSource: RewindableAudioSource, Sendable {
    public let format: AudioFormat
    public let samples: AudioBlock
    private var position = 0

    /// Serves the valid frames of `samples`, whose channel count must match `format`.
    public init(format: AudioFormat, samples: AudioBlock) {
        precondition(samples.channelCount == format.channelCount, "channel counts differ")
        self.format = format
        self.samples = samples
    }

    public var frameCount: Int? { samples.frameCount }

    public mutating func read(into block: inout AudioBlock) throws -> Int {
        samples.read(from: &position, into: &block)
    }

    public mutating func rewind() throws { position = 0 }
}

/// A sink that keeps everything written to it in memory; for tests and small signals.
public struct BufferSink: AudioSink, Sendable {
    public private(set) var samples: AudioBlock

    public init(channelCount: Int) { samples = AudioBlock(channelCount: channelCount, capacity: 0) }

    public mutating func write(_ block: AudioBlock) throws {
        samples.appendGrowing(block)
    }
}
