import FakeFalServer
import Foundation
import Testing
import TestSupport

/// `generate --prompts FILE -o FOLDER`: plain and JSON Lines files, the manifest, bad lines,
/// and a batch killed part way then run again.
@Suite struct PromptBatchTests {
    static let manifestKeys: Set<String> = [
        "request_id", "seed", "prompt", "name", "output", "original", "loudness_before_lufs", "loudness_after_lufs", "status", "error",
    ]

    func write(_ text: String, to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    func manifest(_ folder: String) throws -> [[String: Any]] {
        let text = String(decoding: FileManager.default.contents(atPath: folder + "/manifest.jsonl") ?? Data(), as: UTF8.self)
        return try text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func files(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    func submittedBodies(_ w: CLIWorld) throws -> [String: [String: Any]] {
        var byPrompt: [String: [String: Any]] = [:]
        for r in w.server.requests(.submit) {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
            byPrompt[o["prompt"] as? String ?? ""] = o
        }
        return byPrompt
    }

    @Test func plainPromptFile() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let list = w.root + "/prompts.txt"
        write("rain on a tin roof\n\n  thunder, far away  \r\nrain on a tin roof\n", to: list)
        let lib = w.out + "/lib"
        let r = try w.run(["generate", "--prompts", list, "-o", lib, "--seed", "3", "--concurrency", "2", "--json", "--duration", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(w.server.requests(.submit).count == 3)
        #expect(files(lib) == [
            "manifest.jsonl", "rain-on-a-tin-roof-seed3-2.original.wav", "rain-on-a-tin-roof-seed3-2.wav",
            "rain-on-a-tin-roof-seed3.original.wav", "rain-on-a-tin-roof-seed3.wav", "thunder-far-away-seed3.original.wav",
            "thunder-far-away-seed3.wav",
        ])
        let bodies = try submittedBodies(w)
        #expect(bodies["thunder, far away"]?["seed"] as? Int == 3)
        #expect(bodies["thunder, far away"]?["num_frames"] as? Int == 49)
        let lines = try manifest(lib)
        #expect(lines.count == 3)
        for line in lines {
            #expect(Set(line.keys) == Self.manifestKeys, "\(line)")
            #expect(line["status"] as? String == "mastered")
            #expect(line["error"] is NSNull)
            #expect(line["loudness_after_lufs"] as? Double != nil && line["loudness_before_lufs"] as? Double != nil)
            let name = try #require(line["name"] as? String)
            #expect(line["output"] as? String == "\(lib)/\(name).wav")
            #expect(line["original"] as? String == "\(lib)/\(name).original.wav")
            #expect(w.server.jobIDs.contains(line["request_id"] as? String ?? "?"))
        }
        #expect(r.stdout.split(separator: "\n").count == 3)
        w.checkNoKey([r])
    }

    @Test func jsonLinesFileWithFieldsAndNames() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let list = w.root + "/prompts.jsonl"
        write(
            """
            {"prompt": "a door creaks open", "name": "door", "num_frames": 49, "seed": 11, "negative_prompt": "music"}
            {"prompt": "wind in pines", "name": "wind", "num_inference_steps": 10, "guidance_scale": 3.5, "enable_safety_checker": false, "enable_prompt_expansion": true, "frames_per_second": 25}

            """, to: list)
        let lib = w.out + "/sfx"
        let r = try w.run(["generate", "--prompts", list, "-o", lib, "--steps", "20", "--format", "flac"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(files(lib) == ["door.flac", "door.original.wav", "manifest.jsonl", "wind.flac", "wind.original.wav"])
        let bodies = try submittedBodies(w)
        let door = try #require(bodies["a door creaks open"])
        #expect(door["num_frames"] as? Int == 49 && door["seed"] as? Int == 11 && door["negative_prompt"] as? String == "music")
        #expect(door["num_inference_steps"] as? Int == 20, "the command's options are the defaults")
        let wind = try #require(bodies["wind in pines"])
        #expect(wind["num_inference_steps"] as? Int == 10, "the line wins")
        #expect(wind["guidance_scale"] as? Double == 3.5 && wind["frames_per_second"] as? Double == 25)
        #expect(wind["enable_safety_checker"] as? Bool == false && wind["enable_prompt_expansion"] as? Bool == true)
        #expect(wind["name"] == nil, "name is not a model input")
        let lines = try manifest(lib)
        #expect(Set(lines.compactMap { $0["name"] as? String }) == ["door", "wind"])
        #expect(lines.first { $0["name"] as? String == "door" }?["seed"] as? Int == 11)
        w.checkNoKey([r])
    }

    @Test(arguments: [
        ("{\"prompt\":\"a\"}\n{\"prompt\":\"b\"}\n{\"prompt\":\"c\",\"num_frames\":500}\n", "line 3: num_frames 500 is out of range"),
        ("{\"prompt\":\"a\"}\n{\"prompt\":\"b\",\"nmae\":\"x\"}\n", "line 2: unknown field 'nmae'"),
        ("{\"prompt\":\"a\",\"seed\":\"seven\"}\n", "line 1: field 'seed' must be a number"),
        ("{\"prompt\":\"a\",\"seed\":1.5}\n", "line 1: field 'seed' must be an integer"),
        ("{\"prompt\":\"a\"}\n\nnot json\n", "line 3: not a JSON object"),
        ("{\"name\":\"x\"}\n", "line 1: field 'prompt' is missing"),
        ("{\"prompt\":\"a\",\"name\":\"../up\"}\n", "line 1: field 'name' must be a plain file name"),
        ("{\"prompt\":\"a\",\"name\":\"k\"}\n{\"prompt\":\"b\",\"name\":\"k\"}\n", "line 2: field 'name' \"k\" is already used on line 1"),
        ("{\"prompt\":\"a\",\"guidance_scale\":50}\n", "line 1: guidance_scale 50 is out of range"),
        ("   \n\t\n", "no prompts"),
    ])
    func badLinesAreRefusedBeforeAnythingIsSent(file: String, message: String) async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let list = w.root + "/bad.jsonl"
        write(file, to: list)
        let r = try w.run(["generate", "--prompts", list, "-o", w.out + "/lib"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        #expect(w.server.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: w.out + "/lib/manifest.jsonl"))
    }

    @Test func promptsFromStandardInput() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let env = w.environment.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let result = try LTXAudioBinary.runThroughShell(
            "printf 'first clip\\nsecond clip\\n' | env \(env) \"$0\" generate --prompts - -o \"$1\" --queue-url \"$2\" --no-master",
            arguments: [w.out + "/lib", w.server.baseURL])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(files(w.out + "/lib") == ["first-clip.original.wav", "manifest.jsonl", "second-clip.original.wav"])
        let lines = try manifest(w.out + "/lib")
        #expect(lines.allSatisfy { $0["status"] as? String == "downloaded" })
    }

    @Test func anOutputThatIsNotFromTheBatchIsRefusedBeforePaying() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let list = w.root + "/p.txt"
        write("one\ntwo\n", to: list)
        try FileManager.default.createDirectory(atPath: w.out + "/lib", withIntermediateDirectories: true)
        write("mine", to: w.out + "/lib/two.wav")
        let r = try w.run(["generate", "--prompts", list, "-o", w.out + "/lib"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("line 2:") && r.stderr.contains("two.wav already exists"), "\(r.stderr)")
        #expect(w.server.requests.isEmpty)
        #expect(FileManager.default.contents(atPath: w.out + "/lib/two.wav") == Data("mine".utf8))
    }

    @Test func aClipThatFalFailedIsSubmittedAgainOnTheReRun() async throws {
        var sc = FakeFalServer.Scenario()
        sc.completedError = "Safety checker flagged the output"
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let list = w.root + "/p.jsonl"
        write(#"{"prompt":"a bell","name":"bell"}"# + "\n", to: list)
        let lib = w.out + "/lib"
        let first = try w.run(["generate", "--prompts", list, "-o", lib])
        #expect(first.status == 1, "\(first.stderr)")
        #expect(try manifest(lib).first?["status"] as? String == "failed")
        #expect((try manifest(lib).first?["error"] as? String)?.contains("Safety checker flagged") == true)
        var fixed = w.server.scenario
        fixed.completedError = nil
        w.server.scenario = fixed
        let again = try w.run(["generate", "--prompts", list, "-o", lib])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(w.server.requests(.submit).count == 2, "fal ended the first request without a result")
        #expect(files(lib) == ["bell.original.wav", "bell.wav", "manifest.jsonl"])
        #expect(try manifest(lib).last?["status"] as? String == "mastered")
    }

    @Test func noWaitSubmitsTheBatchAndTheSameCommandCollectsIt() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let list = w.root + "/p.txt"
        write("one\ntwo\nthree\n", to: list)
        let lib = w.out + "/lib"
        let submitted = try w.run(["generate", "--prompts", list, "-o", lib, "--no-wait", "--json"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout.split(separator: "\n").count == 3)
        #expect(w.server.requests(.submit).count == 3 && w.server.requests(.status).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: lib + "/manifest.jsonl"))
        let collected = try w.run(["generate", "--prompts", list, "-o", lib, "--concurrency", "3"])
        #expect(collected.status == 0, "\(collected.stderr)")
        #expect(w.server.requests(.submit).count == 3, "collected, not resubmitted")
        #expect(files(lib) == ["manifest.jsonl", "one.original.wav", "one.wav", "three.original.wav", "three.wav", "two.original.wav", "two.wav"])
        #expect(try manifest(lib).count == 3)
    }

    @Test func aBatchKilledPartWayIsResumedWithoutPayingTwice() async throws {
        var sc = FakeFalServer.Scenario()
        sc.queuePositions = [2, 1, 0]  // about 1.75 s per clip at the CLI's poll interval
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let list = w.root + "/six.txt"
        write((1...6).map { "clip number \($0)" }.joined(separator: "\n") + "\n", to: list)
        let lib = w.out + "/lib"
        // One at a time, so that the next submit comes a whole clip after the kill.
        let args = ["generate", "--prompts", list, "-o", lib, "--concurrency", "1"]
        let (p, errPath) = try w.spawn(args)
        // Kill once three requests are recorded in the journal: two clips are done, the third
        // is in flight, the rest are not submitted yet. A thread of its own watches, so that
        // tests blocking the shared task threads cannot delay the kill.
        let pid = p.processIdentifier
        let journalPath = w.journalPath
        let watcher = Thread {
            let end = Date().addingTimeInterval(60)
            while Date() < end {
                if let d = FileManager.default.contents(atPath: journalPath),
                    let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any],
                    ((o["requests"] as? [Any])?.count ?? 0) >= 3
                {
                    break
                }
                usleep(2000)
            }
            kill(pid, SIGKILL)
        }
        watcher.start()
        p.waitUntilExit()
        let firstStderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        let submittedBeforeKill = w.server.requests(.submit).count
        #expect(submittedBeforeKill == 3, "\(firstStderr)")
        let doneBefore = files(lib).filter { $0.hasSuffix(".wav") && !$0.contains(".original.") }.count
        #expect(doneBefore == 2, "\(files(lib))")

        let again = try w.run(args, timeout: 120)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(w.server.requests(.submit).count == 6, "exactly one submit per prompt: \(again.stderr)")
        #expect(again.stderr.contains("submitted earlier as request"), "the in-flight clip is fetched, not resubmitted: \(again.stderr)")
        for i in 1...6 {
            #expect(files(lib).contains("clip-number-\(i).wav"), "\(files(lib))")
            #expect(files(lib).contains("clip-number-\(i).original.wav"))
        }
        #expect(!files(lib).contains { $0.contains("original-2") }, "no clip downloaded twice")
        let lines = try manifest(lib)
        #expect(lines.count == 6, "one manifest line per clip: \(lines)")
        #expect(Set(lines.compactMap { $0["name"] as? String }).count == 6)
        #expect(Set(lines.compactMap { $0["request_id"] as? String }) == Set(w.server.jobIDs))

        let third = try w.run(args)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(w.server.requests(.submit).count == 6, "a finished batch submits nothing")
        #expect(third.stderr.components(separatedBy: "already done").count == 7)
        #expect(try manifest(lib).count == 6)
        w.checkNoKey([again, third])
    }
}
