import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// The bad-input matrix of issue 6: `Tests/BadInputs/make-bad-inputs.py` writes broken, extreme
/// and oddly named files into a temporary folder; the built binary runs on them, and for every
/// case the test checks the outcome (mastered, or refused with a one-line message naming the
/// file and the reason), that nothing crashed or hung, that no partial or temporary file is left
/// and that the inputs are untouched.
///
/// The cases are batched: one run of a command per group folder, each file's own outcome read
/// from `--json`. A command is one `MatrixCommand` line in `commands`; expected outcomes are
/// shared, with per-command exceptions in `exceptions`.
@Suite struct BadInputMatrixTests {
    // MARK: - Expected outcomes

    /// What a command should do with one case.
    enum Outcome: Sendable, CustomStringConvertible {
        /// Processed (mastered, measured); the output, if any, decodes fully with finite samples.
        case accepted
        /// Refused: the message names the file and contains each of these words.
        case refused([String])
        var description: String {
            switch self {
            case .accepted: return "accepted"
            case .refused(let words): return "refused \(words)"
            }
        }
    }

    /// Every case the script writes, by path below the generated folder.
    static let expected: [String: Outcome] = {
        var e: [String: Outcome] = [:]
        // The 8 kHz mono 16-bit reference WAV (44-byte header, 16000 data bytes) cut short.
        e["matrix/header/cut-00000.wav"] = .refused(["empty file"])
        for n in 1...11 { e[String(format: "matrix/header/cut-%05d.wav", n)] = .refused(["not an audio file"]) }
        for n in 12...40 { e[String(format: "matrix/header/cut-%05d.wav", n)] = .refused(["cannot decode"]) }
        for n in 41...43 { e[String(format: "matrix/header/cut-%05d.wav", n)] = .refused(["no audio frames"]) }
        e["matrix/header/cut-00044.wav"] = .refused(["truncated", "promises 8000 frames", "ends at frame 0"])
        e["matrix/header/cut-00046.wav"] = .refused(["truncated", "promises 8000 frames", "ends at frame 1 "])
        e["matrix/header/cut-00100.wav"] = .refused(["truncated", "promises 8000 frames", "ends at frame 28 "])
        e["matrix/header/cut-08044.wav"] = .refused(["truncated", "promises 8000 frames", "ends at frame 4000 "])
        // Sizes that libsndfile tolerates (the data is all there) are decoded.
        for name in ["riff-size-zero", "riff-size-small", "riff-size-huge", "block-align-zero", "data-size-odd",
                     "data-size-ffffffff", "data-size-plus-one"] {
            e["matrix/chunks/\(name).wav"] = .accepted
        }
        e["matrix/chunks/fmt-size-14.wav"] = .refused(["cannot decode", "Short 'fmt ' chunk"])
        e["matrix/chunks/fmt-size-zero.wav"] = .refused(["cannot decode", "Short 'fmt ' chunk"])
        e["matrix/chunks/unknown-codec.wav"] = .refused(["cannot decode", "'fmt ' chunk"])
        e["matrix/chunks/bits-zero.wav"] = .refused(["cannot decode", "unimplemented format"])
        for name in ["fmt-size-huge", "list-size-huge", "no-data-chunk", "no-fmt-chunk"] {
            e["matrix/chunks/\(name).wav"] = .refused(["cannot decode", "No 'data' chunk"])
        }
        e["matrix/chunks/data-size-zero.wav"] = .refused(["no audio frames"])
        e["matrix/claims/three-hours.wav"] = .refused(["truncated", "promises 518400000 frames (10800.0 s)", "ends at frame 48000 (1.0 s)"])
        e["matrix/channels/zero-channels.wav"] = .refused(["cannot decode", "Channel count is zero"])
        e["matrix/channels/1024-channels.wav"] = .accepted
        e["matrix/channels/1024-channels-768khz.wav"] = .refused(["1024 channels at 768000 Hz", "49152000 samples per second"])
        e["matrix/channels/65535-channels.wav"] = .refused(["cannot decode", "Too many channels"])
        // libsamplerate converts within 1/256...256; 1 Hz to 48 kHz is outside.
        e["matrix/rates/rate-1hz.wav"] = .refused(["1 Hz", "48000 Hz", "1/256...256"])
        e["matrix/rates/rate-768khz.wav"] = .accepted
        e["matrix/rates/rate-zero.wav"] = .refused(["sample rate of 0 Hz", "header is damaged"])
        e["matrix/rates/rate-2ghz.wav"] = .refused(["sample rate of 2000000000 Hz", "768000 Hz"])
        // No NaN or infinity ever reaches an output: such files are refused, naming the frame.
        for name in ["nan", "pos-inf", "neg-inf"] {
            e["matrix/float/\(name).wav"] = .refused(["1 non-finite sample (NaN or infinity)", "first at frame 4000"])
        }
        e["matrix/float/nan-float64.wav"] = .refused(["1 non-finite sample (NaN or infinity)", "first at frame 100"])
        for name in ["denormal-tail", "denormal-only", "over-full-scale"] { e["matrix/float/\(name).wav"] = .accepted }
        for name in ["dc-offset", "dc-only", "square-full-scale", "square-full-scale-float"] { e["matrix/signal/\(name).wav"] = .accepted }
        for name in ["one-sample-16bit", "one-sample-float", "one-frame-stereo", "one-sample-8bit"] { e["matrix/short/\(name).wav"] = .accepted }
        // Link loops and dangling links named as audio are reported; folder links are not followed.
        e["loops/real.wav"] = .accepted
        e["loops/self.wav"] = .refused(["symbolic link loop"])
        e["loops/ping.wav"] = .refused(["symbolic link loop"])
        e["loops/pong.wav"] = .refused(["symbolic link loop"])
        e["loops/dangling.wav"] = .refused(["symbolic link to a file that does not exist"])
        // A named pipe is never opened (it would block): named like audio, it is reported.
        e["loops/pipe.wav"] = .refused(["is a named pipe, not a regular file"])
        // A name that is not UTF-8 cannot be opened by name from Swift: reported, not lost.
        e["names/caf\\xE9.wav"] = .refused(["not valid UTF-8", "rename it"])
        e["names/" + String(repeating: "a", count: 251) + ".wav"] = .accepted
        e["names/" + String(repeating: "\u{E9}", count: 125) + "x.wav"] = .accepted
        return e
    }()

