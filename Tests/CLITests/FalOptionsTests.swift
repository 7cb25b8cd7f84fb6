import AudioIO
import FakeFalServer
import FalClient
import LTXAudioApp
import Foundation
import Testing
import TestSupport

/// `generate`'s queue options against the fake server: start timeout, priority, webhook,
/// `--no-wait` then `resume`, the status stream and `--poll`, 48 kHz stereo results.
@Suite struct FalOptionsTests {
    @Test func startTimeoutIsSentAndItsExpiryIsFinal() async throws {
        var sc = FakeFalServer.Scenario()
        sc.holdInQueue = true
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav", "--start-timeout", "1.5"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("did not start in time"), "\(r.stderr)")
        #expect(!r.stderr.contains("finish it later"), "nothing to resume: fal gave up on it")
        #expect(w.server.requests(.submit).count == 1)
        #expect(w.server.requests(.submit).first?.header("x-fal-request-timeout") == "1.500")
        #expect(w.server.requests(.cancel).isEmpty)
        #expect(w.outFiles.isEmpty)
        #expect(try w.journal().first?["status"] as? String == "failed")
        for bad in ["1", "0.5", "-3", "nan"] {
            let refused = try w.run(["generate", "x", "-o", w.out + "/y.wav", "--start-timeout", bad])
            #expect(refused.status == 64 && refused.stderr.contains("--start-timeout"), "\(bad): \(refused.stderr)")
        }
        #expect(w.server.requests(.submit).count == 1)
        w.checkNoKey([r])
    }

