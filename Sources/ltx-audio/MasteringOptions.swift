import ArgumentParser
import AudioIO
import LTXAudioApp

/// Mastering options shared by `master` and `generate`.
struct MasteringOptions: ParsableArguments {
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
        return s
    }
}
