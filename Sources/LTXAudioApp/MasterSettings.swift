import AudioCore
import AudioIO
import Mastering

/// Everything `master` (and `generate`, after downloading) needs to know to process one file.
package struct MasterSettings: Sendable {
    /// Output sample rate in Hz; nil keeps each input's rate.
    package var sampleRate: Int? = 48000
    /// libsamplerate converter quality.
    package var quality: ResamplerQuality = .best
    /// Output container from `--format`; nil: from the output's extension, else the input's own
    /// container when it can hold the result, else FLAC.
    package var container: Container?
    /// 16, 24 or 32 (float) for lossless outputs; nil: the input's depth when the container is
    /// the input's own, else 24.
    package var bitDepth: Int?
    /// Replace existing outputs instead of skipping them.
    package var overwrite = false
    /// Tags to write on top of those carried over from the input (prompt, seed, request id...).
    package var tags: [SoundTag: String] = [:]
    /// Loudness target; nil (preset `none`) leaves the loudness alone.
    package var target: LoudnessTarget? = Preset.streaming.target
    /// The preset the target came from (for reports).
    package var presetName = Preset.streaming.rawValue
    /// Silence trimming; nil turns it off.
    package var trim: TrimSettings? = TrimSettings()
    /// How much limiting the gain search may spend (`--max-limiting`).
    package var limiting = LimitingPolicy()
    /// The leveler before the limiter (`--leveler`, the podcast preset); nil: off.
    package var leveler: LevelerSettings?
    /// TPDF dither when writing 16-bit PCM.
    package var dither = true
    /// Measure and report what would be done; write nothing.
    package var dryRun = false
    /// Frames per processing block.
    package var blockSize = 4096
    /// Resample a file's channels on separate threads: faster when files are not already
    /// processed in parallel (one file, or `--jobs 1`), dearer in CPU otherwise.
    package var parallelChannels = true

    package init() {}
}
