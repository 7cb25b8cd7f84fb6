import AudioIO

extension AudioIOError {
    /// The error's line with its remedy worded as the command line's option to change.
    package var commandLineDescription: String {
        describe(remedy: remedy.map { remedy -> String in
            switch remedy {
            case .overwrite: return "pass --overwrite to replace it"
            case .noBitDepth: return "drop --bit-depth, or choose FLAC or WAV"
            case .bitDepth(let allowed): return "use --bit-depth \(allowed.map(String.init).joined(separator: " or "))"
            case .sampleRate(let rate): return "use --sample-rate \(rate), or choose FLAC or WAV"
            }
        })
    }
}
