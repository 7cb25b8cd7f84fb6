import AudioIO
import FakeFalServer
import Foundation
import Testing
import TestSupport

/// A distinctive key: it must appear in no output, message or file.
let cliKey = "falkey-CLI9Z8Y7LEAK:cl1s3cr3tXXDONOTPRINT"

/// A real 1 s, 48 kHz mono, 16-bit WAV with a 440 Hz tone at -12 dBFS.
private func toneWAV(seconds: Double = 1) -> [UInt8] {
    let rate = 48000
    let frames = Int(Double(rate) * seconds)
    var b: [UInt8] = []
    func u32(_ v: UInt32) { b += withUnsafeBytes(of: v.littleEndian, Array.init) }
    func u16(_ v: UInt16) { b += withUnsafeBytes(of: v.littleEndian, Array.init) }
    b += Array("RIFF".utf8); u32(UInt32(36 + frames * 2)); b += Array("WAVE".utf8)
    b += Array("fmt ".utf8); u32(16); u16(1); u16(1); u32(UInt32(rate)); u32(UInt32(rate * 2)); u16(2); u16(16)
    b += Array("data".utf8); u32(UInt32(frames * 2))
    for i in 0..<frames {
        let v = 0.25 * sin(2 * Double.pi * 440 * Double(i) / Double(rate))
        u16(UInt16(bitPattern: Int16(v * 32767)))
    }
    return b
}

/// One CLI scenario: a fake server, a scratch folder (output, state, home), the key.
final class CLIWorld: @unchecked Sendable {
    let server: FakeFalServer
    let root: String
    var out: String { root + "/out" }
    var state: String { root + "/state" }
    var journalPath: String { state + "/ltx-audio/requests.json" }

    init(_ scenario: FakeFalServer.Scenario = .init(), expectKey: Bool = true) async throws {
        var sc = scenario
        if expectKey && sc.expectedKey == nil { sc.expectedKey = cliKey }
        if sc.audio.count < 100 { sc.audio = toneWAV() }
        server = try await FakeFalServer(scenario: sc).start()
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ltx-generate-\(UUID().uuidString)").path
        for d in [root + "/out", root + "/state", root + "/home"] {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
    }

    var environment: [String: String] {
        ["FAL_KEY": cliKey, "FAL_KEY_ID": "", "FAL_KEY_SECRET": "", "FAL_QUEUE_URL": "", "XDG_STATE_HOME": state, "HOME": root + "/home"]
    }

    func run(_ args: [String], key: Bool = true, timeout: Double = 60) throws -> LTXAudioBinary.Result {
        var env = environment
        if !key { env["FAL_KEY"] = "" }
        let queue = ["generate", "resume"].contains(args.first ?? "") ? ["--queue-url", server.baseURL] : []
        return try LTXAudioBinary.run(args + queue, environment: env, timeout: timeout)
    }

    /// Starts the binary in the background, stderr to a file (for interrupt tests).
    func spawn(_ args: [String]) throws -> (Process, String) {
        let errPath = root + "/spawn-stderr.txt"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: LTXAudioBinary.path)
        p.arguments = args + ["--queue-url", server.baseURL]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.standardError = FileHandle(forWritingAtPath: errPath)
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, errPath)
    }

    func waitFor(_ text: String, in path: String, seconds: Double = 30) async throws {
        let end = Date().addingTimeInterval(seconds)
        // Checked once more after the deadline: tests blocking the shared task threads may
        // keep this one from running for a while.
        repeat {
            if let d = FileManager.default.contents(atPath: path), String(decoding: d, as: UTF8.self).contains(text) { return }
            try await Task.sleep(for: .milliseconds(20))
        } while Date() < end
        if let d = FileManager.default.contents(atPath: path), String(decoding: d, as: UTF8.self).contains(text) { return }
        Issue.record("'\(text)' never appeared in \(path)")
    }

    var outFiles: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).sorted() }

    func journal() throws -> [[String: Any]] {
        guard let d = FileManager.default.contents(atPath: journalPath) else { return [] }
        return ((try JSONSerialization.jsonObject(with: d) as? [String: Any])?["requests"] as? [[String: Any]]) ?? []
    }

    /// The key appears in no output and no file written (outputs, originals, journal).
    func checkNoKey(_ results: [LTXAudioBinary.Result], sourceLocation: SourceLocation = #_sourceLocation) {
        let secrets = [cliKey] + cliKey.split(separator: ":").map(String.init)
        var texts = results.map(\.allOutput)
        for name in FileManager.default.subpaths(atPath: root) ?? [] {
            texts.append(name)
            if let d = FileManager.default.contents(atPath: root + "/" + name) {
                texts.append(String(decoding: d, as: UTF8.self))
            }
        }
        for t in texts {
            for s in secrets { #expect(!t.contains(s), "the key leaked: \(t.prefix(200))", sourceLocation: sourceLocation) }
        }
    }

    func close() async {
        await server.stop()
        try? FileManager.default.removeItem(atPath: root)
    }
}

