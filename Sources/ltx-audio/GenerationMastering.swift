import AudioIO
import FalClient
import LTXAudioApp

/// Connects `generate`/`resume` to the same mastering call as `master`.
enum GenerationMastering {
    /// A masterer using these options, writing the clip's tags (prompt, seed, request id).
    static func masterer(_ options: MasteringOptions) throws -> ClipMasterer {
        let base = try options.settings()
        return { original, output, tags in
            var settings = base
            let values = tags.values
            settings.tags[.title] = values["title"]
            settings.tags[.comment] = values["comment"]
            settings.tags[.software] = values["software"]
            let report = FileMasteringRun.master(input: original, output: output, settings: settings)
            switch report.status {
            case .mastered:
                return MasterOutcome(
                    output: report.output ?? output, loudnessBefore: report.before?.integratedLUFS,
                    loudnessAfter: report.after?.integratedLUFS)
            case .skipped:
                throw GenerationError(report.error ?? "\(output) exists; not overwritten")
            case .failed:
                throw GenerationError(report.error ?? "could not master \(original)")
            case .planned:
                throw GenerationError("\(original) was only planned, not mastered")
            }
        }
    }

    /// The extension of mastered files when OUT is a folder (or has none): `--format`'s, else wav.
    static func outputExtension(_ options: MasteringOptions) -> String {
        options.format?.fileExtension ?? "wav"
    }
}
