import FakeFalServer
import FalClient
import FileSafety
import Foundation
import LTXAudioApp
import Testing
import TestSupport

/// Collects what a console prints, for the assertions.
final class ConsoleCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var out = "", err = ""
    var console: Console {
        Console(output: { [self] t in lock.withLock { out += t } }, error: { [self] t in lock.withLock { err += t } })
    }
    var standardOutput: String { lock.withLock { out } }
    var standardError: String { lock.withLock { err } }
}

/// What a stub masterer was asked to do.
final class MastererCalls: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [(original: String, output: String, tags: ClipTags)] = []
    func add(_ original: String, _ output: String, _ tags: ClipTags) { lock.withLock { calls.append((original, output, tags)) } }
    var all: [(original: String, output: String, tags: ClipTags)] { lock.withLock { calls } }
}

/// The generation service in-process, against the fake fal queue on 127.0.0.1, with a stub
/// masterer: the app's logic without launching the binary or mastering audio.
@Suite struct GenerationServiceTests {
    let key = "falkey-APPTEST:s3cr3tNOTTOBEPRINTED"

    struct World {
        let server: FakeFalServer
        let folder: TemporaryFolder
        let client: FalQueueClient
        let journal: Journal
        let capture = ConsoleCapture()
        var out: String { folder.path + "/out" }
        func close() async {
            await client.shutdown()
            await server.stop()
            folder.remove()
        }
    }

    func world(_ scenario: FakeFalServer.Scenario = FakeFalServer.Scenario()) async throws -> World {
        var scenario = scenario
        scenario.expectedKey = key
        let server = try await FakeFalServer(scenario: scenario).start()
        let folder = try TemporaryFolder("generation-service")
        try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: true)
        var config = try FalConfiguration(queueURL: server.baseURL)
        config.retry = FalRetryPolicy(baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
        config.pollInterval = .milliseconds(2)
        let client = FalQueueClient(credentials: try FalCredentials(key: key), configuration: config)
        return World(server: server, folder: folder, client: client, journal: Journal(path: folder.path + "/state/requests.json"))
    }

    func service(_ w: World, calls: MastererCalls?, fail: Bool = false) -> GenerationService {
        let masterer: ClipMasterer? = calls.map { calls in
            { @Sendable original, output, tags in
                calls.add(original, output, tags)
                if fail { throw GenerationError("the stub refuses") }
                try Data("mastered".utf8).write(to: URL(fileURLWithPath: output))
                return MasterOutcome(output: output, loudnessBefore: -30, loudnessAfter: -14)
            }
        }
        return GenerationService(client: w.client, journal: w.journal, console: w.capture.console, masterer: masterer)
    }