@Suite struct GenerateTests {
    @Test func downloadsLargerThanTheCapAreRefused() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "rain", "-o", w.out + "/rain.wav", "--seed", "1", "--max-download-mb", "0.001"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("cap of 1048 bytes"), "\(r.stderr)")
        #expect(w.outFiles.isEmpty, "nothing partial written")
        let bad = try w.run(["generate", "rain", "-o", w.out + "/rain.wav", "--max-download-mb", "0"])
        #expect(bad.status == 64 && bad.stderr.contains("--max-download-mb"))
        w.checkNoKey([r, bad])
    }

    @Test func controlCharactersInThePromptNeverReachTagsOrTheTerminal() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let prompt = "bells \u{1B}[31mred\u{07} \u{202E}reversed"
        let r = try w.run(["generate", prompt, "-o", w.out + "/bells.wav", "--seed", "1", "--duration", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let tags = try SoundFileReader(path: w.out + "/bells.wav").info.tags
        for text in [tags[.title] ?? "", tags[.comment] ?? "", r.stderr] {
            #expect(!text.contains("\u{1B}") && !text.contains("\u{07}") && !text.contains("\u{202E}"), "\(text.debugDescription)")
        }
        #expect(tags[.title]?.contains("bells") == true && tags[.title]?.contains("red") == true)
    }

    @Test func normalRunGeneratesMastersAndJournals() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "rain on a tin roof", "-o", w.out + "/rain.wav", "--seed", "7", "--duration", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        for text in ["in queue, position 2", "in queue, position 1", "in queue, position 0", "running",
                     "model: loading model", "model: step 15/15", "completed", "submitted request"] {
            #expect(r.stderr.contains(text), "stderr lacks '\(text)': \(r.stderr)")
        }
        #expect(r.stderr.components(separatedBy: "model: step 8/15").count == 2, "each log line once")
        #expect(w.outFiles == ["rain.original.wav", "rain.wav"])
        let info = try SoundFileReader(path: w.out + "/rain.wav").info
        #expect(info.frameCount > 0)
        let comment = info.tags[.comment] ?? ""
        #expect(comment.contains("rain on a tin roof") && comment.contains("seed: 7") && comment.contains(w.server.jobIDs.first ?? "?"))
        #expect(info.tags[.title] == "rain on a tin roof")
        let body = try #require(w.server.requests(.submit).first).bodyText
        #expect(body.contains(#""num_frames":49"#) && body.contains(#""seed":7"#))
        let entry = try #require(try w.journal().first)
        #expect(entry["status"] as? String == "mastered")
        #expect(entry["requestID"] as? String == w.server.jobIDs.first)
        #expect((entry["input"] as? [String: Any])?["prompt"] as? String == "rain on a tin roof")
        // Only its owner may read the journal; no temporary file is left beside it.
        let journalMode = try FileManager.default.attributesOfItem(atPath: w.journalPath)[.posixPermissions] as? Int
        #expect(journalMode == 0o600)
        let stateFiles = try FileManager.default.contentsOfDirectory(atPath: (w.journalPath as NSString).deletingLastPathComponent)
        #expect(!stateFiles.contains { $0.hasPrefix(SoundFileWriter.temporaryPrefix) }, "\(stateFiles)")
        #expect(r.stdout.contains(w.out + "/rain.wav"))
        let list = try w.run(["requests"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("mastered") && list.stdout.contains(w.server.jobIDs[0]))
        w.checkNoKey([r, list])
    }

    @Test func batchIntoAFolderWithJSON() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "A door creaks open!", "-o", w.out + "/", "--count", "3", "--concurrency", "2", "--seed", "10", "--json", "--no-master"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(w.outFiles == ["a-door-creaks-open-seed10.original.wav", "a-door-creaks-open-seed11.original.wav", "a-door-creaks-open-seed12.original.wav"])
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        for (i, line) in lines.enumerated() {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(o["seed"] as? Int == 10 + i)
            #expect(o["prompt"] as? String == "A door creaks open!")
            #expect(o["request_id"] as? String != nil)
            #expect((o["original"] as? String)?.hasSuffix("seed\(10 + i).original.wav") == true)
            #expect(o["output"] != nil)
        }
        #expect(w.server.jobIDs.count == 3)
        w.checkNoKey([r])
    }

    @Test func masteredBatchIntoAFolder() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "wind", "-o", w.out, "--count", "2", "--seed", "1", "--format", "flac", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        for line in r.stdout.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let before = try #require(o["loudness_before_lufs"] as? Double)
            let after = try #require(o["loudness_after_lufs"] as? Double)
            #expect(before < -10 && after < -5 && before != after, "\(line)")
            #expect(o["status"] as? String == "mastered")
        }
        #expect(w.outFiles == ["wind-seed1.flac", "wind-seed1.original.wav", "wind-seed2.flac", "wind-seed2.original.wav"])
        w.checkNoKey([r])
    }

    @Test func dataURIResult() async throws {
        var sc = FakeFalServer.Scenario()
        sc.inlineDataURI = true
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "birds", "-o", w.out + "/birds.flac", "--sync-mode"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(w.outFiles == ["birds.flac", "birds.original.wav"])
        #expect(w.server.requests(.submit).first?.bodyText.contains(#""sync_mode":true"#) == true)
        #expect(w.server.requests(.file).isEmpty)
        w.checkNoKey([r])
    }

    @Test func rateLimitWithRetryAfterAndIngress503() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        // 0.15 s: at least any first backoff (0.1 s × 0.5…1.5), so the wait shown is the server's.
        w.server.script(.submit, .json(429, #"{"detail":"Too many requests"}"#, headers: [("Retry-After", "0.15")]))
        w.server.script(.status, .ingress(503))
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("HTTP 429 rate limited; retry 2 in 1"))
        #expect(r.stderr.contains("HTTP 503 from the ingress proxy"))
        #expect(w.server.jobIDs.count == 1)
        w.checkNoKey([r])
    }

    @Test func serverErrorWithRequestIDIsFinal() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        w.server.script(.status, .json(500, #"{"detail":"runner crashed","error_type":"runner_server_error"}"#, headers: [("x-fal-request-id", "r-1")]))
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("HTTP 500 (runner_server_error)") && r.stderr.contains("runner crashed"))
        #expect(w.server.requests(.status).count == 1)
        #expect(w.outFiles.isEmpty)
        #expect(try w.journal().first?["status"] as? String == "failed")
        w.checkNoKey([r])
    }

    @Test func unauthorized() async throws {
        var sc = FakeFalServer.Scenario()
        sc.expectedKey = "some-other-key"
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("check FAL_KEY"))
        #expect(r.stderr.contains("[redacted]"), "the echoed key is redacted")
        #expect(w.outFiles.isEmpty)
        w.checkNoKey([r])
    }

    @Test func queueURLFromTheEnvironment() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        var env = w.environment
        env["FAL_QUEUE_URL"] = w.server.baseURL
        let r = try LTXAudioBinary.run(["generate", "x", "-o", w.out + "/x.wav", "--no-master"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(w.outFiles == ["x.original.wav"])
        #expect(try w.journal().first?["queueURL"] as? String == w.server.baseURL)
        w.checkNoKey([r])
    }

    @Test func missingKeySendsNothing() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"], key: false)
        #expect(r.status == 1)
        #expect(r.stderr.contains("no fal API key: set FAL_KEY"))
        #expect(w.server.requests.isEmpty)
    }

    @Test func validationFromServer() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        w.server.script(.submit, .json(422, #"{"detail":[{"loc":["body","guidance_scale"],"msg":"Input should be a valid number","type":"float_parsing"}]}"#))
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("guidance_scale: Input should be a valid number"))
        w.checkNoKey([r])
    }

    @Test(arguments: [
        (["--num-frames", "500"], "num_frames 500 is out of range 9...481"), (["--steps", "40"], "num_inference_steps 40 is out of range 8...30"),
        (["--guidance", "0.5"], "guidance_scale 0.5 is out of range 1...20"), (["--fps", "120"], "frames_per_second 120 is out of range 1...60"),
        (["--lora", "http://x.example/a.safetensors"], "must be a public https URL"),
    ])
    func inputOutOfRangeIsRefusedBeforeSending(extra: [String], message: String) async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"] + extra)
        #expect(r.status == 64)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(w.server.requests.isEmpty)
        #expect(w.outFiles.isEmpty)
    }

    @Test func completedWithError() async throws {
        var sc = FakeFalServer.Scenario()
        sc.completedError = "Safety checker flagged the output"
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("failed (runner_server_error): Safety checker flagged the output"))
        #expect(w.outFiles.isEmpty)
        w.checkNoKey([r])
    }

    @Test func unknownStatusThatClears() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        w.server.script(.status, .json(202, #"{"status":"WARMING_UP"}"#), .json(202, #"{"status":"WARMING_UP"}"#))
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("queue says 'WARMING_UP'; still waiting"))
        #expect(w.outFiles == ["x.original.wav", "x.wav"])
    }

    @Test func expiredResult() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        w.server.script(.result, .json(404, #"{"detail":"Request not found"}"#))
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("is no longer available (HTTP 404)"))
        #expect(w.outFiles.isEmpty)
    }

    @Test func downloadCutShortTwiceThenWhole() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let audio = w.server.scenario.audio
        w.server.script(
            .file, .truncated(status: 200, headers: [], body: audio, sendBytes: 5000), .truncated(status: 200, headers: [], body: audio, sendBytes: 44))
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(w.server.requests(.file).count == 3)
        #expect(FileManager.default.contents(atPath: w.out + "/x.original.wav").map(Array.init) == audio)
        #expect(w.outFiles == ["x.original.wav", "x.wav"])
    }

    @Test func htmlInsteadOfAudioIsKeptAndReported() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = Array(("<!DOCTYPE html><html><body>" + String(repeating: "Service error. ", count: 20) + "</body></html>").utf8)
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 1, "\(r.stderr) \(w.server.requests)")
        #expect(r.stderr.contains("fal returned an HTML page, not a known audio format; kept it as \(w.out)/x.original.bin"))
        #expect(w.outFiles == ["x.original.bin"])
    }

    @Test func serverFileNameIsNotUsed() async throws {
        var sc = FakeFalServer.Scenario()
        sc.fileName = "../../x.wav"
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "y", "-o", w.out + "/y.wav"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(w.outFiles == ["y.original.wav", "y.wav"])
        let all = FileManager.default.subpaths(atPath: w.root) ?? []
        #expect(!all.contains { $0.hasSuffix("x.wav") })
        #expect(!FileManager.default.fileExists(atPath: (w.root as NSString).deletingLastPathComponent + "/x.wav"))
    }

    @Test func existingOutputIsRefusedBeforePaying() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        _ = FileManager.default.createFile(atPath: w.out + "/x.wav", contents: Data("mine".utf8))
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("already exists"))
        #expect(w.server.requests.isEmpty)
        #expect(FileManager.default.contents(atPath: w.out + "/x.wav") == Data("mine".utf8))
        _ = FileManager.default.createFile(atPath: w.out + "/x.original.wav", contents: Data("old original".utf8))
        let again = try w.run(["generate", "x", "-o", w.out + "/x.wav", "--overwrite"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(w.outFiles == ["x.original-2.wav", "x.original.wav", "x.wav"], "originals are never replaced")
        #expect(FileManager.default.contents(atPath: w.out + "/x.original.wav") == Data("old original".utf8))
        #expect(try SoundFileReader(path: w.out + "/x.wav").info.frameCount > 0)
    }

    @Test func submitOutcomeUnknownIsNotRepeated() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        w.server.script(.submit, .closeWithoutResponse)
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("a paid job may have been created"))
        #expect(w.server.requests(.submit).count == 1)
        w.checkNoKey([r])
    }

    @Test func ctrlCWhileQueuedCancels() async throws {
        var sc = FakeFalServer.Scenario()
        sc.holdInQueue = true
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let (p, errPath) = try w.spawn(["generate", "x", "-o", w.out + "/x.wav"])
        try await w.waitFor("in queue", in: errPath)
        p.interrupt()
        p.waitUntilExit()
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        #expect(p.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("cancel sent for request \(w.server.jobIDs.first ?? "?"): accepted (CANCELLATION_REQUESTED)"))
        #expect(w.server.requests(.cancel).count == 1)
        #expect(w.outFiles.isEmpty, "no partial files")
        #expect(try w.journal().first?["status"] as? String == "cancelled")
        w.checkNoKey([])
    }

    @Test func sigtermDuringADownloadLeavesNoPartialFile() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        // The audio never comes: the download's temporary file waits in the output folder.
        w.server.script(.file, .delayed(milliseconds: 60_000, .respond(status: 200, headers: [], body: [])))
        let (p, errPath) = try w.spawn(["generate", "x", "-o", w.out + "/x.wav"])
        let end = Date().addingTimeInterval(30)
        while !w.outFiles.contains(where: { $0.hasSuffix("-download.part") }) && Date() < end && p.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(w.outFiles.contains { $0.hasSuffix("-download.part") }, "the download started: \(w.outFiles)")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        #expect(p.terminationReason == .exit && p.terminationStatus == 143, "\(stderr)")
        #expect(w.outFiles.isEmpty, "no partial download left: \(w.outFiles)")
        #expect(try w.journal().count == 1, "the request is in the journal, for resume")
        w.checkNoKey([])
    }

    @Test func ctrlCDuringABatchStopsTheRest() async throws {
        var sc = FakeFalServer.Scenario()
        sc.holdInQueue = true
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let (p, errPath) = try w.spawn(["generate", "x", "-o", w.out + "/", "--count", "4", "--concurrency", "2", "--seed", "1"])
        try await w.waitFor("[2/4] in queue", in: errPath)
        try await w.waitFor("[1/4] in queue", in: errPath)
        p.interrupt()
        p.waitUntilExit()
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        #expect(p.terminationStatus == 130, "\(stderr)")
        #expect(w.server.requests(.submit).count == 2, "clips 3 and 4 are never submitted")
        #expect(w.server.requests(.cancel).count == 2)
        #expect(stderr.components(separatedBy: "accepted (CANCELLATION_REQUESTED)").count == 3)
        #expect(w.outFiles.isEmpty)
    }

    @Test func timeoutCancels() async throws {
        var sc = FakeFalServer.Scenario()
        sc.holdInQueue = true
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav", "--timeout", "0.6"])
        #expect(r.status == 124)
        #expect(r.stderr.contains("time limit reached: cancel sent") && r.stderr.contains("accepted"))
        #expect(w.server.requests(.cancel).count == 1)
        #expect(w.outFiles.isEmpty)
    }

    @Test func resumeAfterAnInterruptedRun() async throws {
        var sc = FakeFalServer.Scenario()
        sc.holdInQueue = true
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let (p, errPath) = try w.spawn(["generate", "thunder", "-o", w.out + "/thunder.wav", "--seed", "3"])
        try await w.waitFor("in queue", in: errPath)
        kill(p.processIdentifier, SIGKILL)  // a crash or a closed laptop: no cancel goes out
        p.waitUntilExit()
        #expect(w.server.requests(.cancel).isEmpty)
        let id = try #require(w.server.jobIDs.first)
        #expect(try w.journal().first?["status"] as? String == "submitted")
        w.server.release()
        let r = try w.run(["resume", id])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(w.outFiles == ["thunder.original.wav", "thunder.wav"])
        #expect(try w.journal().first?["status"] as? String == "mastered")
        let list = try w.run(["requests", "--json"])
        #expect(list.stdout.contains(#""status":"mastered""#))
        w.checkNoKey([r, list])
    }

    @Test func resumeOfAnUnknownIDNeedsAnOutput() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let r = try w.run(["resume", "abc-123"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("is not in the journal"))
        #expect(w.server.requests.isEmpty)
    }
}
