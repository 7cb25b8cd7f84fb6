/// The outcome of mastering one input.
package struct MasterFileReport: Sendable, Codable, Hashable {
    package enum Status: String, Sendable, Codable { case mastered, skipped, failed, planned }

    /// The input path as given or found.
    package var path: String
    /// The output path (planned, for skipped and failed files too, when known).
    package var output: String?
    package var status: Status
    /// For failures: one line naming the input and the reason. For skips: why.
    package var error: String?
    package var note: String?
    package var inputSampleRate: Int?
    package var inputChannels: Int?
    package var inputFormat: String?
    package var inputDurationSeconds: Double?
    package var outputSampleRate: Int?
    package var outputFormat: String?
    package var outputDurationSeconds: Double?
    /// Loudness of the input as it came, and of the written output (decoded again).
    package var before: LoudnessFigures?
    package var after: LoudnessFigures?
    package var preset: String?
    package var targetLUFS: Double?
    package var ceilingDBTP: Double?
    /// Gain applied before the limiter, dB.
    package var gainDB: Double?
    /// Largest gain reduction of the true-peak limiter, dB (0 when it never acted).
    package var limiterReductionDB: Double?
    /// The limiter's average reduction over the frames it limited, dB.
    package var limiterAverageReductionDB: Double?
    /// The leveler's largest and average reduction, dB (nil when it is off).
    package var levelerReductionDB: Double?
    package var levelerAverageReductionDB: Double?
    /// Whether the output meets the target within tolerance (nil when there is no target).
    package var withinTolerance: Bool?
    /// False when the target could not be reached (silence, too short, gain cap).
    package var targetReached: Bool?
    /// Passes over the audio to reach the target.
    package var passes: Int?
    package var warnings: [String] = []
    package var elapsedSeconds: Double?
    /// Lines for `--verbose` (gains tried, passes, timings); not part of the JSON document.
    package var detail: [String] = []
    /// With `--album`: the album this file was mastered in.
    package var album: AlbumFigures?

    package init(path: String, output: String?, status: Status) {
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
        case limiterAverageReductionDB = "limiter_average_reduction_db"
        case levelerReductionDB = "leveler_reduction_db"
        case levelerAverageReductionDB = "leveler_average_reduction_db"
        case withinTolerance = "within_tolerance"
        case targetReached = "target_reached"
        case elapsedSeconds = "elapsed_s"
        case album
    }
}

/// The figures of the album a file was mastered in (`--album`), the same in each of its files.
package struct AlbumFigures: Sendable, Codable, Hashable {
    /// The album's folder, as the inputs name it.
    package var folder: String
    /// Files mastered together (those that failed before being measured are not counted).
    package var files: Int
    /// The album's integrated loudness over all its files' gating blocks, before and after (nil:
    /// no value, such as silence).
    package var beforeLUFS: Double?
    package var afterLUFS: Double?
    /// The gain common to the album's files, dB.
    package var gainDB: Double?
    /// About the album as a whole (gain cap, limiting, loudness out of tolerance).
    package var warnings: [String] = []

    enum CodingKeys: String, CodingKey {
        case folder, files, warnings
        case beforeLUFS = "before_lufs"
        case afterLUFS = "after_lufs"
        case gainDB = "gain_db"
    }
}
