import ArgumentParser
import AudioCore
import AudioIO
import LTXAudioApp
import Mastering

/// Mastering options shared by `master`, `generate` and `resume`. Each is nil when not given,
/// so that a preset (built in, or a user's file) sets what the command line leaves out.
struct MasteringOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Preset: \(Preset.allCases.map(\.summary).joined(separator: ", ")), or a user preset NAME.json in $XDG_CONFIG_HOME/ltx-audio/presets/ (see `ltx-audio presets`). Options given here override it. Default: streaming.",
        valueName: "preset"))
    var preset: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Integrated loudness target in LUFS (-70 to 0). Default: the preset's.", valueName: "lufs"))
    var targetLufs: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("True-peak ceiling in dBTP (-20 to 0). Default: the preset's.", valueName: "dbtp"))
    var truePeak: Double?

    @Option(help: ArgumentHelp("Largest gain applied, dB (0 to 60), so near-silent noise is not blown up. Default: 30.", valueName: "db"))
    var maxGain: Double?

    @Option(help: ArgumentHelp(
        "Most gain reduction the true-peak limiter may apply to reach the target, dB (0 to 60; 0 = gain only). Beyond it, or where more gain buys too little once limiting (--min-limiting-return), the file is written at the loudness reached (ok*). Default: 18.",
        valueName: "db"))
    var maxLimiting: Double?

    @Option(help: ArgumentHelp(
        "Least share of the loudness added by more gain that must come through the limiter, 0 to 1 (0 = chase the target whatever it costs). Default: 0.2.",
        valueName: "share"))
    var minLimitingReturn: Double?

    @Flag(inversion: .prefixedNo, help: "Level the programme before limiting (a gentle compressor for peaky speech). Default: the preset's (on in podcast).")
    var leveler: Bool?

    @Option(parsing: .unconditional, help: ArgumentHelp("Silence threshold for trimming: short-window RMS level in dBFS. Default: -50.", valueName: "dbfs"))
    var trimThreshold: Double?

    @Option(help: ArgumentHelp("Silence kept next to the sound when trimming, seconds. Default: 0.05.", valueName: "seconds"))
    var trimPad: Double?

    @Option(help: ArgumentHelp("Shorten silences inside the clip that are longer than this, seconds. Default: off.", valueName: "seconds"))
    var maxGap: Double?

    @Flag(inversion: .prefixedNo, help: "Trim leading and trailing silence. Default: on.")
    var trim: Bool?

    @Flag(inversion: .prefixedNo, help: "TPDF dither when writing 16-bit PCM. Default: on.")
    var dither: Bool?

    @Option(help: ArgumentHelp("Output sample rate in Hz (1 to 768000). Default: 48000.", valueName: "hz"))
    var sampleRate: Int?

    @Option(help: ArgumentHelp("Resampler quality: libsamplerate's sinc converters, best, medium or fast. Default: best.", valueName: "quality"))
    var quality: ResamplerQuality?

    @Option(help: ArgumentHelp(
        "Output format. Default: the output file's extension; for an output folder, each input's own format when it can hold the result, else flac.",
        valueName: "format"))
    var format: Container?

    @Option(help: ArgumentHelp("Bit depth for lossless formats: 16, 24 or 32 (32-bit float; not FLAC). Default: the input's when the format is the input's own, else 24.", valueName: "bits"))
    var bitDepth: BitDepth?

    @Flag(help: "Replace outputs that exist already (they are skipped otherwise).")
    var overwrite = false

    /// The options given on the command line.
    var choices: MasteringChoices {
        var c = MasteringChoices()
        c.targetLUFS = targetLufs
        c.truePeak = truePeak
        c.maxGain = maxGain
        c.maxLimiting = maxLimiting
        c.minLimitingReturn = minLimitingReturn
        c.leveler = leveler
        c.trim = trim
        c.trimThreshold = trimThreshold
        c.trimPad = trimPad
        c.maxGap = maxGap
        c.dither = dither
        c.sampleRate = sampleRate
        c.quality = quality
        c.format = format
        c.bitDepth = bitDepth?.rawValue
        return c
    }

    func validate() throws {
        if let problem = choices.problem() { throw ValidationError(problem.commandLineDescription) }
        _ = try resolvedPreset()
    }

    /// The preset `--preset` names (default `streaming`).
    /// - Throws: for an unknown name or a bad preset file, the one-line error on stderr and
    ///   exit status 64.
    func resolvedPreset() throws -> ResolvedPreset {
        guard let preset else { return .builtIn(.streaming) }
        do {
            return try PresetCatalog.standard().resolve(preset)
        } catch let error as PresetError {
            Console.standard.error(error.description)
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// The settings these options describe: the preset's, with the command line's over them.
    func settings() throws -> MasterSettings {
        var s = MasterSettings(preset: try resolvedPreset(), commandLine: choices)
        s.overwrite = overwrite
        return s
    }
}

/// `--bit-depth`: the sample formats the lossless encoders write.
enum BitDepth: Int, CaseIterable, ExpressibleByArgument {
    case sixteen = 16, twentyFour = 24, thirtyTwo = 32
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