    /// Cases that are not inputs (folder links, a pipe without an audio name): only checked for
    /// not hanging.
    static let notInputs: Set<String> = ["loops/sub/up", "loops/here", "loops/pipe"]

    /// Per-command exceptions to `expected` (a measuring command may accept what `master` cannot
    /// resample, for example).
    static let exceptions: [String: [String: Outcome]] = [
        "analyze": ["matrix/rates/rate-1hz.wav": .accepted],
    ]

    // MARK: - Commands

    /// One file's result as a command's JSON reports it.
    struct FileResult: Sendable {
        var accepted: Bool
        var error: String?
        var output: String?
    }

    /// A command run over a group: a folder (`master`) or the list of its files (`analyze`).
    struct MatrixCommand: Sendable, CustomTestStringConvertible {
        var name: String
        /// Arguments for the group's folder and files, writing to `output` (a folder).
        var arguments: @Sendable (_ folder: String, _ files: [String], _ output: String) -> [String]
        /// Whether it takes the group's files one by one rather than its folder. A name that is
        /// not UTF-8 cannot be passed from Swift; `aNonUTF8NameOnTheCommandLineIsExplained`
        /// passes it through bash instead.
        var takesFiles: Bool
        /// Whether it writes audio files (then they are decoded and checked).
        var writesOutputs: Bool
        /// Each input path's result from the command's stdout.
        var results: @Sendable (_ stdout: String) throws -> [String: FileResult]
        var testDescription: String { name }

