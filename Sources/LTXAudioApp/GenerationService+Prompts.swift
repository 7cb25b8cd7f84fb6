import FalClient
import Foundation

extension GenerationService {
    /// Runs a prompt-file batch, resuming an earlier run of the same command.
    ///
    /// Each line's request is recorded in the journal under a key made of the folder, the
    /// line's output stem and its input, so that a re-run finds it: clips already done (their
    /// output exists and the manifest or the journal says so) are skipped, clips submitted but
    /// not fetched are fetched through their journal entries (never submitted again, unless
    /// their cancel was accepted or fal ended them without a result), the rest are submitted,
    /// at most `concurrency` in flight.
    /// Each finished clip gets its line in `FOLDER/manifest.jsonl`. Never throws.
    /// - Returns: one report per line, in file order.
    package func generate(batch plan: PromptBatchPlan) async -> [ClipReport] {
        var folder = plan.folder
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), !isDir.boolValue {
            return failAll(plan, "\(folder) is a file; with --prompts, -o must be a folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            return failAll(plan, "cannot create the folder \(folder): \(error.localizedDescription)")
        }
        let absolute = URL(fileURLWithPath: folder).standardizedFileURL.path
        let manifest = BatchManifest(folder: folder)
        let recorded = Dictionary(manifest.reports().compactMap { r in r.name.map { ($0, r) } }, uniquingKeysWith: { _, last in last })
        let journalEntries: [String: JournalEntry]
        do {
            journalEntries = Dictionary(
                try journal.entries().compactMap { e in e.batchKey.map { ($0, e) } }, uniquingKeysWith: { _, last in last })
        } catch {
            return failAll(plan, "\(error)")
        }

        enum Step { case skip(ClipReport), resume(JournalEntry), submit }
        var steps: [Step] = []
        let total = plan.lines.count
        let keys = plan.lines.map { Self.batchKey(folder: absolute, line: $0) }
        // Decide every line before anything is sent: an output that exists without a record
        // of this batch is refused (unless --overwrite), for the whole batch.
        for (i, line) in plan.lines.enumerated() {
            let entry = journalEntries[keys[i]]
            let existing = existingOutput(stem: line.stem, in: folder, ext: plan.requests.masterExtension)
            if let existing {
                let done = recorded[line.stem].map { $0.status == .mastered || $0.status == .downloaded } ?? false
                if done || entry != nil {
                    var r = recorded[line.stem] ?? ClipReport(prompt: line.input.prompt, status: masterer == nil ? .downloaded : .mastered)
                    r.name = line.stem
                    r.requestID = r.requestID ?? entry?.requestID
                    r.seed = r.seed ?? entry?.seed ?? line.input.seed
                    r.output = r.output ?? existing
                    r.original = r.original ?? entry?.original
                    r.status = masterer == nil ? .downloaded : .mastered
                    r.error = nil
                    steps.append(.skip(r))
                    continue
                }
                if !plan.requests.overwriteOutput {
                    return failAll(
                        plan,
                        "line \(line.lineNumber): \(existing) already exists and is not from this batch; nothing was sent (move it, or pass --overwrite)")
                }
            }
            if let entry, entry.status != .cancelled, entry.endedOnFal != true {
                steps.append(.resume(entry))
            } else {
                steps.append(.submit)
            }
        }

        let ext = plan.requests.masterExtension
        let decided = steps
        let dir = folder
        let work: @Sendable (Int) async -> ClipReport = { i in
            let line = plan.lines[i]
            let tag = "[\(i + 1)/\(total)] "
            switch decided[i] {
            case .skip(let r):
                self.console.note("\(tag)already done: \(r.output ?? line.stem)")
                return r
            case .resume(let entry):
                if plan.requests.noWait {
                    var r = ClipReport(prompt: line.input.prompt, status: .submitted)
                    r.name = line.stem
                    r.requestID = entry.requestID
                    r.seed = entry.seed ?? line.input.seed
                    self.console.note("\(tag)submitted earlier as request \(entry.requestID); not waiting (--no-wait)")
                    return r
                }
                self.console.note("\(tag)submitted earlier as request \(entry.requestID): fetching it")
                var r = await self.resume(
                    requestID: entry.requestID, entry: entry, output: "\(dir)/\(line.stem).\(ext)", timeout: plan.requests.timeout,
                    masterExtension: ext, overwrite: plan.requests.overwriteOutput)
                r.name = line.stem
                if r.prompt.isEmpty { r.prompt = line.input.prompt }
                return r
            case .submit:
                return await self.runClip(
                    index: i, total: total, input: line.input, destination: .file(dir: dir, stem: line.stem, ext: ext),
                    timeout: plan.requests.timeout, options: plan.requests.submitOptions, noWait: plan.requests.noWait, batchKey: keys[i], name: line.stem)
            }
        }

        return await inFlight(
            count: total, limit: plan.requests.concurrency, work: work,
            notStarted: { i in
                var r = ClipReport(prompt: plan.lines[i].input.prompt, status: .interrupted)
                r.name = plan.lines[i].stem
                r.error = "not submitted: interrupted"
                return r
            },
            finished: { i, report in
                let isNew: Bool
                if case .skip = steps[i] { isNew = recorded[plan.lines[i].stem] == nil } else { isNew = true }
                if isNew && report.status != .interrupted && report.status != .submitted {
                    do { try manifest.append(report) } catch { console.warning("\(error)") }
                }
            })
    }

    /// The output of `stem` if one exists: `stem.ext` when mastering, else `stem.original.*`.
    func existingOutput(stem: String, in folder: String, ext: String) -> String? {
        if masterer != nil {
            let path = "\(folder)/\(stem).\(ext)"
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.sorted().first { $0.hasPrefix(stem + ".original.") }.map { "\(folder)/\($0)" }
    }

    func failAll(_ plan: PromptBatchPlan, _ message: String) -> [ClipReport] {
        console.error("\(message)")
        var r = ClipReport(prompt: "", status: .failed)
        r.error = message
        return [r]
    }

    /// The journal key of a prompt-file line: a 64-bit FNV-1a digest (hex) of the absolute
    /// folder, the output stem and the input as canonical JSON.
    static func batchKey(folder: String, line: PromptLine) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let input = (try? encoder.encode(line.input)).map { String(decoding: $0, as: UTF8.self) } ?? line.input.prompt
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(folder)\n\(line.stem)\n\(input)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return "prompts-" + String(hash, radix: 16)
    }
}
