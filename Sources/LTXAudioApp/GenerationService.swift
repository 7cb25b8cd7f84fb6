import FalClient
import Foundation

/// What `ltx-audio generate` was asked to do.
package struct GenerationPlan: Sendable {
    /// The model input of the first clip; clip *i* gets `seed + i` when a seed is given.
    package var input: LTXTextToAudioInput
    /// A file (one clip) or a folder (names from the prompt and the seed).
    package var output: String
    package var count = 1
    /// Concurrency, time limit, output extension, overwrite, submit options, `--no-wait`.
    package var requests = ClipRequestOptions()

    package init(input: LTXTextToAudioInput, output: String) {
        self.input = input
        self.output = output
    }
}

/// A generation problem outside the fal client (output paths, undecodable results).
package struct GenerationError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Where a clip goes.
enum Destination: Sendable {
    /// A given file: `dir/stem.ext` (the original becomes `dir/stem.original.EXT`).
    case file(dir: String, stem: String, ext: String)
    /// A folder: names are `slug-seedN.ext`.
    case folder(dir: String, ext: String)
}

/// Submits, follows, downloads and masters clips; records them in the journal; turns Ctrl-C
/// (task cancellation) and time-outs into a cancel sent to fal.
package final class GenerationService: Sendable {
    package let client: FalQueueClient
    package let journal: Journal
    package let console: Console
    /// nil: `--no-master`, keep only the original.
    package let masterer: ClipMasterer?

    package init(client: FalQueueClient, journal: Journal, console: Console, masterer: ClipMasterer?) {
        self.client = client
        self.journal = journal
        self.console = console
        self.masterer = masterer
    }

    /// Checks the output location before anything is paid for.
    /// - Throws: `GenerationError` when OUT exists as a file (never overwritten) or its folder is missing.
    static func destination(for output: String, count: Int, masterExtension: String, overwrite: Bool = false) throws -> Destination {
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: output, isDirectory: &isDir)
        if output.hasSuffix("/") || (exists && isDir.boolValue) || count > 1 {
            if exists && !isDir.boolValue {
                throw GenerationError("\(output) is a file; with --count above 1, -o must be a folder")
            }
            if !exists {
                do {
                    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                } catch {
                    throw GenerationError("cannot create the folder \(output): \(error.localizedDescription)")
                }
            }
            var dir = output
            while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
            return .folder(dir: dir, ext: masterExtension)
        }
        if exists && !overwrite {
            throw GenerationError("\(output) already exists; choose another name, or pass --overwrite to replace it")
        }
        var (dir, stem, ext) = ClipNaming.split(output)
        var dirIsDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &dirIsDir), dirIsDir.boolValue else {
            throw GenerationError("the folder of \(output) does not exist")
        }
        if ext.isEmpty {
            // OUT without an extension: the file is OUT.<format>, checked like OUT above.
            ext = masterExtension
            if !overwrite && FileManager.default.fileExists(atPath: "\(dir)/\(stem).\(ext)") {
                throw GenerationError("\(dir)/\(stem).\(ext) already exists; choose another name, or pass --overwrite to replace it")
            }
        }
        return .file(dir: dir, stem: stem, ext: ext)
    }

    /// Runs a whole `generate`: `count` clips, at most `concurrency` in flight. Never throws;
    /// each clip's outcome is in its report, in order.
    package func generate(_ plan: GenerationPlan) async -> [ClipReport] {
        let destination: Destination
        do {
            try plan.input.validate()
            destination = try Self.destination(
                for: plan.output, count: plan.count, masterExtension: plan.requests.masterExtension, overwrite: plan.requests.overwriteOutput)
        } catch {
            var r = ClipReport(prompt: plan.input.prompt, status: .failed)
            r.error = "\(error)"
            console.error("\(error)")
            return [r]
        }
        let total = plan.count
        let inputs: [LTXTextToAudioInput] = (0..<total).map { i in
            var input = plan.input
            if let s = input.seed { input.seed = s + i }
            return input
        }
        return await inFlight(
            count: total, limit: plan.requests.concurrency,
            work: { i in
                await self.runClip(
                    index: i, total: total, input: inputs[i], destination: destination, timeout: plan.requests.timeout,
                    options: plan.requests.submitOptions, noWait: plan.requests.noWait)
            },
            notStarted: { i in
                var r = ClipReport(prompt: inputs[i].prompt, status: .interrupted)
                r.error = "not submitted: interrupted"
                return r
            })
    }

    /// Runs `work` for clips `0..<count`, at most `limit` at a time, in order; `finished` sees
    /// each report as it arrives. After Ctrl-C (the task cancelled) no clip is started any more:
    /// those left get `notStarted`'s report, while the ones in flight finish (and cancel on fal).
    /// - Returns: the reports, in clip order.
    func inFlight(
        count: Int, limit: Int, work: @escaping @Sendable (Int) async -> ClipReport,
        notStarted: (Int) -> ClipReport, finished: (Int, ClipReport) -> Void = { _, _ in }
    ) async -> [ClipReport] {
        await withTaskGroup(of: (Int, ClipReport).self) { group in
            var reports = [ClipReport?](repeating: nil, count: count)
            var next = 0
            func launch() {
                let i = next
                next += 1
                group.addTask { (i, await work(i)) }
            }
            while next < min(max(limit, 1), count) { launch() }
            while let (i, report) = await group.next() {
                reports[i] = report
                finished(i, report)
                if next < count {
                    if Task.isCancelled {
                        while next < count {
                            reports[next] = notStarted(next)
                            next += 1
                        }
                        continue
                    }
                    launch()
                }
            }
            return reports.enumerated().map { i, r in r ?? notStarted(i) }
        }
    }

    func events(_ tag: String) -> FalEventHandler {
        let console = self.console
        return { event in
            switch event {
            case .submitted: break
            case .queued(let p): console.note("\(tag)in queue" + (p.map { ", position \($0)" } ?? ""))
            case .started: console.note("\(tag)running")
            case .log(let l): console.note("\(tag)model: \(l)")
            case .unknownStatus(let s): console.note("\(tag)queue says '\(s)'; still waiting")
            case .completed: console.note("\(tag)completed")
            case .retrying(let op, let attempt, let delay, let reason):
                let ms = Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
                console.note("\(tag)\(op): \(reason); retry \(attempt) in \(ms) ms")
            case .downloading: break
            case .streamFallback(let reason): console.note("\(tag)\(reason); polling instead")
            }
        }
    }

    func runClip(
        index: Int, total: Int, input: LTXTextToAudioInput, destination: Destination, timeout: Duration?,
        options: FalSubmitOptions = FalSubmitOptions(), noWait: Bool = false, batchKey: String? = nil, name: String? = nil
    ) async -> ClipReport {
        let tag = total > 1 ? "[\(index + 1)/\(total)] " : ""
        var report = ClipReport(prompt: input.prompt, status: .failed)
        report.seed = input.seed
        report.name = name
        if Task.isCancelled {
            report.status = .interrupted
            report.error = "not submitted: interrupted"
            return report
        }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let handle: FalRequestHandle
        do {
            handle = try await client.submit(input.endpoint, input: input, options: options, deadline: deadline, events: events(tag))
        } catch {
            return await failed(report, error, tag: tag, handle: nil)
        }
        report.requestID = handle.requestID
        console.note("\(tag)submitted request \(handle.requestID) (if interrupted: ltx-audio resume \(handle.requestID))")
        let intended: String
        switch destination {
        case .file(let dir, let stem, let ext): intended = "\(dir)/\(stem).\(ext)"
        case .folder(let dir, _): intended = dir + "/"
        }
        note {
            var entry = JournalEntry(
                requestID: handle.requestID, endpoint: handle.endpointID, input: input, queueURL: client.configuration.queueURL,
                output: intended)
            entry.webhook = options.webhookURL
            entry.batchKey = batchKey
            try journal.record(entry)
        }
        if noWait {
            report.status = .submitted
            console.note("\(tag)not waiting (--no-wait): fetch and master it later with: ltx-audio resume \(handle.requestID)")
            return report
        }
        return await finish(handle: handle, input: input, destination: destination, deadline: deadline, tag: tag, report: report)
    }

    /// Waits, fetches, downloads and masters a submitted request.
    func finish(
        handle: FalRequestHandle, input: LTXTextToAudioInput?, destination: Destination, deadline: ContinuousClock.Instant?,
        tag: String, report initial: ClipReport, skipWait: Bool = false
    ) async -> ClipReport {
        var report = initial
        report.requestID = handle.requestID
        let id = handle.requestID
        do {
            try await client.waitForCompletion(handle, deadline: deadline, events: events(tag))
            let output: LTXTextToAudioOutput = try await client.result(handle, deadline: deadline, events: events(tag))
            let seed = output.seed ?? input?.seed
            report.seed = seed
            let prompt = input?.prompt ?? output.prompt ?? ""
            if report.prompt.isEmpty { report.prompt = prompt }
            note { try journal.update(id) { $0.status = .completed; $0.seed = seed } }

            let (dir, stem, ext): (String, String, String)
            switch destination {
            case .file(let d, let s, let e): (dir, stem, ext) = (d, s, e)
            case .folder(let d, let e):
                let base = ClipNaming.slug(prompt) + (seed.map { "-seed\($0)" } ?? "-\(id.prefix(8))")
                (dir, stem, ext) = (d, ClipNaming.freeStem(base, ext: e, in: d), e)
            }
            console.note("\(tag)downloading the result")
            let destinationFile = try DownloadFile(
                directory: dir, naming: { ClipNaming.originalName(stem: stem, in: dir, container: $0) })
            let file = try await client.download(output.audio, to: destinationFile, events: events(tag))
            report.original = file.path
            note { try journal.update(id) { $0.status = .downloaded; $0.original = file.path; $0.output = "\(dir)/\(stem).\(ext)" } }
            console.note("\(tag)saved the original as \(file.path) (\(file.byteCount) bytes, \(file.container.rawValue))")
            guard file.container != .unknown else {
                throw GenerationError(
                    "fal returned \(file.contentDescription), not a known audio format; kept it as \(file.path)")
            }
            guard let masterer else {
                report.output = file.path
                report.status = .downloaded
                return report
            }
            let target = "\(dir)/\(stem).\(ext)"
            console.note("\(tag)mastering into \(target)")
            let tags = ClipTags(prompt: prompt, seed: seed, requestID: id)
            let mastered: MasterOutcome
            do {
                mastered = try await masterer(file.path, target, tags)
            } catch {
                throw GenerationError("mastering failed: \(error); the original is kept at \(file.path)")
            }
            recordMastered(mastered, in: &report, requestID: id, tag: tag)
            return report
        } catch {
            return await failed(report, error, tag: tag, handle: handle)
        }
    }

    /// Turns an error into a report; sends a cancel for interrupts and time-outs while the
    /// request may still be queued or running.
    func failed(_ initial: ClipReport, _ error: any Error, tag: String, handle: FalRequestHandle?) async -> ClipReport {
        var report = initial
        let fe = error as? FalError
        let interrupted = fe?.code == .cancelled || error is CancellationError
        let timedOut = fe?.code == .deadline
        report.status = interrupted ? .interrupted : timedOut ? .timedOut : .failed
        report.error = interrupted ? "interrupted" : timedOut ? "timed out waiting for fal" : "\(error)"
        if interrupted || timedOut, let handle, report.original == nil {
            let (line, accepted) = await cancelRemote(handle)
            console.error("\(tag)\(interrupted ? "interrupted" : "time limit reached"): \(line)")
            report.error! += "; " + line
            let msg = report.error!
            note { try journal.update(handle.requestID) { $0.status = accepted ? .cancelled : $0.status; $0.message = msg } }
        } else {
            if let handle, report.original == nil, Self.mayStillBeFetched(fe) {
                report.error! += "; the request itself may be fine: finish it later with: ltx-audio resume \(handle.requestID)"
            }
            console.error("\(tag)\(report.error!)")
            if let handle {
                let msg = report.error!
                let status = report.status
                let ended = fe?.code == .jobFailed || fe?.code == .startTimeout
                note {
                    try journal.update(handle.requestID) {
                        if status == .failed && $0.original == nil { $0.status = .failed }
                        if ended { $0.endedOnFal = true }
                        $0.message = msg
                    }
                }
            }
        }
        return report
    }

    /// Whether a failure left the fal request itself intact, so `resume` can still fetch it:
    /// the client gave up on answers it could not read or reach, not on the request.
    static func mayStillBeFetched(_ error: FalError?) -> Bool {
        guard let error else { return false }
        return [.badResponse, .transport, .timeout, .rateLimited, .httpStatus, .downloadIncomplete, .unknownStatus, .fileSystem]
            .contains(error.code)
    }

    /// Sends a cancel outside the (cancelled) current task and says what came of it.
    func cancelRemote(_ handle: FalRequestHandle) async -> (String, Bool) {
        let client = self.client
        // A detached task is not cancelled with the current one, so the cancel can still go out.
        let outcome = await Task.detached { try await client.cancel(handle) }.result
        let id = handle.requestID
        switch Optional(outcome) {
        case .success(.accepted(let s))?:
            return ("cancel sent for request \(id): accepted (\(s)); nothing was written", true)
        case .success(.alreadyCompleted)?:
            return ("cancel sent for request \(id): too late, it already completed; fetch it with: ltx-audio resume \(id)", false)
        case .success(.notFound)?:
            return ("cancel sent for request \(id): the queue does not know it", false)
        case .failure(let e)?:
            return ("the cancel for request \(id) failed (\(e)); it may still run: check with ltx-audio resume \(id)", false)
        case nil:
            return ("the cancel for request \(id) did not finish", false)
        }
    }

    /// Journal writes must not stop a paid generation: a failure is reported and ignored.
    /// A finished mastering: into the report, the journal and the console log.
    func recordMastered(_ mastered: MasterOutcome, in report: inout ClipReport, requestID: String, tag: String = "") {
        report.output = mastered.output
        report.loudnessBefore = mastered.loudnessBefore
        report.loudnessAfter = mastered.loudnessAfter
        report.status = .mastered
        note { try journal.update(requestID) { $0.status = .mastered; $0.output = mastered.output; $0.message = nil } }
        console.note("\(tag)done: \(mastered.output)")
    }

    func note(_ body: () throws -> Void) {
        do { try body() } catch { console.warning("journal not updated: \(error)") }
    }
}
