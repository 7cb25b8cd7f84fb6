import AudioCore

/// Where the trimmed and resampled signal is kept between the mastering passes, so the
/// loudness passes re-read it instead of decoding and resampling again.
///
/// The engine writes the whole signal once, then rewinds and reads it for each pass. Files
/// are not this module's business: a store that spills to disk (bounded memory whatever the
/// length, as `AudioIO`'s `SpillFile`) comes in from outside; ``MemoryStore`` keeps it in memory.
public protocol IntermediateStore: AnyObject {
    /// The format of the frames written and read.
    var format: AudioFormat { get }
    /// Frames written so far.
    var frameCount: Int? { get }
    /// Appends the valid frames of `block`.
    /// - Throws: when the frames cannot be kept (a full disk, ...).
    func write(_ block: AudioBlock) throws
    /// Fills `block` from its start with the next frames, up to its capacity.
    /// - Returns: the frames read; 0 at the end.
    func read(into block: inout AudioBlock) throws -> Int
    /// Goes back to the first frame.
    func rewind() throws
}

/// An ``IntermediateStore`` in memory: 4 bytes per sample (about 23 MB a minute of 48 kHz
/// stereo). For short clips and in-memory use; long files want a store on disk.
public final class MemoryStore: IntermediateStore {
    public let format: AudioFormat
    private var samples: AudioBlock
    private var position = 0

    /// An empty store for frames of `format`.
    public init(format: AudioFormat) {
        self.format = format
        samples = AudioBlock(channelCount: format.channelCount, capacity: 0)
    }

    public var frameCount: Int? { samples.frameCount }

    public func write(_ block: AudioBlock) throws {
        samples.appendGrowing(block)
    }

    public func read(into block: inout AudioBlock) throws -> Int {
        samples.read(from: &position, into: &block)
    }

    public func rewind() throws { position = 0 }
}

/// The store seen as a source and a sink, for `Pipeline.run`.
struct StoreStream: RewindableAudioSource, AudioSink {
    let store: any IntermediateStore
    var format: AudioFormat { store.format }
    var frameCount: Int? { store.frameCount }
    mutating func read(into block: inout AudioBlock) throws -> Int { try store.read(into: &block) }
    mutating func rewind() throws { try store.rewind() }
    mutating func write(_ block: AudioBlock) throws { try store.write(block) }
}
