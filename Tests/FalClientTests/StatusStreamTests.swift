import FakeFalServer
import FalClient
import Foundation
import Testing

/// Following the status stream, and falling back to polling.
@Suite struct StatusStreamTests {
    func streaming(_ configure: (inout FakeFalServer.Scenario) -> Void = { _ in }) -> FakeFalServer.Scenario {
        var sc = FakeFalServer.Scenario()
        sc.offersStatusStream = true
        configure(&sc)
        return sc
    }

    var fallbacks: (EventLog) -> [String] {
        { log in log.events.compactMap { if case .streamFallback(let r) = $0 { r } else { nil } } }
    }

    @Test func streamDeliversPositionsLogsAndCompletionWithoutPolling() async throws {
        try await Harness.with(streaming()) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let done = try await h.client.waitForCompletion(handle, events: h.events.handler)
            #expect(done.status == "COMPLETED")
            #expect(h.events.positions == [2, 1, 0])
            #expect(h.events.logs == ["loading model", "step 8/15", "step 15/15"])
            #expect(h.events.events.last == .completed)
            #expect(h.server.requests(.status).isEmpty, "no polling")
            let stream = try #require(h.server.requests(.stream).first)
            #expect(stream.path == "/fal-ai/ltx-2.3-quality/requests/\(handle.requestID)/status/stream")
            #expect(stream.query == "logs=1")
            #expect(stream.header("accept") == "text/event-stream")
            #expect(stream.header("authorization") == "Key " + testKey)
            #expect(fallbacks(h.events).isEmpty)
        }
    }

    @Test func heldInTheQueueTheStreamWaitsThenCompletes() async throws {
        try await Harness.with(streaming { $0.holdInQueue = true }) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let server = h.server
            let releaser = Task {
                try await Task.sleep(for: .milliseconds(300))
                server.release()
            }
            try await h.client.waitForCompletion(handle, events: h.events.handler)
            try await releaser.value
            // Held at position 0 (keep-alive comments are not events), then the fake job runs.
            #expect(h.events.positions.first == 0)
            #expect(h.events.logs == ["loading model", "step 8/15", "step 15/15"])
            #expect(h.events.events.last == .completed)
            #expect(h.server.requests(.status).isEmpty)
        }
    }

    @Test(arguments: [404, 405])
    func refusedStreamFallsBackToPolling(code: Int) async throws {
        try await Harness.with(streaming()) { h in
            h.server.script(.stream, .json(code, #"{"detail":"Method Not Allowed"}"#))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle, events: h.events.handler)
            #expect(fallbacks(h.events) == ["the status stream was refused (HTTP \(code))"])
            #expect(h.server.requests(.status).count == 7)
            #expect(h.events.logs == ["loading model", "step 8/15", "step 15/15"])
        }
    }

    @Test func brokenStreamFallsBackWithoutRepeatingWhatItShowed() async throws {
        try await Harness.with(streaming { $0.streamBreaksAfter = 4 }) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle, events: h.events.handler)
            #expect(fallbacks(h.events).first?.hasPrefix("the status stream broke") == true, "\(fallbacks(h.events))")
            #expect(h.events.positions.first == 2)
            #expect(h.events.logs == ["loading model", "step 8/15", "step 15/15"], "each log line once")
            #expect(h.events.events.last == .completed)
            #expect(!h.server.requests(.status).isEmpty)
        }
    }

    @Test func streamEndingBeforeCompletionFallsBack() async throws {
        try await Harness.with(streaming { $0.streamEndsAfter = 2 }) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle, events: h.events.handler)
            #expect(fallbacks(h.events) == ["the status stream ended before the request completed"])
            #expect(h.events.events.last == .completed)
        }
    }

    @Test func completedWithErrorOnTheStreamIsAFailure() async throws {
        try await Harness.with(streaming { $0.completedError = "CUDA out of memory" }) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let e = await h.expectError(.jobFailed) { try await h.client.waitForCompletion(handle) }
            #expect(e?.description.contains("CUDA out of memory") == true)
            #expect(h.server.requests(.status).isEmpty)
        }
    }

    @Test func pollingOnlyWhenAsked() async throws {
        try await Harness.with(streaming(), configure: { $0.statusStream = false }) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle)
            #expect(h.server.requests(.stream).isEmpty)
            #expect(h.server.requests(.status).count == 7)
        }
    }
}