    @Test func priorityHeader() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav", "--priority", "low", "--no-master"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(w.server.requests(.submit).first?.header("x-fal-queue-priority") == "low")
        let bad = try w.run(["generate", "x", "-o", w.out + "/y.wav", "--priority", "urgent"])
        #expect(bad.status == 64 && bad.stderr.contains("priority"), "\(bad.stderr)")
        #expect(w.server.requests(.submit).count == 1)
    }

    @Test func webhookAndNoWaitThenResume() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        let hook = "https://hooks.example.com/fal?token=abc"
        let r = try w.run(["generate", "thunder", "-o", w.out + "/thunder.wav", "--webhook", hook, "--no-wait", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let id = try #require(w.server.jobIDs.first)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["request_id"] as? String == id)
        #expect(o["status"] as? String == "submitted")
        #expect(r.stderr.contains("ltx-audio resume \(id)"))
        #expect(w.server.requests(.submit).first?.query == "fal_webhook=https%3A%2F%2Fhooks.example.com%2Ffal%3Ftoken%3Dabc")
        #expect(w.server.requests(.status).isEmpty && w.server.requests(.stream).isEmpty, "no polling with --no-wait")
        #expect(w.outFiles.isEmpty)
        let entry = try #require(try w.journal().first)
        #expect(entry["webhook"] as? String == hook)
        #expect(entry["status"] as? String == "submitted")

        let plain = try w.run(["generate", "rain", "-o", w.out + "/rain.wav", "--no-wait"])
        #expect(plain.status == 0 && plain.stdout.contains("submitted; fetch and master it with: ltx-audio resume"), "\(plain.stdout)")

        let resumed = try w.run(["resume", id])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(w.outFiles.contains("thunder.wav") && w.outFiles.contains("thunder.original.wav"))
        #expect(w.server.requests(.submit).count == 2, "resume never resubmits")
        let bad = try w.run(["generate", "x", "-o", w.out + "/x.wav", "--webhook", "http://hooks.example.com/x"])
        #expect(bad.status == 64 && bad.stderr.contains("--webhook") && bad.stderr.contains("https"), "\(bad.stderr)")
        w.checkNoKey([r, plain, resumed, bad])
    }

    @Test func statusStreamShowsLogsWithoutPolling() async throws {
        var sc = FakeFalServer.Scenario()
        sc.offersStatusStream = true
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "rain", "-o", w.out + "/rain.wav"])
        #expect(r.status == 0, "\(r.stderr)")
        for text in ["in queue, position 2", "running", "model: loading model", "model: step 15/15", "completed"] {
            #expect(r.stderr.contains(text), "stderr lacks '\(text)': \(r.stderr)")
        }
        #expect(r.stderr.components(separatedBy: "model: step 8/15").count == 2, "each log line once")
        #expect(w.server.requests(.stream).count == 1)
        #expect(w.server.requests(.status).isEmpty)
        #expect(!r.stderr.contains("polling instead"))

        let polled = try w.run(["generate", "rain", "-o", w.out + "/rain2.wav", "--poll"])
        #expect(polled.status == 0, "\(polled.stderr)")
        #expect(w.server.requests(.stream).count == 1, "--poll never opens the stream")
        #expect(w.server.requests(.status).count == 7)
        w.checkNoKey([r, polled])
    }

    @Test func brokenStreamFallsBackToPolling() async throws {
        var sc = FakeFalServer.Scenario()
        sc.offersStatusStream = true
        sc.streamBreaksAfter = 2
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "rain", "-o", w.out + "/rain.wav"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("the status stream broke"), "\(r.stderr)")
        #expect(r.stderr.contains("polling instead"))
        #expect(r.stderr.components(separatedBy: "model: step 8/15").count == 2, "each log line once")
        #expect(!w.server.requests(.status).isEmpty)
        #expect(w.outFiles == ["rain.original.wav", "rain.wav"])
    }

    @Test func cutOffAnswersDoNotLoseThePaidGeneration() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        w.server.script(.status, .json(200, #"{"status":"IN_PROG"#))
        w.server.script(.result, .json(200, #"{"audio":{"url":"#))
        let r = try w.run(["generate", "x", "-o", w.out + "/x.wav"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("checking the status: unreadable answer"), "\(r.stderr)")
        #expect(r.stderr.contains("fetching the result: unreadable answer"), "\(r.stderr)")
        #expect(w.outFiles == ["x.original.wav", "x.wav"])
        #expect(w.server.requests(.submit).count == 1)
    }

    /// In process (the binary's real backoff would take half a minute): the app layer with a
    /// client on fast retries.
    @Test func unreadableAnswersAfterTheBudgetNameTheResumeCommand() async throws {
        let w = try await CLIWorld()
        defer { Task { await w.close() } }
        for _ in 0..<10 { w.server.script(.result, .text(200, "<html>gateway</html>")) }
        var config = try FalConfiguration(queueURL: w.server.baseURL)
        config.retry = FalRetryPolicy(baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
        config.pollInterval = .milliseconds(2)
        let client = FalQueueClient(credentials: try FalCredentials(key: cliKey), configuration: config)
        let lines = LineCollector()
        let service = GenerationService(
            client: client, journal: Journal(path: w.journalPath), console: Console(output: { _ in }, error: { lines.add($0) }), masterer: nil)
        let reports = await service.generate(GenerationPlan(input: LTXTextToAudioInput(prompt: "x"), output: w.out + "/x.wav"))
        await client.shutdown()
        let id = try #require(w.server.jobIDs.first)
        let report = try #require(reports.first)
        #expect(report.status == .failed)
        #expect(report.error?.contains("was unreadable after 10 attempts") == true, "\(report.error ?? "")")
        #expect(report.error?.contains("ltx-audio resume \(id)") == true, "\(report.error ?? "")")
        #expect(lines.text.contains("fetching the result: unreadable answer (HTTP 200); retry 2"))
        #expect(try w.journal().first?["status"] as? String == "failed")
        #expect(w.server.requests(.result).count == 10)

        let resumed = try w.run(["resume", id])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(w.outFiles == ["x.original.wav", "x.wav"])
        #expect(w.server.requests(.submit).count == 1)
    }

    @Test func ltx23FortyEightKilohertzStereo() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = FakeFalServer.toneWAV(sampleRate: 48000, channels: 2, seconds: 2)
        let w = try await CLIWorld(sc)
        defer { Task { await w.close() } }
        let r = try w.run(["generate", "strings", "-o", w.out + "/strings.flac"])
        #expect(r.status == 0, "\(r.stderr)")
        let original = try SoundFileReader(path: w.out + "/strings.original.wav").info
        #expect(original.format.sampleRate == 48000 && original.format.channelCount == 2)
        let mastered = try SoundFileReader(path: w.out + "/strings.flac").info
        #expect(mastered.format.sampleRate == 48000 && mastered.format.channelCount == 2)

        var old = FakeFalServer.Scenario()
        old.audio = FakeFalServer.toneWAV(sampleRate: 24000, channels: 2, seconds: 2)
        w.server.scenario = old
        let r24 = try w.run(["generate", "strings", "-o", w.out + "/old.flac", "--no-master"])
        #expect(r24.status == 0, "\(r24.stderr)")
        #expect(try SoundFileReader(path: w.out + "/old.original.wav").info.format.sampleRate == 24000)
    }
}

/// Progress lines collected in memory.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var add: @Sendable (String) -> Void { { [self] l in lock.withLock { lines.append(l) } } }
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}