        static let master = MatrixCommand(
            name: "master", arguments: { folder, _, output in ["master", folder, "-o", output, "--json", "--jobs", "2"] },
            takesFiles: false, writesOutputs: true,
            results: { stdout in
                let doc = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
                var out: [String: FileResult] = [:]
                for f in try #require(doc["files"] as? [[String: Any]]) {
                    let status = f["status"] as? String
                    out[f["path"] as! String] = FileResult(accepted: status == "mastered", error: f["error"] as? String,
                                                           output: f["output"] as? String)
                }
                return out
            })

        static let analyze = MatrixCommand(
            name: "analyze", arguments: { _, files, _ in ["analyze"] + files + ["--json"] },
            takesFiles: true, writesOutputs: false,
            results: { stdout in
                let doc = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [[String: Any]])
                var out: [String: FileResult] = [:]
                for f in doc {
                    let error = f["error"] as? String
                    // An accepted file has every figure key (null only where there is no value).
                    let complete = ["integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "sample_peak_dbfs",
                                    "duration_s", "sample_rate", "channels"].allSatisfy { f[$0] != nil }
                    out[f["path"] as! String] = FileResult(accepted: error == nil && complete, error: error, output: nil)
                }
                return out
            })
    }

    /// The commands the matrix runs.
    static let commands: [MatrixCommand] = [.master, .analyze]

    // MARK: - Helpers

    static let script = Repository.root + "/Tests/BadInputs/make-bad-inputs.py"

    /// Runs the generator script (`args`), returning its stdout.
    @discardableResult
    static func python(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script] + args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "make-bad-inputs.py \(args) failed")
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `groups` into a fresh folder; returns it and the manifest's case names.
    static func generate(_ groups: [String]) throws -> (TemporaryFolder, [String]) {
        let dir = try TemporaryFolder("bad-inputs")
        try python([dir.file("in")] + groups)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("in/manifest.json")))) as! [String: Any]
        return (dir, (manifest["cases"] as! [String: String]).keys.sorted())
    }

    /// {relative path: sha256 or link target} of everything below `folder`, links not followed.
    static func digest(_ folder: String) throws -> [String: String] {
        let text = try python(["--digest", folder])
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]) ?? [:]
    }

    static func decodeAll(_ path: String) throws -> (frames: Int, finite: Bool) {
        let r = try SoundFileReader(path: path)
        var block = AudioBlock(channelCount: r.format.channelCount, capacity: 4096)
        var frames = 0, finite = true
        while try r.read(into: &block) > 0 {
            frames += block.frameCount
            for c in 0..<block.channelCount where !block.channel(c).allSatisfy({ $0.isFinite }) { finite = false }
        }
        return (frames, finite)
    }

    func outcome(_ name: String, for command: MatrixCommand) -> Outcome? {
        Self.exceptions[command.name]?[name] ?? Self.expected[name]
    }

    /// Runs `command` over `group` and checks every case of it.
    func check(_ group: String, _ command: MatrixCommand) throws {
        let (dir, cases) = try Self.generate([group])
        defer { dir.remove() }
        let input = dir.file("in/\(group)"), output = dir.file("out")
        let before = try Self.digest(dir.file("in"))
        var inputCases = cases.filter { !Self.notInputs.contains($0) }
        if command.takesFiles { inputCases.removeAll { $0.contains("\\x") } }  // not UTF-8: see above
        let r = try LTXAudioBinary.run(command.arguments(input, inputCases.map { dir.file("in/" + $0) }, output), timeout: 60)
        #expect(!r.signaled, "\(command.name) \(group) crashed or hung: signal \(r.status)\n\(r.stderr)")
        let anyRefused = inputCases.contains { if case .refused = outcome($0, for: command) { return true } else { return false } }
        #expect(r.status == (anyRefused ? ExitStatusCode.inputFailed : ExitStatusCode.success), "\(r.stderr)")

        let results = try command.results(r.stdout)
        let stderrLines = r.stderr.split(separator: "\n").map(String.init)
        for name in inputCases {
            let path = dir.file("in/" + name)
            guard let want = outcome(name, for: command) else {
                Issue.record("\(name): no expected outcome; add one to BadInputMatrixTests.expected")
                continue
            }
            let got = results[path]
            switch want {
            case .accepted:
                #expect(got?.accepted == true, "\(command.name) \(name): expected accepted, got \(got?.error ?? "no entry")")
                if command.writesOutputs, let out = got?.output {
                    let decoded = try Self.decodeAll(out)
                    #expect(decoded.frames > 0 && decoded.finite, "\(name): output \(out) decodes fully, finite samples only")
                }
            case .refused(let words):
                #expect(got?.accepted == false, "\(command.name) \(name): expected refused, got \(got.map { "\($0)" } ?? "no entry")")
                let error = got?.error ?? ""
                #expect(error.hasPrefix(path + ": "), "\(name): the message names the file: \(error)")
                for w in words { #expect(error.contains(w), "\(name): '\(w)' in: \(error)") }
                // One line on stderr, naming the file.
                let lines = stderrLines.filter { $0.hasPrefix("error: " + path + ": ") }
                #expect(lines.count == 1, "\(name): one stderr line, got \(lines.count)")
                if command.writesOutputs, let out = got?.output {
                    #expect(!FileManager.default.fileExists(atPath: out), "\(name): no output for a refused input")
                }
            }
        }
        #expect(results.count == inputCases.count, "one result per case: \(results.keys.sorted())")
        #expect(try Self.digest(dir.file("in")) == before, "inputs are untouched")
        if command.writesOutputs {
            let written = try Self.digest(output)
            #expect(!written.keys.contains { $0.contains(SoundFileWriter.temporaryPrefix) }, "no temporary file left: \(written.keys.sorted())")
            let accepted = Set(results.values.filter(\.accepted).compactMap(\.output))
            for (rel, kind) in written where kind != "folder" {
                #expect(accepted.contains(output + "/" + rel), "only complete outputs of accepted inputs: \(rel)")
            }
        }
    }

    // MARK: - The matrix

    @Test(arguments: commands) func brokenHeadersChunksRatesChannelsAndSamples(_ command: MatrixCommand) throws {
        try check("matrix", command)
    }

    @Test(arguments: commands) func symbolicLinkLoopsInsideAnInputFolder(_ command: MatrixCommand) throws {
        try check("loops", command)
    }

    @Test(arguments: commands) func nonUTF8AndLongNames(_ command: MatrixCommand) throws {
        try check("names", command)
    }

    @Test(arguments: ["master \"$1/caf\"$'\\351'.wav -o \"$1/out\"", "analyze \"$1/caf\"$'\\351'.wav"])
    func aNonUTF8NameOnTheCommandLineIsExplained(_ command: String) throws {
        let (dir, _) = try Self.generate(["names"])
        defer { dir.remove() }
        // Through bash: a Swift String cannot hold the Latin-1 byte.
        let (status, signaled, stderr) = try LTXAudioBinary.runThroughShell(
            "exec \"$0\" " + command, arguments: [dir.file("in/names")])
        #expect(!signaled && status == ExitStatusCode.inputFailed)
        #expect(stderr.contains("names/caf\u{FFFD}.wav: not found") && stderr.contains("not UTF-8"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("in/out")))
    }

    @Test func aRateThatWouldExceedTheSamplesPerSecondCapIsRefusedUpFront() throws {
        let (dir, _) = try Self.generate(["matrix"])
        defer { dir.remove() }
        // 1024 channels at 48 kHz (the default) is the cap; at 96 kHz it is twice that.
        let input = dir.file("in/matrix/channels/1024-channels.wav")
        let r = try LTXAudioBinary.run(["master", input, "-o", dir.file("out.wav"), "--sample-rate", "96000"], timeout: 60)
        #expect(!r.signaled && r.status == ExitStatusCode.inputFailed, "\(r.stderr)")
        #expect(r.stderr.contains("error: \(input): 1024 channels at 96000 Hz would exceed the 49152000 samples per second"), "\(r.stderr)")
        #expect(r.stderr.contains("choose a lower --sample-rate"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("out.wav")))
    }

    @Test func everyGeneratedCaseHasAnExpectedOutcome() throws {
        let (dir, cases) = try Self.generate([])
        defer { dir.remove() }
        let missing = cases.filter { Self.expected[$0] == nil && !Self.notInputs.contains($0) }
        #expect(missing.isEmpty, "cases without an expected outcome: \(missing)")
        let stale = Self.expected.keys.filter { !cases.contains($0) }
        #expect(stale.isEmpty, "expected outcomes without a case: \(stale)")
    }
    // MARK: - Cases that are about folders and paths, not file contents

    /// A good 1 s WAV from the generator's `loops` group, copied to `path`.
    static func goodWav(at path: String) throws {
        let (dir, _) = try generate(["loops"])
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir.file("in/loops/real.wav"), toPath: path)
    }

    @Test func anEmptyFolderIsNamedAndWritesNothing() throws {
        let dir = try TemporaryFolder("bad-empty")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("in"), withIntermediateDirectories: true)
        let r = try LTXAudioBinary.run(["master", dir.file("in"), "-o", dir.file("out"), "--json"], timeout: 30)
        #expect(!r.signaled && r.status == ExitStatusCode.inputFailed)
        #expect(r.stderr.contains("no audio files found in \(dir.file("in"))"))
        #expect(dir.contents() == ["in"])
    }

    @Test(arguments: [[String](), ["--overwrite"]])
    func anOutputPathEqualToTheInputIsRefused(_ extra: [String]) throws {
        let dir = try TemporaryFolder("bad-same")
        defer { dir.remove() }
        try Self.goodWav(at: dir.file("take.wav"))
        let before = try Self.digest(dir.path)
        // The same path, another spelling of it, and a link to it.
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.wav"), withDestinationPath: "take.wav")
        for output in [dir.file("take.wav"), dir.path + "/./take.wav"] {
            let r = try LTXAudioBinary.run(["master", dir.file("take.wav"), "-o", output] + extra, timeout: 30)
            #expect(!r.signaled && r.status == ExitStatusCode.inputFailed, "\(r.stderr)")
            #expect(r.stderr.contains("error: \(dir.file("take.wav")): the output would replace the input"))
        }
        let viaLink = try LTXAudioBinary.run(["master", dir.file("link.wav"), "-o", dir.file("take.wav")] + extra, timeout: 30)
        #expect(viaLink.status == ExitStatusCode.inputFailed && viaLink.stderr.contains("would replace the input"))
        var after = try Self.digest(dir.path)
        after["link.wav"] = nil
        #expect(after == before, "the input is untouched; no temporary file left")
    }

    @Test func anOutputFolderInsideTheInputFolderIsNotPickedUpOnReruns() throws {
        let dir = try TemporaryFolder("bad-nested")
        defer { dir.remove() }
        try Self.goodWav(at: dir.file("in/a.wav"))
        try Self.goodWav(at: dir.file("in/sub/b.wav"))
        for run in 0..<2 {
            let r = try LTXAudioBinary.run(["master", dir.file("in"), "-o", dir.file("in/mastered"), "--json"], timeout: 30)
            #expect(!r.signaled && r.status == ExitStatusCode.success, "\(r.stderr)")
            let results = try MatrixCommand.master.results(r.stdout)
            #expect(results.keys.sorted() == [dir.file("in/a.wav"), dir.file("in/sub/b.wav")], "run \(run): \(results.keys.sorted())")
        }
        #expect(try Self.digest(dir.file("in/mastered")).keys.sorted() == ["a.wav", "sub", "sub/b.wav"])
    }

    /// What `command` writes into `out` for the inputs `in/a.wav` and `in/sub/b.wav`: `master`
    /// the outputs, `analyze` the plots. Returns its arguments and the paths its error lines name.
    static func writing(_ command: String, _ dir: TemporaryFolder, into out: String, extra: [String] = []) -> (args: [String], named: [String]) {
        let inputs = [dir.file("in/a.wav"), dir.file("in/sub/b.wav")]
        if command == "master" { return (["master", dir.file("in"), "-o", out] + extra, inputs) }
        return (["analyze"] + inputs + ["--plot", out + "/plot.svg"], [out + "/plot-a.svg", out + "/plot-b.svg"])
    }

    @Test(.enabled(if: ReadOnlyFolder.method != nil, "running as root where mount -t tmpfs is not permitted (no way to make a folder read-only for root)"),
          arguments: ["master", "analyze"])
    func aReadOnlyOutputFolderNamesEachFileAndWritesNothing(_ command: String) throws {
        let dir = try TemporaryFolder("bad-ro")
        defer { dir.remove() }
        try Self.goodWav(at: dir.file("in/a.wav"))
        try Self.goodWav(at: dir.file("in/sub/b.wav"))
        let out = dir.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        if ReadOnlyFolder.method == "mount" {
            #expect(ReadOnlyFolder.shell("mount -t tmpfs -o ro,size=1m tmpfs '\(out)'") == 0)
        } else {
            #expect(chmod(out, 0o555) == 0)
        }
        defer { if ReadOnlyFolder.method == "mount" { ReadOnlyFolder.shell("umount '\(out)'") } else { chmod(out, 0o755) } }
        let (args, named) = Self.writing(command, dir, into: out)
        let r = try LTXAudioBinary.run(args + ["--json"], timeout: 30)
        #expect(!r.signaled && r.status == ExitStatusCode.inputFailed)
        for name in named {
            let line = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error: \(name): ") }
            #expect(line.count == 1 && (line.first?.contains("ead-only file system") == true || line.first?.contains("ermission denied") == true
                                        || line.first?.contains("read only") == true), "\(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
    }

    @Test(arguments: ["master", "analyze"])
    func aBatchWhoseWritesFailPartWayLeavesNothing(_ command: String) throws {
        let dir = try TemporaryFolder("bad-ulimit")
        defer { dir.remove() }
        try Self.goodWav(at: dir.file("in/a.wav"))
        try Self.goodWav(at: dir.file("in/sub/b.wav"))
        let out = dir.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let before = try Self.digest(dir.file("in"))
        // Each 1 s output (48 kHz 24-bit WAV, ~288 KB) and the float spill are larger than 32 KiB,
        // each plot (~8 KB) larger than 1 KiB: every write fails part way.
        let limit = command == "master" ? 32 : 1
        let (args, named) = Self.writing(command, dir, into: out, extra: ["--bit-depth", "24", "--jobs", "2"])
        let (status, signaled, stderr) = try LTXAudioBinary.runThroughShell(
            "ulimit -f \(limit); exec \"$0\" \"$@\"", arguments: args)
        #expect(!signaled && status == ExitStatusCode.inputFailed, "\(stderr)")
        for name in named {
            #expect(stderr.contains("error: \(name): ") && stderr.contains("File too large"), "\(stderr)")
        }
        let left = try Self.digest(out).filter { $0.value != "folder" }  // master may have made out/sub/
        #expect(left.isEmpty, "no partial or temporary file: \(left.keys.sorted())")
        #expect(try Self.digest(dir.file("in")) == before)
    }
}

/// Exit statuses as the README lists them (the test target does not link LTXAudioApp).
enum ExitStatusCode {
    static let success: Int32 = 0
    static let inputFailed: Int32 = 1
    static let usage: Int32 = 64
}
