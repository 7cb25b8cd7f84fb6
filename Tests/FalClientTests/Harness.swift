import FakeFalServer
import FalClient
import Foundation
import Testing

/// A distinctive key that must never show up in anything the client writes or throws.
let testKey = "falkey-7Q3xV9LEAKCHECK:s3cr3tZZ81WWDONOTSHOW"

/// Thread-safe collector of progress events.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [FalProgressEvent] = []
    var handler: FalEventHandler { { [self] e in lock.withLock { items.append(e) } } }
    var events: [FalProgressEvent] { lock.withLock { items } }
    var logs: [String] { events.compactMap { if case .log(let l) = $0 { l } else { nil } } }
    var positions: [Int?] { events.compactMap { if case .queued(let p) = $0 { p } else { nil } } }
    var retries: [(String, Duration)] {
        events.compactMap { if case .retrying(let op, _, let d, _) = $0 { (op, d) } else { nil } }
    }
}

/// A fake server, a client pointed at it with fast retries, and a scratch folder.
final class Harness: @unchecked Sendable {
    let server: FakeFalServer
    let client: FalQueueClient
    let events = EventLog()
    let dir: String
    /// The clock the client sleeps on: no test waits for a backoff.
    let clock: RecordingClock
    private let lock = NSLock()
    private var _texts: [String] = []
    var texts: [String] { lock.withLock { _texts } }

    init(server: FakeFalServer, client: FalQueueClient, dir: String, clock: RecordingClock) {
        self.server = server
        self.client = client
        self.dir = dir
        self.clock = clock
    }

    static func with(
        _ scenario: FakeFalServer.Scenario = .init(), configure: (inout FalConfiguration) -> Void = { _ in },
        _ body: (Harness) async throws -> Void
    ) async throws {
        var sc = scenario
        if sc.expectedKey == nil { sc.expectedKey = testKey }
        let server = try await FakeFalServer(scenario: sc).start()
        var config = try FalConfiguration(queueURL: server.baseURL)
        config.retry = FalRetryPolicy(baseDelay: .milliseconds(1), maxDelay: .milliseconds(20))
        config.pollInterval = .milliseconds(2)
        // Retries wait on the recording clock, not in real time; the cancel's deadline is real
        // time, and a loaded test run (two cores, other suites launching binaries) can keep a
        // test's task from running for many seconds: give it room, so nothing here depends on
        // how busy the machine is.
        config.cancelTimeout = .seconds(600)
        let clock = RecordingClock()
        config.clock = clock
        config.jitterSource = { _ in 1.0 }
        configure(&config)
        let client = FalQueueClient(credentials: try FalCredentials(key: testKey), configuration: config)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("falclient-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        let h = Harness(server: server, client: client, dir: dir, clock: clock)
        do {
            try await body(h)
        } catch {
            await client.shutdown()
            await server.stop()
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
        h.checkNoKeyLeaked()
        await client.shutdown()
        await server.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    var outDir: String { dir + "/out" }

    static let input = LTXTextToAudioInput(prompt: "rain on a tin roof", numFrames: 121, seed: 7)

    /// Runs `body`, expecting a `FalError`; records its text for the key check.
    func expectError(
        _ code: FalError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
    ) async -> FalError? {
        do {
            try await body()
            Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
            return nil
        } catch let e as FalError {
            lock.withLock { _texts += [e.description, e.shortDescription, String(describing: e), String(reflecting: e)] }
            #expect(e.code == code, "got \(e.code): \(e)", sourceLocation: sourceLocation)
            #expect(!e.description.contains("\n"), sourceLocation: sourceLocation)
            return e
        } catch {
            Issue.record("expected FalError \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The key (or either half) appears in no error, event or file, and only in the
    /// Authorization header of requests to the queue.
    func checkNoKeyLeaked(sourceLocation: SourceLocation = #_sourceLocation) {
        let secrets = [testKey] + testKey.split(separator: ":").map(String.init)
        var all = texts + events.events.map { String(describing: $0) }
        if let names = FileManager.default.enumerator(atPath: dir) {
            for case let name as String in names {
                all.append(name)
                if let data = FileManager.default.contents(atPath: dir + "/" + name) {
                    all.append(String(decoding: data, as: UTF8.self))
                }
            }
        }
        for text in all {
            for s in secrets {
                #expect(!text.contains(s), "key leaked into: \(text.prefix(200))", sourceLocation: sourceLocation)
            }
        }
        for r in server.requests {
            let withoutAuth = r.headers.filter { $0.name.lowercased() != "authorization" }.map { "\($0.name): \($0.value)" }
            let text = r.method + r.path + (r.query ?? "") + withoutAuth.joined() + r.bodyText
            for s in secrets { #expect(!text.contains(s), "key sent outside the header: \(r)", sourceLocation: sourceLocation) }
            if r.route == .file {
                #expect(r.header("authorization") == nil, "key sent to the file host", sourceLocation: sourceLocation)
            }
        }
    }
}

/// A small valid WAV (16-bit mono silence with a ramp).
func smallWAV(frames: Int = 800) -> [UInt8] {
    var b: [UInt8] = []
    func u32(_ v: UInt32) { b += withUnsafeBytes(of: v.littleEndian, Array.init) }
    func u16(_ v: UInt16) { b += withUnsafeBytes(of: v.littleEndian, Array.init) }
    b += Array("RIFF".utf8); u32(UInt32(36 + frames * 2)); b += Array("WAVE".utf8)
    b += Array("fmt ".utf8); u32(16); u16(1); u16(1); u32(16000); u32(32000); u16(2); u16(16)
    b += Array("data".utf8); u32(UInt32(frames * 2))
    for i in 0..<frames { u16(UInt16(bitPattern: Int16(truncatingIfNeeded: (i % 100) * 50))) }
    return b
}
