import FalClient
import Foundation

extension GenerationService {
    /// Finishes a request submitted earlier: waits for it, downloads and masters it.
    ///
    /// - Parameters:
    ///   - entry: its journal entry, if recorded (gives the endpoint, input and output).
    ///   - output: `-o OUT`, overriding the journal's output.
    /// An original already downloaded by the interrupted run is mastered without fetching again.
    package func resume(
        requestID: String, entry: JournalEntry?, output: String?, timeout: Duration?, masterExtension: String = "wav",
        overwrite: Bool = false
    ) async -> ClipReport {
        var report = ClipReport(prompt: entry?.input.prompt ?? "", status: .failed)
        report.requestID = requestID
        report.seed = entry?.seed ?? entry?.input.seed
        guard let target = output ?? entry?.output else {
            report.error = "request \(requestID) is not in the journal (\(journal.path)); give -o OUT to say where it goes"
            console.error("\(report.error!)")
            return report
        }
        if output == nil, let entry, entry.status == .mastered {
            report.output = entry.output
            report.original = entry.original
            report.status = .mastered
            console.note("request \(requestID) was already mastered into \(entry.output)")
            return report
        }
        let endpoint = (try? FalEndpoint(entry?.endpoint ?? "")) ?? .ltxTextToAudio
        let handle: FalRequestHandle
        let destination: Destination
        do {
            handle = try client.handle(for: requestID, endpoint: endpoint)
            destination = try Self.destination(for: target, count: 1, masterExtension: masterExtension, overwrite: overwrite)
        } catch {
            report.error = "\(error)"
            console.error("\(error)")
            return report
        }
        if entry == nil {
            note {
                try journal.record(JournalEntry(
                    requestID: requestID, endpoint: endpoint.id, input: LTXTextToAudioInput(prompt: ""),
                    queueURL: client.configuration.queueURL, output: target))
            }
        }
        if let entry, let original = entry.original, FileManager.default.fileExists(atPath: original), let masterer,
            case .file(let dir, let stem, let ext) = destination
        {
            report.original = original
            let out = "\(dir)/\(stem).\(ext)"
            console.note("mastering the downloaded original \(original) into \(out)")
            do {
                let m = try await masterer(original, out, ClipTags(prompt: entry.input.prompt, seed: report.seed, requestID: requestID))
                recordMastered(m, in: &report, requestID: requestID)
            } catch {
                report.error = "mastering failed: \(error); the original is kept at \(original)"
                console.error("\(report.error!)")
            }
            return report
        }
        console.note("resuming request \(requestID)")
        let deadline = timeout.map { ContinuousClock.now + $0 }
        return await finish(handle: handle, input: entry?.input, destination: destination, deadline: deadline, tag: "", report: report)
    }
}

/// The `requests` listing.
package enum RequestsListing {
    /// One line per entry, newest first: time, status, request id, seed, output, prompt.
    package static func lines(_ entries: [JournalEntry], limit: Int) -> [String] {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return entries.suffix(max(limit, 0)).reversed().map { e in
            let prompt = e.input.prompt.count > 50 ? String(e.input.prompt.prefix(49)) + "…" : e.input.prompt
            let seed = (e.seed ?? e.input.seed).map { "seed \($0)" } ?? "seed ?"
            let status = e.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
            return FalText.sanitize("\(f.string(from: e.submittedAt))  \(status) \(e.requestID)  \(seed)  \(e.output)  \"\(prompt)\"", limit: 400)
        }
    }
}
