import AudioIO
import Mastering

/// What mastering one file did.
public struct FileMasteringReport: Sendable {
    /// The input and output paths as given.
    public var input: String
    public var output: String
    /// What the decoder said about the input (format, container, encoding, tags).
    public var inputInfo: SoundFileInfo
    /// The container and bit depth written.
    public var encoding: OutputEncoding
    /// The engine's figures: before and after (the written file, decoded again), gain,
    /// limiting, warnings.
    public var mastering: MasteringReport
}

/// What mastering one file would do (a dry run: nothing written).
public struct FileMasteringPlan: Sendable {
    public var input: String
    public var output: String
    public var inputInfo: SoundFileInfo
    public var encoding: OutputEncoding
    public var mastering: MasteringPlan
}
