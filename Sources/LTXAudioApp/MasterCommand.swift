import AudioIO
import Foundation

/// The `master` command without the argument parsing: discover, plan, run, report.
package struct MasterCommand {
    package var inputs: [String]
    package var output: String
    package var settings: MasterSettings
    package var jobs: Int
    package var json: Bool
    /// Where the report, the errors and the progress go.
    package var console: Console

    package init(inputs: [String], output: String, settings: MasterSettings, jobs: Int, json: Bool, console: Console = .standard) {
        self.console = console
        self.inputs = inputs
        self.output = output
        self.settings = settings
        self.jobs = jobs
        self.json = json
    }

    /// Whether `output` names one file (one input file and an output with an extension that is
    /// not an existing folder) or a folder.
    /// - Throws: a message when several inputs are given with an output that looks like a file.
    package static func outputIsFile(inputs: [String], output: String) throws -> Bool {
        var isDir: ObjCBool = false
        if output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isDir) && isDir.boolValue) {
            return false
        }
        let ext = (output as NSString).pathExtension
        let singleFile = inputs.count == 1
            && !(FileManager.default.fileExists(atPath: inputs[0], isDirectory: &isDir) && isDir.boolValue)
        if singleFile { return !ext.isEmpty }
        if Container(fileExtension: ext) != nil {
            throw UsageError("-o \(output) names a file, but \(inputs.count == 1 ? "a folder input" : "several inputs") need an output folder; give a folder such as \((output as NSString).deletingPathExtension)/")
        }
        return false
    }

    /// Runs the batch and prints results: a line per file and a summary (or one JSON document)
    /// on stdout, each failure on stderr.
    /// - Returns: the exit status (`ExitStatus`).
    package func run() throws -> Int32 {
        let started = Date()
        let isFile = try MasterCommand.outputIsFile(inputs: inputs, output: output)
        let discovery = InputDiscovery(excluding: isFile ? nil : output)
        if let excluded = discovery.excludedFolder {
            // The output folder is skipped while walking (so outputs are never picked up);
            // if it is an input folder itself, nothing would be found: say so instead.
            for input in inputs {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: input, isDirectory: &isDir), isDir.boolValue,
                   InputDiscovery.absolute(input) == excluded {
                    throw UsageError("-o \(output) is the input folder \(input); outputs would mix with (or replace) the inputs; choose another output folder, such as \(input.hasSuffix("/") ? String(input.dropLast()) : input)-mastered/")
                }
            }
        }
        let (files, problems) = discovery.discover(inputs)
        if files.isEmpty && problems.isEmpty {
            console.error("no audio files found in \(inputs.joined(separator: ", "))")
        }
        var tuned = self.settings
        tuned.parallelChannels = files.count < 2 || self.jobs < 2
        let settings = tuned
        let jobs = OutputPlanner.plan(files, output: output, outputIsFile: isFile, settings: settings)
        if !settings.dryRun { OutputPlanner.removeStaleTemporaryFiles(for: jobs, console: console) }
        // Inputs that could not even be listed or named come first, as failures like any other,
        // so `--json` describes them too.
        let problemReports = problems.map { p -> MasterFileReport in
            var r = MasterFileReport(path: p.path, output: nil, status: .failed)
            r.error = "\(p.path): \(p.message)"
            return r
        }
        let reports = problemReports + BatchRunner(jobs: jobs.isEmpty ? 1 : self.jobs, console: console).run(
            jobs, label: { $0.input.relativePath }, work: { FileMasteringRun.run($0, settings: settings) })

        for r in reports where r.status == .failed { console.error(r.error ?? "\(r.path): failed") }
        for r in reports {
            for w in r.warnings { console.note("warning: \(r.path): \(w)") }
        }
        let outOfTolerance = reports.filter { $0.withinTolerance == false }.count
        let mastered = reports.filter { $0.status == .mastered }.count
        let skipped = reports.filter { $0.status == .skipped }.count
        let failed = reports.filter { $0.status == .failed }.count
        let elapsed = Date().timeIntervalSince(started)
        if json {
            let doc = MasterDocument(files: reports, summary: .init(
                mastered: mastered, skipped: skipped, failed: failed,
                planned: reports.filter { $0.status == .planned }.count, outOfTolerance: outOfTolerance,
                elapsedSeconds: (elapsed * 1000).rounded() / 1000))
            console.json(doc)
        } else {
            for r in reports where r.status != .failed { console.line(MasterCommand.describe(r)) }
            let table = MasterCommand.table(reports)
            if !table.isEmpty {
                console.line("")
                for row in table.split(separator: "\n") { console.line(String(row)) }
                console.line("(I: integrated LUFS, TP: true peak dBTP, LRA: loudness range LU; gain, and the limiter's and leveler's largest/average reduction, in dB; ok* = written at the loudness reached, the target unreachable or not worth the limiting)")
            }
            let destination = isFile ? output : (output.hasSuffix("/") ? output : output + "/")
            if settings.dryRun {
                console.line("dry run: \(reports.filter { $0.status == .planned }.count) planned, \(skipped) skipped, \(failed) failed; nothing written")
            } else {
                console.line("\(mastered) mastered, \(skipped) skipped, \(failed) failed\(outOfTolerance > 0 ? ", \(outOfTolerance) out of tolerance" : "") in \(String(format: "%.2f", elapsed)) s; outputs in \(destination)")
            }
        }
        if failed > 0 || (files.isEmpty && problems.isEmpty) { return ExitStatus.inputFailed }
        return outOfTolerance > 0 ? ExitStatus.outOfTolerance : ExitStatus.success
    }

    package static func describe(_ r: MasterFileReport) -> String {
        switch r.status {
        case .mastered, .planned:
            var details: [String] = []
            if let a = r.inputSampleRate, let b = r.outputSampleRate { details.append(a == b ? "\(b) Hz" : "\(a) -> \(b) Hz") }
            if let f = r.outputFormat { details.append(f) }
            if let a = r.inputDurationSeconds, let b = r.outputDurationSeconds {
                details.append(String(format: "%.2f -> %.2f s", a, b))
            }
            let verb = r.status == .planned ? "would master" : "mastered"
            var line = "\(verb) \(r.path) -> \(r.output ?? "?") (\(details.joined(separator: ", ")))"
            if let note = r.note { line += "; " + note }
            return line
        case .skipped:
            return "skipped  \(r.path): \(r.note ?? "")"
        case .failed:
            return "failed   \(r.error ?? r.path)"  // printed on stderr by `run`
        }
    }

    /// The summary table: one row per mastered (or planned) file.
    package static func table(_ reports: [MasterFileReport]) -> String {
        func v(_ x: Double?, _ format: String = "%.1f") -> String { x.map { String(format: format, $0) } ?? "-" }
        func pair(_ a: Double?, _ b: Double?) -> String {
            guard let a else { return "-" }
            return b.map { String(format: "%.1f/%.1f", a, $0) } ?? String(format: "%.1f", a)
        }
        var rows: [[String]] = [["file", "I in", "I out", "TP out", "LRA in->out", "gain", "limit", "level", "length", "check"]]
        for r in reports where r.status == .mastered || r.status == .planned {
            let name = (r.path as NSString).lastPathComponent
            let length = String(format: "%.2f->%.2fs", r.inputDurationSeconds ?? 0, r.outputDurationSeconds ?? 0)
            let check: String
            switch r.withinTolerance {
            case .some(true): check = r.targetReached == false ? "ok*" : "ok"
            case .some(false): check = "OUT"
            case .none: check = r.status == .planned ? "dry" : "-"
            }
            let range = r.after == nil ? v(r.before?.loudnessRangeLU) : "\(v(r.before?.loudnessRangeLU))->\(v(r.after?.loudnessRangeLU))"
            rows.append([name, v(r.before?.integratedLUFS), v(r.after?.integratedLUFS), v(r.after?.truePeakDBTP), range,
                         v(r.gainDB, "%+.1f"), pair(r.limiterReductionDB, r.limiterAverageReductionDB),
                         pair(r.levelerReductionDB, r.levelerAverageReductionDB), length, check])
        }
        guard rows.count > 1 else { return "" }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
