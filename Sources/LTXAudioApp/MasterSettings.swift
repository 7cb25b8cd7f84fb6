import AudioCore
import AudioIO
import Mastering

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
    /// Loudness target; nil (preset `none`) leaves the loudness alone.
    public var target: LoudnessTarget? = Preset.streaming.target
    /// The preset the target came from (for reports).
    public var presetName = Preset.streaming.rawValue
    /// Silence trimming; nil turns it off.
    public var trim: TrimSettings? = TrimSettings()
    /// TPDF dither when writing 16-bit PCM.
    public var dither = true
    /// Measure and report what would be done; write nothing.
    public var dryRun = false
    /// Frames per processing block.
    public var blockSize = 4096
    /// Resample a file's channels on separate threads: faster when files are not already
    /// processed in parallel (one file, or `--jobs 1`), dearer in CPU otherwise.
    public var parallelChannels = true

    public init() {}
}

/// The outcome of mastering one input.
public struct MasterFileReport: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable { case mastered, skipped, failed, planned }

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
    /// Loudness of the input as it came, and of the written output (decoded again).
    public var before: LoudnessFigures?
    public var after: LoudnessFigures?
    public var preset: String?
    public var targetLUFS: Double?
    public var ceilingDBTP: Double?
    /// Gain applied before the limiter, dB.
    public var gainDB: Double?
    /// Largest gain reduction of the true-peak limiter, dB (0 when it never acted).
    public var limiterReductionDB: Double?
    /// Whether the output meets the target within tolerance (nil when there is no target).
    public var withinTolerance: Bool?
    /// False when the target could not be reached (silence, too short, gain cap).
    public var targetReached: Bool?
    /// Passes over the audio to reach the target.
    public var passes: Int?
    public var warnings: [String] = []
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
        case before, after, preset, passes, warnings
        case targetLUFS = "target_lufs"
        case ceilingDBTP = "ceiling_dbtp"
        case gainDB = "gain_db"
        case limiterReductionDB = "limiter_reduction_db"
        case withinTolerance = "within_tolerance"
        case targetReached = "target_reached"
        case elapsedSeconds = "elapsed_s"
    }
}

/// Loudness figures of one file; "no value" (minus infinity) is `nil` (JSON null).
public struct LoudnessFigures: Sendable, Codable, Hashable {
    public var integratedLUFS: Double?
    public var loudnessRangeLU: Double?
    public var truePeakDBTP: Double?
    public var samplePeakDBFS: Double?
    public var durationSeconds: Double

    public init(integrated: Double, range: Double, truePeak: Double, samplePeak: Double, duration: Double) {
        func finite(_ v: Double) -> Double? { v.isFinite ? (v * 100).rounded() / 100 : nil }
        integratedLUFS = finite(integrated)
        loudnessRangeLU = finite(range)
        truePeakDBTP = finite(truePeak)
        samplePeakDBFS = finite(samplePeak)
        durationSeconds = (duration * 1000).rounded() / 1000
    }

    enum CodingKeys: String, CodingKey {
        case integratedLUFS = "integrated_lufs"
        case loudnessRangeLU = "loudness_range_lu"
        case truePeakDBTP = "true_peak_dbtp"
        case samplePeakDBFS = "sample_peak_dbfs"
        case durationSeconds = "duration_s"
    }
}
