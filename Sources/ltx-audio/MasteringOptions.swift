import ArgumentParser
import AudioCore
import AudioIO
import LTXAudioApp
import Mastering

/// Mastering options shared by `master` and `generate`.
struct MasteringOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Loudness preset: \(Preset.allCases.map(\.summary).joined(separator: ", ")). Explicit options override it.",
        valueName: "preset"))
    var preset: String = Preset.streaming.rawValue

    @Option(parsing: .unconditional, help: ArgumentHelp("Integrated loudness target in LUFS (-70 to 0).", valueName: "lufs"))
    var targetLufs: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("True-peak ceiling in dBTP (-20 to 0).", valueName: "dbtp"))
    var truePeak: Double?

    @Option(help: ArgumentHelp("Largest gain applied, dB (0 to 60), so near-silent noise is not blown up.", valueName: "db"))
    var maxGain: Double = 30

    @Option(parsing: .unconditional, help: ArgumentHelp("Silence threshold for trimming: short-window RMS level in dBFS.", valueName: "dbfs"))
    var trimThreshold: Double = -50

    @Option(help: ArgumentHelp("Silence kept next to the sound when trimming, seconds.", valueName: "seconds"))
    var trimPad: Double = 0.05

    @Option(help: ArgumentHelp("Shorten silences inside the clip that are longer than this, seconds.", valueName: "seconds"))
    var maxGap: Double?

    @Flag(help: "Do not trim leading and trailing silence.")
    var noTrim = false

    @Flag(help: "Do not dither when writing 16-bit PCM (TPDF dither is on by default there).")
    var noDither = false

    @Option(help: ArgumentHelp("Output sample rate in Hz (1 to 768000).", valueName: "hz"))
    var sampleRate: Int = 48000

    @Option(help: ArgumentHelp("Resampler quality: best, medium or fast (libsamplerate sinc converters).", valueName: "quality"))
    var quality: String = "best"

    @Option(help: ArgumentHelp(
        "Output format: wav, flac, ogg (Vorbis), opus, mp3, aiff, caf, w64, rf64. Default: the output file's extension; for an output folder, each input's own format when it can hold the result, else flac.",
        valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("Bit depth for lossless formats: 16, 24 or 32 (32-bit float; not FLAC). Default: the input's when the format is the input's own, else 24.", valueName: "bits"))
    var bitDepth: Int?

    @Flag(help: "Replace outputs that exist already (they are skipped otherwise).")
    var overwrite = false

    func validate() throws {
        guard Preset(rawValue: preset) != nil else {
            throw ValidationError("--preset \(preset) is not one of \(Preset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let targetLufs, !(-70...0).contains(targetLufs) {
            throw ValidationError("--target-lufs \(targetLufs) is outside -70...0 LUFS")
        }
        if let truePeak, !(-20...0).contains(truePeak) {
            throw ValidationError("--true-peak \(truePeak) is outside -20...0 dBTP")
        }
        guard (0...60).contains(maxGain) else { throw ValidationError("--max-gain \(maxGain) is outside 0...60 dB") }
        guard (-120...0).contains(trimThreshold) else {
            throw ValidationError("--trim-threshold \(trimThreshold) is outside -120...0 dBFS")
        }
        guard (0...10).contains(trimPad) else { throw ValidationError("--trim-pad \(trimPad) is outside 0...10 seconds") }
        if let maxGap, !(0.01...3600).contains(maxGap) {
            throw ValidationError("--max-gap \(maxGap) is outside 0.01...3600 seconds")
        }
        guard (1...768_000).contains(sampleRate) else {
            throw ValidationError("--sample-rate \(sampleRate) is outside 1...768000 Hz")
        }
        guard ResamplerQuality(rawValue: quality) != nil else {
            throw ValidationError("--quality \(quality) is not one of best, medium, fast")
        }
        if let format, Container(name: format) == nil {
            throw ValidationError("--format \(format) is not one of wav, flac, ogg, opus, mp3, aiff, caf, w64, rf64")
        }
        if let bitDepth, ![16, 24, 32].contains(bitDepth) {
            throw ValidationError("--bit-depth \(bitDepth) is not one of 16, 24, 32")
        }
    }

    /// The settings these options describe.
    func settings() throws -> MasterSettings {
        var s = MasterSettings()
        s.sampleRate = sampleRate
        s.quality = ResamplerQuality(rawValue: quality) ?? .best
        s.container = format.flatMap(Container.init(name:))
        s.bitDepth = bitDepth
        s.overwrite = overwrite
        let p = Preset(rawValue: preset) ?? .streaming
        s.presetName = p.rawValue
        var target = p.target
        if targetLufs != nil || truePeak != nil {
            let base = target ?? Preset.streaming.target!
            target = LoudnessTarget(integrated: LUFS(targetLufs ?? base.integrated.value),
                                    truePeakCeiling: Decibels(truePeak ?? base.truePeakCeiling.value))
            s.presetName = p == .none ? "custom" : "\(p.rawValue), adjusted"
        }
        target?.maxGain = Decibels(maxGain)
        s.target = target
        if noTrim {
            s.trim = nil
        } else {
            var t = TrimSettings()
            t.threshold = Decibels(trimThreshold)
            t.pad = trimPad
            t.maxGap = maxGap
            s.trim = t
        }
        s.dither = !noDither
        return s
    }
}
