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
    /// Whether `container` and `bitDepth` came from a user preset rather than the command
    /// line: an output file's extension then wins over the preset's format, and the preset's
    /// bit depth is dropped for a lossy output.
    package var formatFromPreset = false
    package var bitDepthFromPreset = false
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
    /// Files are processed one at a time (one file, or `--jobs 1`), so each may use the other
    /// cores: it is resampled in time segments on every core, and its meters and encoder run
    /// beside the chain feeding them. Faster then; dearer in CPU when files already fill the cores.
    package var usesSpareCores = true

    package init() {}

    /// The bit depth asked for an output in `container`: nil for a lossy one when only a preset
    /// asked for it.
    package func bitDepth(for container: Container) -> Int? {
        bitDepthFromPreset && container.isLossy ? nil : bitDepth
    }
}
