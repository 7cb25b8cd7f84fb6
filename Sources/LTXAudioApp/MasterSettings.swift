import AudioIO

/// Everything `master` (and `generate`, after downloading) needs to know to process one file.
public struct MasterSettings: Sendable {
    /// Output sample rate in Hz; nil keeps each input's rate.
    public var sampleRate: Int? = 48000
    /// libsamplerate converter quality.
    public var quality: ResamplerQuality = .best
    /// Output container from `--format`; nil: from the output's extension, else the input's own
    /// container when it can hold the result, else FLAC.
    public var container: Container?
    /// 16, 24 or 32 (float) for lossless outputs; nil: the input's depth when the container is
    /// the input's own, else 24.
    public var bitDepth: Int?
    /// Replace existing outputs instead of skipping them.
    public var overwrite = false
    /// Tags to write on top of those carried over from the input (prompt, seed, request id...).
    public var tags: [SoundTag: String] = [:]
    /// Frames per processing block.
    public var blockSize = 4096

    public init() {}
}

/// The outcome of mastering one input.
public struct MasterFileReport: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable { case mastered, skipped, failed }

    /// The input path as given or found.
    public var path: String
    /// The output path (planned, for skipped and failed files too, when known).
    public var output: String?
    public var status: Status
    /// For failures: one line naming the input and the reason. For skips: why.
    public var error: String?
    public var note: String?
    public var inputSampleRate: Int?
    public var inputChannels: Int?
    public var inputFormat: String?
    public var inputDurationSeconds: Double?
    public var outputSampleRate: Int?
    public var outputFormat: String?
    public var outputDurationSeconds: Double?
    public var elapsedSeconds: Double?

    public init(path: String, output: String?, status: Status) {
        self.path = path
        self.output = output
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case path, output, status, error, note
        case inputSampleRate = "input_sample_rate"
        case inputChannels = "input_channels"
        case inputFormat = "input_format"
        case inputDurationSeconds = "input_duration_s"
        case outputSampleRate = "output_sample_rate"
        case outputFormat = "output_format"
        case outputDurationSeconds = "output_duration_s"
        case elapsedSeconds = "elapsed_s"
    }
}
