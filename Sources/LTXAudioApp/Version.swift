import AudioIO

/// The tool's name and version, recorded in every output's `software` tag.
package enum LTXAudioVersion {
    package static let name = "ltx-audio"
    package static let version = "0.1.0"
    /// "ltx-audio 0.1.0".
    package static var software: String { "\(name) \(version)" }

    /// What `--version` prints: the tool's version, then the libsndfile and libsamplerate it
    /// is linked to, as they report themselves (`sf_version_string`, `src_get_version`).
    package static var full: String {
        "\(software)\n\(LinkedLibraries.libsndfile)\n\(LinkedLibraries.libsamplerate)"
    }
}

/// Exit statuses of the `ltx-audio` commands (also listed in the README).
package enum ExitStatus {
    /// Everything asked for was done (skipped existing outputs included).
    package static let success: Int32 = 0
    /// At least one input failed; the others were still processed.
    package static let inputFailed: Int32 = 1
    /// Every input was processed, but at least one output is out of tolerance (loudness more
    /// than 0.1 LU off a reachable target, or a true peak over the ceiling).
    package static let outOfTolerance: Int32 = 2
    /// Usage errors are reported by the argument parser with its own status, 64 (EX_USAGE).
    package static let usage: Int32 = 64
}