    @Test func aClipIsSubmittedFollowedDownloadedKeptAndMastered() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = FakeFalServer.toneWAV(sampleRate: 48000, channels: 2, seconds: 0.5)
        let w = try await world(sc)
        let calls = MastererCalls()
        var input = LTXTextToAudioInput(prompt: "rain on a tin roof")
        input.seed = 7
        let reports = await service(w, calls: calls).generate(GenerationPlan(input: input, output: w.out + "/rain.flac"))
        let id = try #require(w.server.jobIDs.first)
        #expect(reports.count == 1 && reports[0].status == .mastered, "\(reports)")
        #expect(reports[0].output == w.out + "/rain.flac" && reports[0].original == w.out + "/rain.original.wav")
        #expect(reports[0].loudnessAfter == -14 && reports[0].requestID == id)
        #expect(try Data(contentsOf: URL(fileURLWithPath: w.out + "/rain.original.wav")) == Data(sc.audio), "the original as fal sent it")
        let call = try #require(calls.all.first)
        #expect(calls.all.count == 1 && call.original == w.out + "/rain.original.wav" && call.output == w.out + "/rain.flac")
        #expect(call.tags.prompt == "rain on a tin roof" && call.tags.requestID == id)
        let entry = try #require(try w.journal.entry(id))
        #expect(entry.status == .mastered && entry.original == w.out + "/rain.original.wav")
        #expect(w.capture.standardError.contains("submitted request \(id)"))
        #expect(!(w.capture.standardError + w.capture.standardOutput).contains(key), "the key is never printed")
        #expect(w.server.requests(.submit).count == 1)
        await w.close()
    }

    @Test func aMasteringFailureKeepsTheOriginalAndSaysWhere() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = FakeFalServer.toneWAV(sampleRate: 24000, channels: 2, seconds: 0.5)
        let w = try await world(sc)
        let reports = await service(w, calls: MastererCalls(), fail: true)
            .generate(GenerationPlan(input: LTXTextToAudioInput(prompt: "x"), output: w.out + "/x.wav"))
        #expect(reports[0].status == .failed)
        #expect(reports[0].error?.contains("the original is kept at \(w.out)/x.original.wav") == true, "\(reports[0].error ?? "")")
        #expect(FileManager.default.fileExists(atPath: w.out + "/x.original.wav"))
        #expect(!FileManager.default.fileExists(atPath: w.out + "/x.wav"))
        #expect(try w.journal.entries().first?.original == w.out + "/x.original.wav", "the journal knows where the paid result is")
        await w.close()
    }

    @Test func severalClipsGoToAFolderNamedByPromptAndSeed() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = FakeFalServer.toneWAV(sampleRate: 48000, channels: 1, seconds: 0.2)
        let w = try await world(sc)
        let calls = MastererCalls()
        var plan = GenerationPlan(input: LTXTextToAudioInput(prompt: "A door creaks"), output: w.out + "/")
        plan.input.seed = 10
        plan.count = 3
        plan.requests.concurrency = 2
        plan.requests.masterExtension = "flac"
        let reports = await service(w, calls: calls).generate(plan)
        #expect(reports.map(\.status) == [.mastered, .mastered, .mastered])
        #expect(calls.all.count == 3)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: w.out))
        #expect(names.isSuperset(of: ["a-door-creaks-seed10.flac", "a-door-creaks-seed11.flac", "a-door-creaks-seed12.flac"]), "\(names)")
        #expect(w.server.requests(.submit).count == 3)
        #expect(try w.journal.entries().count == 3)
        await w.close()
    }

    @Test func withoutAMastererOnlyTheOriginalIsKept() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = FakeFalServer.toneWAV(sampleRate: 48000, channels: 2, seconds: 0.2)
        let w = try await world(sc)
        let reports = await service(w, calls: nil).generate(GenerationPlan(input: LTXTextToAudioInput(prompt: "x"), output: w.out + "/x.wav"))
        #expect(reports[0].status == .downloaded && reports[0].output == w.out + "/x.original.wav")
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.out) == ["x.original.wav"])
        await w.close()
    }

    @Test func anExistingOutputFileIsRefusedBeforeAnythingIsPaidFor() async throws {
        let w = try await world()
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: w.out + "/x.wav"))
        let reports = await service(w, calls: MastererCalls()).generate(GenerationPlan(input: LTXTextToAudioInput(prompt: "x"), output: w.out + "/x.wav"))
        #expect(reports[0].status == .failed && reports[0].error?.contains("already exists") == true)
        #expect(w.server.requests(.submit).isEmpty, "nothing submitted, nothing paid")
        #expect(try String(contentsOfFile: w.out + "/x.wav", encoding: .utf8) == "keep me")
        await w.close()
    }
}

/// The request journal: the state that makes `resume` and re-run batches possible.
@Suite struct JournalTests {
    @Test func entriesAreRecordedUpdatedAndKeptPrivate() throws {
        let dir = try TemporaryFolder("journal")
        defer { dir.remove() }
        let journal = Journal(path: dir.file("state/requests.json"))
        #expect(try journal.entries().isEmpty, "no file yet: no entries")
        try journal.record(JournalEntry(requestID: "r1", endpoint: "fal-ai/x", input: LTXTextToAudioInput(prompt: "p"),
                                        queueURL: "https://queue.fal.run", output: "out.wav"))
        try journal.update("r1") { $0.status = .downloaded; $0.original = "out.original.wav" }
        let entry = try #require(try journal.entry("r1"))
        #expect(entry.status == .downloaded && entry.original == "out.original.wav" && entry.input.prompt == "p")
        var st = stat()
        #expect(stat(journal.path, &st) == 0 && st.st_mode & 0o777 == 0o600, "only its owner reads it")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("state")).sorted() == ["requests.json", "requests.json.lock"],
                "no temporary file left beside the journal and its lock")
    }

    @Test func concurrentWritersLoseNothing() async throws {
        let dir = try TemporaryFolder("journal-concurrent")
        defer { dir.remove() }
        let journal = Journal(path: dir.file("requests.json"))
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask {
                    try? journal.record(JournalEntry(requestID: "r\(i)", endpoint: "e", input: LTXTextToAudioInput(prompt: "\(i)"),
                                                     queueURL: "q", output: "o"))
                }
            }
        }
        #expect(try Set(journal.entries().map(\.requestID)) == Set((0..<40).map { "r\($0)" }))
    }

    @Test func theNewestEntriesAreKept() throws {
        let dir = try TemporaryFolder("journal-trim")
        defer { dir.remove() }
        let journal = Journal(path: dir.file("requests.json"), maxEntries: 5)
        for i in 0..<8 {
            try journal.record(JournalEntry(requestID: "r\(i)", endpoint: "e", input: LTXTextToAudioInput(prompt: "\(i)"),
                                            queueURL: "q", output: "o", status: .mastered))
        }
        #expect(try journal.entries().map(\.requestID) == ["r3", "r4", "r5", "r6", "r7"])
    }

    @Test func aDamagedJournalIsAnErrorThatNamesIt() throws {
        let dir = try TemporaryFolder("journal-damaged")
        defer { dir.remove() }
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: dir.file("requests.json")))
        let journal = Journal(path: dir.file("requests.json"))
        #expect { try journal.entries() } throws: { "\($0)".contains(dir.file("requests.json")) }
    }
}
