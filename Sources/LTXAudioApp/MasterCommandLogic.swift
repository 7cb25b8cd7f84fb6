import AudioIO
import Foundation

/// The `master` command without the argument parsing: discover, plan, run, report.
public struct MasterRun {
    public var inputs: [String]
    public var output: String
    public var settings: MasterSettings
    public var jobs: Int
    public var json: Bool

    public init(inputs: [String], output: String, settings: MasterSettings, jobs: Int, json: Bool) {
        self.inputs = inputs
        self.output = output
        self.settings = settings
        self.jobs = jobs
        self.json = json
    }

    /// Whether `output` names one file (one input file and an output with an extension that is
    /// not an existing folder) or a folder.
    /// - Throws: a message when several inputs are given with an output that looks like a file.
    public static func outputIsFile(inputs: [String], output: String) throws -> Bool {
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
    public func run() throws -> Int32 {
        let started = Date()
        let isFile = try MasterRun.outputIsFile(inputs: inputs, output: output)
        let discovery = InputDiscovery(excluding: isFile ? nil : output)
        let (files, problems) = discovery.discover(inputs)
        for p in problems { Output.error("\(p.path): \(p.message)") }
        if files.isEmpty && problems.isEmpty {
            Output.error("no audio files found in \(inputs.joined(separator: ", "))")
        }
        let jobs = MasterService.plan(files, output: output, outputIsFile: isFile, settings: settings)
        let settings = self.settings
        let reports = BatchRunner(jobs: jobs.isEmpty ? 1 : self.jobs).run(
            jobs, label: { $0.input.relativePath }, work: { MasterService.run($0, settings: settings) })

        for r in reports where r.status == .failed { Output.error(r.error ?? "\(r.path): failed") }
        let mastered = reports.filter { $0.status == .mastered }.count
        let skipped = reports.filter { $0.status == .skipped }.count
        let failed = reports.filter { $0.status == .failed }.count + problems.count
        let elapsed = Date().timeIntervalSince(started)
        if json {
            let doc = MasterDocument(files: reports, summary: .init(mastered: mastered, skipped: skipped, failed: failed,
                                                                    elapsedSeconds: (elapsed * 1000).rounded() / 1000))
            Output.json(doc)
        } else {
            for r in reports where r.status != .failed { Output.line(MasterRun.describe(r)) }
            let destination = isFile ? output : (output.hasSuffix("/") ? output : output + "/")
            Output.line("\(mastered) mastered, \(skipped) skipped, \(failed) failed in \(String(format: "%.2f", elapsed)) s; outputs in \(destination)")
        }
        return failed > 0 || (files.isEmpty && problems.isEmpty) ? ExitStatus.inputFailed : ExitStatus.success
    }

    static func describe(_ r: MasterFileReport) -> String {
        switch r.status {
        case .mastered:
            var details: [String] = []
            if let a = r.inputSampleRate, let b = r.outputSampleRate { details.append(a == b ? "\(b) Hz" : "\(a) -> \(b) Hz") }
            if let f = r.outputFormat { details.append(f) }
            if let d = r.outputDurationSeconds { details.append(String(format: "%.2f s", d)) }
            return "mastered \(r.path) -> \(r.output ?? "?") (\(details.joined(separator: ", ")))"
        case .skipped:
            return "skipped  \(r.path): \(r.note ?? "")"
        case .failed:
            return "failed   \(r.error ?? r.path)"  // printed on stderr by `run`
        }
    }
}

/// The `--json` document of `master`.
public struct MasterDocument: Codable, Sendable {
    public struct Summary: Codable, Sendable {
        public var mastered: Int
        public var skipped: Int
        public var failed: Int
        public var elapsedSeconds: Double
        enum CodingKeys: String, CodingKey {
            case mastered, skipped, failed
            case elapsedSeconds = "elapsed_s"
        }
    }
    public var version = LTXAudioVersion.software
    public var files: [MasterFileReport]
    public var summary: Summary
}

/// A command-line usage problem found after parsing (printed, exit status 64).
public struct UsageError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Writing to stdout and stderr, sanitised for terminals.
public enum Output {
    private static let lock = NSLock()

    /// A line on stdout.
    public static func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardOutput.write(Data((Terminal.sanitize(text) + "\n").utf8))
    }

    /// "error: ..." on stderr.
    public static func error(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data(("error: " + Terminal.sanitize(text) + "\n").utf8))
    }

    /// "warning: ..." or a note on stderr.
    public static func note(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data((Terminal.sanitize(text) + "\n").utf8))
    }

    /// A value as pretty, key-sorted JSON on stdout.
    public static func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
