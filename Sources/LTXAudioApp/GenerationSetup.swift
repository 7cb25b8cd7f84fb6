import FalClient
import Foundation

/// What `generate` and `resume` share: the fal client made from the environment and the
/// options, the masterer (the same call `master` makes per file), the service, the run under
/// the Ctrl-C handling, and the printing of the reports with the exit status they make.
package struct GenerationSetup: Sendable {
    /// The queue base URL given (`--queue-url`), else `$FAL_QUEUE_URL`, else fal's.
    package var queueURL: String?
    /// The download cap in bytes.
    package var maxDownloadBytes: Int = 1 << 30
    /// Follow the status stream (false: poll).
    package var statusStream = true
    /// The mastering settings; nil keeps only the downloaded original (`--no-master`).
    package var mastering: MasterSettings?
    package var journal: Journal
    package var console: Console = .standard
    package var environment: [String: String] = ProcessInfo.processInfo.environment

    package init(journal: Journal, mastering: MasterSettings?) {
        self.journal = journal
        self.mastering = mastering
    }

    /// Makes the client and the service and runs `body` with them (Ctrl-C cancels it, which
    /// sends a cancel to fal), then shuts the client down.
    /// - Returns: nil when the client cannot be made (no key, a bad queue URL): the error has
    ///   been printed.
    package func run<T: Sendable>(_ body: @escaping @Sendable (GenerationService) async -> T) async -> T? {
        let client: FalQueueClient
        do {
            let credentials = try FalCredentials.fromEnvironment(environment)
            var configuration = try FalConfiguration(queueURL: queueURL, environment: environment)
            configuration.maxDownloadBytes = maxDownloadBytes
            configuration.statusStream = statusStream
            client = FalQueueClient(credentials: credentials, configuration: configuration)
        } catch {
            console.error("\(error)")
            return nil
        }
        let service = GenerationService(client: client, journal: journal, console: console,
                                        masterer: mastering.map { Self.masterer($0, console: console) })
        let result = await Interrupts.run(console: console) { await body(service) }
        await client.shutdown()
        return result
    }

    /// A masterer with these settings that writes the clip's tags (prompt, seed, request id):
    /// the same call `master` makes for one file.
    package static func masterer(_ base: MasterSettings, console: Console) -> ClipMasterer {
        { original, output, tags in
            var settings = base
            let values = tags.values
            settings.tags[.title] = values["title"]
            settings.tags[.comment] = values["comment"]
            settings.tags[.software] = values["software"]
            let report = FileMasteringRun.master(input: original, output: output, settings: settings, console: console)
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

    /// The extension of mastered files when OUT is a folder (or has none): the settings'
    /// container's, else wav.
    package static func outputExtension(_ settings: MasterSettings?) -> String {
        settings?.container?.fileExtension ?? "wav"
    }

    /// One line per clip on standard output (`--json`: one JSON object per clip).
    package func print(_ reports: [ClipReport], json: Bool) {
        for r in reports {
            if json {
                console.document(r.jsonLine)
            } else if r.status == .submitted, let id = r.requestID {
                console.line("\(id)  submitted; fetch and master it with: ltx-audio resume \(id)")
            } else if r.status == .mastered || r.status == .downloaded, let out = r.output {
                var line = out
                if let o = r.original, o != out { line += "  (original: \(o))" }
                if let id = r.requestID { line += "  request \(id)" }
                if let s = r.seed { line += "  seed \(s)" }
                if let b = r.loudnessBefore, let a = r.loudnessAfter {
                    line += "  " + String(format: "%.1f → %.1f LUFS", b, a)
                }
                console.line(line)
            }
        }
    }

    /// nil when every clip succeeded; 130 after Ctrl-C, 124 after a time-out, else 1.
    package static func exitCode(_ reports: [ClipReport]) -> Int32? {
        if reports.contains(where: { $0.status == .interrupted }) || Interrupts.happened { return 130 }
        if reports.contains(where: { $0.status == .timedOut }) { return 124 }
        if reports.contains(where: { $0.status == .failed || $0.status == .cancelled }) { return 1 }
        return nil
    }
}
