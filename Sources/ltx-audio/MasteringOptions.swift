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
    var preset: Preset = .streaming

    @Option(parsing: .unconditional, help: ArgumentHelp("Integrated loudness target in LUFS (-70 to 0).", valueName: "lufs"))
    var targetLufs: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("True-peak ceiling in dBTP (-20 to 0).", valueName: "dbtp"))
    var truePeak: Double?

    @Option(help: ArgumentHelp("Largest gain applied, dB (0 to 60), so near-silent noise is not blown up.", valueName: "db"))
    var maxGain: Double = 30

    @Option(help: ArgumentHelp(
        "Most gain reduction the true-peak limiter may apply to reach the target, dB (0 to 60; 0 = gain only). Beyond it, or where more gain buys under 0.5 LU per dB once limiting, the file is written at the loudness reached (ok*).",
        valueName: "db"))
    var maxLimiting: Double = 18

    @Option(help: ArgumentHelp(
        "Least share of the loudness added by more gain that must come through the limiter, 0 to 1 (0 = chase the target whatever it costs).",
        valueName: "share"))
    var minLimitingReturn: Double = 0.2

    @Flag(help: "Level the programme before limiting (a gentle compressor for peaky speech; the podcast preset turns it on).")
    var leveler = false

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

    @Option(help: ArgumentHelp("Resampler quality: libsamplerate's sinc converters, best, medium or fast.", valueName: "quality"))
    var quality: ResamplerQuality = .best

    @Option(help: ArgumentHelp(
        "Output format. Default: the output file's extension; for an output folder, each input's own format when it can hold the result, else flac.",
        valueName: "format"))
    var format: Container?

    @Option(help: ArgumentHelp("Bit depth for lossless formats: 16, 24 or 32 (32-bit float; not FLAC). Default: the input's when the format is the input's own, else 24.", valueName: "bits"))
    var bitDepth: BitDepth?

    @Flag(help: "Replace outputs that exist already (they are skipped otherwise).")
    var overwrite = false

    func validate() throws {
        if let targetLufs, !(-70...0).contains(targetLufs) {
            throw ValidationError("--target-lufs \(targetLufs) is outside -70...0 LUFS")
        }
        if let truePeak, !(-20...0).contains(truePeak) {
            throw ValidationError("--true-peak \(truePeak) is outside -20...0 dBTP")
        }
        guard (0...60).contains(maxGain) else { throw ValidationError("--max-gain \(maxGain) is outside 0...60 dB") }
        guard (0...60).contains(maxLimiting) else { throw ValidationError("--max-limiting \(maxLimiting) is outside 0...60 dB") }
        guard (0...1).contains(minLimitingReturn) else {
            throw ValidationError("--min-limiting-return \(minLimitingReturn) is outside 0...1")
        }
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
    }

    /// The settings these options describe.
    func settings() throws -> MasterSettings {
        var s = MasterSettings()
        s.sampleRate = sampleRate
        s.quality = quality
        s.container = format
        s.bitDepth = bitDepth?.rawValue
        s.overwrite = overwrite
        let p = preset
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
        s.limiting = LimitingPolicy(maximumReduction: Decibels(maxLimiting), minimumReturn: minLimitingReturn)
        s.leveler = leveler || p.usesLeveler ? LevelerSettings() : nil
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

/// `--bit-depth`: the sample formats the lossless encoders write.
enum BitDepth: Int, CaseIterable, ExpressibleByArgument {
    case sixteen = 16, twentyFour = 24, thirtyTwo = 32
}

extension Preset: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension ResamplerQuality: ExpressibleByArgument {}

extension Container: ExpressibleByArgument {
    /// The `--format` names: each container's file extension, and `vorbis` for `ogg`.
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.fileExtension) }
    public static var allValueDescriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0.fileExtension, $0.displayName) })
    }
    public var defaultValueDescription: String { fileExtension }
}
