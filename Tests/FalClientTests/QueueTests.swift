import FakeFalServer
import FalClient
import LTXAudioApp
import Foundation
import Testing

@Suite struct QueueTests {
    @Test func normalRunReportsPositionsLogsAndDownloads() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = smallWAV()
        try await Harness.with(sc) { h in
            let (handle, output) = try await h.client.subscribe(
                .ltxTextToAudio, input: Harness.input, as: LTXTextToAudioOutput.self, events: h.events.handler)
            #expect(h.events.positions == [2, 1, 0])
            #expect(h.events.logs == ["loading model", "step 8/15", "step 15/15"])
            #expect(h.events.events.contains(.started))
            #expect(h.events.events.last == .completed)
            #expect(output.seed == 7)
            #expect(output.prompt == "rain on a tin roof")
            #expect(output.audio.fileName == "output.wav")

            let submit = try #require(h.server.requests(.submit).first)
            #expect(submit.method == "POST")
            #expect(submit.path == "/fal-ai/ltx-2.3-quality/text-to-audio")
            #expect(submit.header("authorization") == "Key " + testKey)
            #expect(submit.header("content-type") == "application/json")
            let body = try JSONSerialization.jsonObject(with: Data(submit.body)) as? [String: Any]
            #expect(body?["prompt"] as? String == "rain on a tin roof")
            #expect(body?["num_frames"] as? Int == 121)
            #expect(body?["seed"] as? Int == 7)
            #expect(body?["guidance_scale"] == nil)
            for s in h.server.requests(.status) {
                #expect(s.path == "/fal-ai/ltx-2.3-quality/requests/\(handle.requestID)/status")
                #expect(s.query == "logs=1")
                #expect(s.header("authorization") == "Key " + testKey)
            }
            #expect(h.server.requests(.status).count == 7)

            let file = try await h.client.download(output.audio, to: try DownloadFile(directory: h.outDir, naming: { "clip.original.\($0.fileExtension)" }))
            #expect(file.container == .wav)
            #expect(file.path == h.outDir + "/clip.original.wav")
            #expect(FileManager.default.contents(atPath: file.path).map(Array.init) == smallWAV())
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.outDir) == ["clip.original.wav"])
        }
    }

    @Test func keyFromIDAndSecret() async throws {
        let creds = try FalCredentials.fromEnvironment(["FAL_KEY_ID": "falkey-7Q3xV9LEAKCHECK", "FAL_KEY_SECRET": "s3cr3tZZ81WWDONOTSHOW"])
        #expect(!String(describing: creds).contains("LEAKCHECK"))
        #expect(creds.redact("x falkey-7Q3xV9LEAKCHECK y s3cr3tZZ81WWDONOTSHOW") == "x [redacted] y [redacted]")
        try await Harness.with { h in
            let client = FalQueueClient(credentials: creds, configuration: h.client.configuration)
            _ = try await client.submit(.ltxTextToAudio, input: Harness.input)
            await client.shutdown()
            #expect(h.server.requests(.submit).first?.header("authorization") == "Key " + testKey)
        }
    }

    @Test func missingKeyIsAClearError() throws {
        for env in [[:], ["FAL_KEY": "  "], ["FAL_KEY_ID": "abc"]] as [[String: String]] {
            #expect {
                _ = try FalCredentials.fromEnvironment(env)
            } throws: { e in
                (e as? FalError)?.code == .missingKey && "\(e)".contains("FAL_KEY")
            }
        }
    }

    @Test func retryAfterIsHonoured() async throws {
        try await Harness.with { h in
            h.server.script(.submit, .json(429, #"{"detail":"Too many requests"}"#, headers: [("Retry-After", "1")]))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input, events: h.events.handler)
            // The wait is asked of the injected clock, which does not really sleep.
            #expect(h.clock.sleeps == [.seconds(1)])
            #expect(h.server.requests(.submit).count == 2)
            #expect(h.events.retries.first?.1 ?? .zero >= .seconds(1))
            #expect(h.server.jobIDs == [handle.requestID])
        }
    }

    @Test func retryAfterLongerThanTheLimitStops() async throws {
        try await Harness.with { h in
            h.server.script(.status, .json(429, #"{"detail":"slow down"}"#, headers: [("Retry-After", "3600")]))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let e = await h.expectError(.rateLimited) { _ = try await h.client.status(handle) }
            #expect(e?.description.contains("3600") == true)
        }
    }

    @Test func rateLimitingThatNeverEndsFailsAfterMaxAttempts() async throws {
        try await Harness.with { h in
            for _ in 0..<10 { h.server.script(.status, .json(429, #"{"detail":"Too many requests"}"#)) }
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            _ = await h.expectError(.rateLimited) { _ = try await h.client.status(handle) }
            #expect(h.server.requests(.status).count == 10)
        }
    }

    @Test func ingress503Clears() async throws {
        try await Harness.with { h in
            h.server.script(.submit, .ingress(503))
            h.server.script(.status, .ingress(503), .ingress(502), .normal, .ingress(504))
            let (_, out) = try await h.client.subscribe(
                .ltxTextToAudio, input: Harness.input, as: LTXTextToAudioOutput.self, events: h.events.handler)
            #expect(out.seed == 7)
            #expect(h.server.requests(.submit).count == 2)
            #expect(h.server.jobIDs.count == 1)
            #expect(h.events.retries.count == 4)
            #expect(h.events.positions == [2, 1, 0])
        }
    }

    @Test func ingress504OnSubmitIsNotResubmitted() async throws {
        try await Harness.with { h in
            h.server.script(.submit, .ingress(504))
            let e = await h.expectError(.submitOutcomeUnknown) { _ = try await h.client.submit(.ltxTextToAudio, input: Harness.input) }
            #expect(e?.description.contains("paid job") == true)
            #expect(h.server.requests(.submit).count == 1)
        }
    }

    @Test func serverErrorWithRequestIDIsNotRetried() async throws {
        try await Harness.with { h in
            h.server.script(
                .status,
                .json(500, #"{"detail":"Internal error in runner","error_type":"runner_server_error"}"#, headers: [("x-fal-request-id", "gw-123")]))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let e = await h.expectError(.httpStatus) { try await h.client.waitForCompletion(handle) }
            #expect(h.server.requests(.status).count == 1)
            #expect(e?.httpStatus == 500)
            #expect(e?.description.contains("runner_server_error") == true)
            #expect(e?.description.contains("Internal error in runner") == true)
        }
    }

    @Test func unauthorizedNamesTheKeyVariableAndRedactsTheEcho() async throws {
        var sc = FakeFalServer.Scenario()
        sc.expectedKey = "another-key-entirely"
        try await Harness.with(sc) { h in
            let e = await h.expectError(.unauthorized) { _ = try await h.client.submit(.ltxTextToAudio, input: Harness.input) }
            #expect(e?.description.contains("FAL_KEY") == true)
            #expect(e?.description.contains("[redacted]") == true)
            #expect(e?.httpStatus == 401)
            #expect(h.server.requests.count == 1)
        }
    }

    @Test func validationErrorFromServerNamesTheField() async throws {
        try await Harness.with { h in
            h.server.script(
                .submit,
                .json(422, #"{"detail":[{"loc":["body","num_frames"],"msg":"Input should be less than or equal to 481","type":"less_than_equal","url":"https://x"}]}"#))
            let e = await h.expectError(.validation) { _ = try await h.client.submit(.ltxTextToAudio, input: Harness.input) }
            #expect(e?.field == "num_frames")
            #expect(e?.description.contains("num_frames: Input should be less than or equal to 481") == true)
            #expect(h.server.requests(.submit).count == 1)
        }
    }

    @Test(arguments: [
        #"{"detail":"Prompt is not allowed"}"#, "Bad Request plain text", #"{"error":"nope"}"#,
    ])
    func otherErrorBodiesAreReadable(body: String) async throws {
        try await Harness.with { h in
            h.server.script(.submit, .text(400, body, contentType: "application/json"))
            let e = await h.expectError(.httpStatus) { _ = try await h.client.submit(.ltxTextToAudio, input: Harness.input) }
            let d = e?.description ?? ""
            #expect(d.contains("400"))
            #expect(d.contains("Prompt is not allowed") || d.contains("Bad Request plain text") || d.contains("nope"))
        }
    }

    @Test(arguments: [
        (LTXTextToAudioInput(prompt: "x", numFrames: 500), "num_frames", "500"),
        (LTXTextToAudioInput(prompt: "x", numFrames: 8), "num_frames", "8"),
        (LTXTextToAudioInput(prompt: "x", framesPerSecond: 61), "frames_per_second", "61"),
        (LTXTextToAudioInput(prompt: "x", framesPerSecond: .nan), "frames_per_second", "nan"),
        (LTXTextToAudioInput(prompt: "x", numInferenceSteps: 7), "num_inference_steps", "7"),
        (LTXTextToAudioInput(prompt: "x", guidanceScale: 20.5), "guidance_scale", "20.5"),
        (LTXTextToAudioInput(prompt: "   "), "prompt", "empty"),
        (
            LTXTextToAudioInput(prompt: "x", loras: [LTXLoRA(path: "http://insecure.example/l.safetensors")]),
            "loras", "https"
        ),
        (LTXTextToAudioInput(prompt: "x", loras: Array(repeating: LTXLoRA(path: "https://a.example/l"), count: 4)), "loras", "3"),
    ])
    func inputOutOfRangeIsRefusedBeforeSending(input: LTXTextToAudioInput, field: String, value: String) async throws {
        try await Harness.with { h in
            let e = await h.expectError(.invalidInput) { _ = try await h.client.submit(input.endpoint, input: input) }
            #expect(e?.field == field)
            #expect(e?.description.contains(field) == true)
            #expect(e?.description.contains(value) == true)
            #expect(h.server.requests.isEmpty)
        }
    }

    @Test func completedWithErrorIsAFailure() async throws {
        var sc = FakeFalServer.Scenario()
        sc.completedError = "CUDA out of memory"
        try await Harness.with(sc) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let e = await h.expectError(.jobFailed) { try await h.client.waitForCompletion(handle, events: h.events.handler) }
            #expect(e?.description.contains("CUDA out of memory") == true)
            #expect(e?.description.contains(handle.requestID) == true)
            #expect(e?.requestID == handle.requestID)
            #expect(!h.events.events.contains(.completed))
            _ = await h.expectError(.jobFailed) { let _: LTXTextToAudioOutput = try await h.client.result(handle) }
        }
    }

    @Test func unknownStatusThatClears() async throws {
        try await Harness.with { h in
            h.server.script(.status, .json(202, #"{"status":"WARMING_UP"}"#), .json(202, #"{"status":"WARMING_UP"}"#))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle, events: h.events.handler)
            #expect(h.events.events.contains(.unknownStatus("WARMING_UP")))
            #expect(h.events.events.last == .completed)
        }
    }

    @Test func unknownStatusForeverFailsClearly() async throws {
        try await Harness.with(configure: { $0.maxUnknownStatusPolls = 5 }) { h in
            for _ in 0..<6 { h.server.script(.status, .json(202, #"{"status":"FAILED\u001b[31m"}"#)) }
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let e = await h.expectError(.unknownStatus) { try await h.client.waitForCompletion(handle) }
            #expect(e?.description.contains("FAILED[31m") == true)
            #expect(e?.description.contains("\u{1b}") == false)
            #expect(h.server.requests(.status).count == 5)
        }
    }

    @Test func expiredResult() async throws {
        try await Harness.with { h in
            h.server.script(.result, .json(404, #"{"detail":"Request not found"}"#))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle)
            let e = await h.expectError(.expired) { let _: LTXTextToAudioOutput = try await h.client.result(handle) }
            #expect(e?.description.contains("no longer available") == true)
        }
    }

    @Test func nonJSONStatusIsABadResponseWithAShortExcerpt() async throws {
        try await Harness.with { h in
            let page = "<html><body>" + String(repeating: "Maintenance \u{7}", count: 200) + "</body></html>"
            // An unreadable answer to a repeatable call is retried; it is an error only once the
            // budget (10 attempts) is spent.
            for _ in 0..<10 { h.server.script(.status, .text(200, page)) }
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let e = await h.expectError(.badResponse) { _ = try await h.client.status(handle) }
            #expect(h.server.requests(.status).count == 10)
            #expect(e?.requestID == handle.requestID)
            #expect(e?.description.contains("<html><body>Maintenance") == true)
            #expect((e?.description.count ?? 0) < 300)
            #expect(e?.description.contains("\u{7}") == false)
        }
    }

    @Test func submitOutcomeUnknownIsNotResubmitted() async throws {
        try await Harness.with { h in
            h.server.script(.submit, .closeWithoutResponse)
            let e = await h.expectError(.submitOutcomeUnknown) { _ = try await h.client.submit(.ltxTextToAudio, input: Harness.input) }
            #expect(e?.description.contains("paid job may have been created") == true)
            #expect(h.server.requests(.submit).count == 1)
        }
    }

    @Test func submitCutOffMidBodyNamesTheRequestID() async throws {
        try await Harness.with { h in
            let body = Array(#"{"request_id":"abc-999","status_url":"x"}"#.utf8)
            h.server.script(.submit, .truncated(status: 200, headers: [("x-fal-request-id", "abc-999")], body: body, sendBytes: 10))
            let e = await h.expectError(.submitOutcomeUnknown) { _ = try await h.client.submit(.ltxTextToAudio, input: Harness.input) }
            #expect(e?.requestID == "abc-999")
            #expect(e?.description.contains("abc-999") == true)
            #expect(h.server.requests(.submit).count == 1)
        }
    }

    @Test func droppedStatusConnectionIsRetried() async throws {
        try await Harness.with { h in
            h.server.script(.status, .closeWithoutResponse)
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle)
            #expect(h.server.requests(.status).count == 8)
        }
    }

    @Test func readTimeoutOnStatusIsRetried() async throws {
        try await Harness.with(configure: { $0.requestTimeout = .milliseconds(150) }) { h in
            h.server.script(.status, .delayed(milliseconds: 600, .normal))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle, events: h.events.handler)
            #expect(h.events.retries.count == 1)
        }
    }

    @Test func cancelWhileQueued() async throws {
        var sc = FakeFalServer.Scenario()
        sc.holdInQueue = true
        try await Harness.with(sc) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let events = h.events
            let client = h.client
            let waiter = Task { _ = try await client.waitForCompletion(handle, events: events.handler) }
            while h.server.requests(.status).count < 3 { try await Task.sleep(for: .milliseconds(5)) }
            waiter.cancel()
            let outcome = try await h.client.cancel(handle)
            #expect(outcome == .accepted("CANCELLATION_REQUESTED"))
            let cancel = try #require(h.server.requests(.cancel).first)
            #expect(cancel.method == "PUT")
            #expect(cancel.path == "/fal-ai/ltx-2.3-quality/requests/\(handle.requestID)/cancel")
            do {
                try await waiter.value
                Issue.record("the wait should have been cancelled")
            } catch let e as FalError {
                #expect(e.code == .cancelled)
            }
            #expect(h.events.positions == [0])
        }
    }

    @Test func cancelAfterCompletionSaysSo() async throws {
        try await Harness.with { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            try await h.client.waitForCompletion(handle)
            #expect(try await h.client.cancel(handle) == .alreadyCompleted)
            let other = try h.client.handle(for: "no-such-request", endpoint: .ltxTextToAudio)
            #expect(try await h.client.cancel(other) == .notFound)
        }
    }

    @Test func deadlineWhileQueued() async throws {
        var sc = FakeFalServer.Scenario()
        sc.holdInQueue = true
        try await Harness.with(sc) { h in
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            let e = await h.expectError(.deadline) {
                try await h.client.waitForCompletion(handle, deadline: .now + .milliseconds(100))
            }
            #expect(e?.requestID == handle.requestID)
        }
    }

    @Test func handleFromAnIDUsesTheAppPathOnly() async throws {
        try await Harness.with { h in
            let submitted = try await h.client.submit(.ltxTextToAudioLoRA, input: LTXTextToAudioInput(
                prompt: "x", loras: [LTXLoRA(path: "https://example.com/a.safetensors", scale: 0.8)]))
            #expect(h.server.requests(.submit).first?.path == "/fal-ai/ltx-2.3-quality/text-to-audio/lora")
            let h2 = try h.client.handle(for: submitted.requestID, endpoint: .ltxTextToAudioLoRA)
            #expect(h2.statusURL == h.server.baseURL + "/fal-ai/ltx-2.3-quality/requests/\(submitted.requestID)/status")
            #expect(h2.cancelURL == h.server.baseURL + "/fal-ai/ltx-2.3-quality/requests/\(submitted.requestID)/cancel")
            #expect(h2.responseURL == h.server.baseURL + "/fal-ai/ltx-2.3-quality/requests/\(submitted.requestID)")
            try await h.client.waitForCompletion(h2)
            _ = await h.expectError(.invalidInput) { _ = try h.client.handle(for: "../../etc", endpoint: .ltxTextToAudio) }
            let body = h.server.requests(.submit).first?.bodyText ?? ""
            #expect(body.contains(#""loras":[{"path":"https:\/\/example.com\/a.safetensors","scale":0.8}]"#))
        }
    }

    @Test func foreignURLsFromSubmitDoNotGetTheKey() async throws {
        try await Harness.with { h in
            h.server.script(
                .submit,
                .json(200, #"{"request_id":"abc-1","status_url":"https://evil.example/s","response_url":"https://evil.example/r","cancel_url":"https://evil.example/c"}"#))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            #expect(handle.statusURL == h.server.baseURL + "/fal-ai/ltx-2.3-quality/requests/abc-1/status")
        }
    }

    @Test func oversizedJSONIsRefused() async throws {
        try await Harness.with(configure: { $0.maxJSONBytes = 1000 }) { h in
            h.server.script(.status, .json(202, #"{"status":"IN_QUEUE","pad":""# + String(repeating: "x", count: 5000) + "\"}"))
            let handle = try await h.client.submit(.ltxTextToAudio, input: Harness.input)
            _ = await h.expectError(.responseTooLarge) { _ = try await h.client.status(handle) }
        }
    }
}
