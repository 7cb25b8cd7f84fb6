import FakeFalServer
import FalClient
import Foundation
import LTXAudioApp
import Testing

/// Bad answers to repeatable calls, the one retry loop, the start timeout, priority, webhook,
/// cancel outcomes and connection errors.
@Suite struct ReliabilityTests {
    static let cutOffStatus = #"{"status":"IN_PROGRESS","logs":[{"message":"step"#

    @Test func cutOffStatusBodyIsRetried() async throws {
        try await Harness.with { h in
            h.server.script(.status, .json(200, Self.cutOffStatus), .json(202, "not json at all"), .json(200, #"{"queue_position":3}"#))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle, events: h.events.handler)
            #expect(h.events.events.last == .completed)
            #expect(h.events.retries.filter { $0.0 == "checking the status" }.count == 3)
            #expect(h.server.requests(.status).count == 7 + 3)
        }
    }

    @Test func statusAnswerCutOffMidTransferIsRetried() async throws {
        try await Harness.with { h in
            let body = Array(#"{"status":"IN_QUEUE","queue_position":2,"logs":[]}"#.utf8)
            h.server.script(.status, .truncated(status: 200, headers: [("Content-Type", "application/json")], body: body, sendBytes: 12))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle, events: h.events.handler)
            #expect(h.events.events.last == .completed)
            #expect(h.events.retries.count == 1)
        }
    }

    @Test func cutOffResultIsRetried() async throws {
        try await Harness.with { h in
            h.server.script(.result, .json(200, #"{"audio":{"url":"http://127.0.0.1/fi"#), .json(200, #"{"seed":1}"#))
            let (_, out) = try await h.client.subscribe(
                .ltxTextToAudio, input: Harness.input, as: LTXTextToAudioOutput.self, events: h.events.handler)
            #expect(out.seed == 7)
            #expect(h.server.requests(.result).count == 3)
            #expect(h.events.retries.filter { $0.0 == "fetching the result" }.count == 2)
        }
    }

    @Test func resultUnreadableForeverNamesTheRequest() async throws {
        try await Harness.with(configure: { $0.retry.maxAttempts = 4 }) { h in
            for _ in 0..<4 { h.server.script(.result, .json(200, #"{"audio":"#)) }
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle)
            let e = await h.expectError(.badResponse) { let _: LTXTextToAudioOutput = try await h.client.result(handle) }
            #expect(e?.requestID == handle.requestID)
            #expect(e?.description.contains(handle.requestID) == true)
            #expect(e?.description.contains("after 4 attempts") == true)
            #expect(h.server.requests(.result).count == 4)
            #expect(h.server.requests(.submit).count == 1, "never resubmitted")
        }
    }

    @Test func cutOffCancelAnswerIsRetried() async throws {
        var sc = FakeFalServer.Scenario()
        sc.holdInQueue = true
        try await Harness.with(sc) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            h.server.script(.cancel, .json(202, #"{"status":"CANCELLATION_REQ"#))
            #expect(try await h.client.cancel(handle, events: h.events.handler) == .accepted("CANCELLATION_REQUESTED"))
            #expect(h.server.requests(.cancel).count == 2)
            #expect(h.events.retries.first?.0 == "cancelling")
        }
    }

    @Test func cancelUnreadableForeverIsReported() async throws {
        try await Harness.with(configure: { $0.retry.maxAttempts = 3 }) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            for _ in 0..<3 { h.server.script(.cancel, .text(200, "<html>proxy</html>")) }
            let e = await h.expectError(.badResponse) { _ = try await h.client.cancel(handle) }
            #expect(e?.description.contains("cancel") == true)
            #expect(h.server.requests(.cancel).count == 3)
        }
    }

    @Test(arguments: [
        (200, #"{"status":"OK"}"#, FalCancelOutcome.accepted("OK")),
        (202, #"{"status":"CANCELLATION_REQUESTED"}"#, .accepted("CANCELLATION_REQUESTED")),
        (200, #"{"status":"ALREADY_COMPLETED"}"#, .alreadyCompleted),
        (400, #"{"status":"ALREADY_COMPLETED"}"#, .alreadyCompleted),
        (200, #"{"status":"NOT_FOUND"}"#, .notFound),
        (404, #"{"detail":"Not Found"}"#, .notFound),
    ])
    func cancelIsJudgedByItsJSONStatus(code: Int, body: String, outcome: FalCancelOutcome) async throws {
        try await Harness.with { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            h.server.script(.cancel, .json(code, body))
            #expect(try await h.client.cancel(handle) == outcome)
        }
    }

    @Test func oneRetryLoopWithTheInjectedClockAndJitter() async throws {
        try await Harness.with(configure: { $0.jitterSource = { range in range.upperBound } }) { h in
            h.server.script(.status, .ingress(503), .json(200, "{"), .closeWithoutResponse)
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            _ = try await h.client.status(handle, events: h.events.handler)
            // base 1 ms doubling, times the jitter 1.5, capped at 20 ms: 1.5, 3, 6 ms.
            #expect(h.events.retries.map(\.1) == [.microseconds(1500), .milliseconds(3), .milliseconds(6)])
            #expect(h.clock.sleeps == [.microseconds(1500), .milliseconds(3), .milliseconds(6)])
        }
    }

    @Test func submitOptionsGoOutAsHeadersAndQuery() async throws {
        try await Harness.with { h in
            let options = FalSubmitOptions(startTimeout: .seconds(30), priority: .low, webhookURL: "https://example.com/hook?a=1&b=2")
            _ = try await h.client.submit(.ltxTextToAudio, input: Harness.input, options: options)
            let submit = try #require(h.server.requests(.submit).first)
            #expect(submit.header("x-fal-request-timeout") == "30.0")
            #expect(submit.header("x-fal-queue-priority") == "low")
            #expect(submit.query == "fal_webhook=https%3A%2F%2Fexample.com%2Fhook%3Fa%3D1%26b%3D2")
            #expect(submit.path == "/fal-ai/ltx-2.3-quality/text-to-audio")
            _ = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let plain = try #require(h.server.requests(.submit).last)
            #expect(plain.header("x-fal-request-timeout") == nil && plain.header("x-fal-queue-priority") == nil && plain.query == nil)
        }
    }

    @Test(arguments: [
        (FalSubmitOptions(startTimeout: .seconds(1)), "start_timeout"),
        (FalSubmitOptions(startTimeout: .milliseconds(500)), "start_timeout"),
        (FalSubmitOptions(webhookURL: "http://example.com/hook"), "webhook"),
        (FalSubmitOptions(webhookURL: "not a url"), "webhook"),
    ])
    func badSubmitOptionsAreRefusedBeforeSending(options: FalSubmitOptions, field: String) async throws {
        try await Harness.with { h in
            let e = await h.expectError(.invalidInput) { _ = try await h.client.submit(.ltxTextToAudio, input: Harness.input, options: options) }
            #expect(e?.field == field)
            #expect(h.server.requests.isEmpty)
        }
    }

    @Test func startTimeoutExpiryIsFinal() async throws {
        var sc = FakeFalServer.Scenario()
        sc.holdInQueue = true
        try await Harness.with(sc) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input, options: FalSubmitOptions(startTimeout: .seconds(2)))
            h.server.script(
                .status,
                .respond(
                    status: 504, headers: [("X-Fal-Request-Timeout-Type", "user"), ("x-fal-request-id", handle.requestID)],
                    body: Array(#"{"detail":"Request timed out","error_type":"request_timeout"}"#.utf8)))
            let e = await h.expectError(.startTimeout) { try await h.client.waitForCompletion(handle, events: h.events.handler) }
            #expect(e?.description.contains("did not start in time") == true)
            #expect(e?.description.contains(handle.requestID) == true)
            #expect(h.server.requests(.status).count == 1, "not retried")
            #expect(h.server.requests(.submit).count == 1, "not resubmitted")
            #expect(h.events.retries.isEmpty)
        }
    }

    @Test func refusedConnectionIsNamed() async throws {
        // A port that was just free: nothing listens there.
        let gone = try await FakeFalServer().start()
        let port = gone.port
        await gone.stop()
        var config = try FalConfiguration(queueURL: "http://127.0.0.1:\(port)")
        config.retry = FalRetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        config.clock = RecordingClock()
        // AsyncHTTPClient itself keeps trying to connect until the connect timeout; keep it short.
        config.connectTimeout = .milliseconds(300)
        let client = FalQueueClient(credentials: try FalCredentials(key: testKey), configuration: config)
        defer { Task { await client.shutdown() } }
        do {
            _ = try await client.submit(.ltxTextToAudio, input: Harness.input)
            Issue.record("the submit should fail")
        } catch let e as FalError {
            #expect(e.code == .transport, "\(e)")
            #expect(e.description.contains("127.0.0.1:\(port)"), "\(e)")
            #expect(e.description.contains("connection refused"), "\(e)")
            #expect(e.description.contains("3 attempts"), "a refused connection sent nothing, so it is retried: \(e)")
            #expect(!e.description.contains("timed out"))
        }
    }
}
