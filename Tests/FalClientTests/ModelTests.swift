import FalClient
import Foundation
import Testing

@Suite struct ModelTests {
    @Test(arguments: [
        (5.0, 24.0, 121), (1.0, 24.0, 25), (0.1, 24.0, 9), (20.0, 24.0, 481), (60.0, 24.0, 481), (3.0, 30.0, 89), (2.0, 25.0, 49),
    ])
    func numFramesForDuration(seconds: Double, fps: Double, frames: Int) throws {
        let n = try LTXTextToAudioInput.numFrames(duration: seconds, fps: fps)
        #expect(n == frames)
        #expect((n - 1) % 8 == 0)
    }

    @Test func durationRefusesNonsense() {
        #expect(throws: FalError.self) { try LTXTextToAudioInput.numFrames(duration: 0, fps: 24) }
        #expect(throws: FalError.self) { try LTXTextToAudioInput.numFrames(duration: 2, fps: 0) }
    }

    @Test func encodesOnlyGivenFieldsInSnakeCase() throws {
        let input = LTXTextToAudioInput(
            prompt: "p", numFrames: 49, framesPerSecond: 24, numInferenceSteps: 20, guidanceScale: 3.5, negativePrompt: "n",
            seed: 1, enablePromptExpansion: true, enableSafetyChecker: false, syncMode: true)
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        let text = String(decoding: try e.encode(input), as: UTF8.self)
        #expect(
            text
                == #"{"enable_prompt_expansion":true,"enable_safety_checker":false,"frames_per_second":24,"guidance_scale":3.5,"negative_prompt":"n","num_frames":49,"num_inference_steps":20,"prompt":"p","seed":1,"sync_mode":true}"#
        )
        #expect(String(decoding: try e.encode(LTXTextToAudioInput(prompt: "q")), as: UTF8.self) == #"{"prompt":"q"}"#)
        #expect(input.endpoint == .ltxTextToAudio)
    }

    @Test func outputIgnoresUnknownFields() throws {
        let json = #"{"audio":{"url":"https://v3.fal.media/a.wav","content_type":"audio/wav","file_name":"a.wav","file_size":960044,"width":null},"seed":42,"prompt":"p","timings":{"x":1}}"#
        let out = try JSONDecoder().decode(LTXTextToAudioOutput.self, from: Data(json.utf8))
        #expect(out.audio.fileSize == 960044)
        #expect(out.seed == 42)
    }

    @Test func loraParsing() throws {
        #expect(try LTXLoRA.parse("https://h.example/w.safetensors:0.7") == LTXLoRA(path: "https://h.example/w.safetensors", scale: 0.7))
        #expect(try LTXLoRA.parse("https://h.example:8443/w.safetensors") == LTXLoRA(path: "https://h.example:8443/w.safetensors", scale: 1))
        #expect(throws: FalError.self) { try LTXLoRA.parse("http://h.example/w.safetensors") }
        #expect(throws: FalError.self) { try LTXLoRA.parse("/local/w.safetensors:1") }
    }

    @Test func retryDelays() {
        let p = FalRetryPolicy.standard
        #expect(p.delay(beforeRetry: 1, jitterFactor: 1) == .milliseconds(100))
        #expect(p.delay(beforeRetry: 4, jitterFactor: 1) == .milliseconds(800))
        #expect(p.delay(beforeRetry: 4, jitterFactor: 0.5) == .milliseconds(400))
        #expect(p.delay(beforeRetry: 9, jitterFactor: 1.5) == .seconds(10))
        #expect(p.delay(beforeRetry: 1, jitterFactor: 1, retryAfter: .seconds(3)) == .seconds(3))
        #expect(p.delay(beforeRetry: 8, jitterFactor: 1, retryAfter: .seconds(1)) == .milliseconds(12800 > 10000 ? 10000 : 12800))
    }

    @Test func retryAfterParsing() {
        #expect(parseRetryAfter("5", now: 0) == .seconds(5))
        #expect(parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now: 784_111_777) == .seconds(10))
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_800) == .zero)
        #expect(parseRetryAfter("soon", now: 0) == nil)
    }

    @Test(arguments: [
        (Array("RIFF\0\0\0\0WAVEfmt ".utf8), AudioContainer.wav), (Array("fLaC\0\0\0\"".utf8), .flac),
        (Array("OggS\0\u{2}".utf8), .ogg), (Array("ID3\u{4}\0".utf8), .mp3), ([0xFF, 0xFB, 0x90, 0x64], .mp3),
        ([0xFF, 0xF1, 0x50, 0x80], .aac), (Array("\0\0\0 ftypM4A ".utf8), .m4a), (Array("<!DOCTYPE html>".utf8), .unknown),
        ([], .unknown), (Array("RIFF\0\0\0\0AVI ".utf8), .unknown),
    ])
    func sniffing(bytes: [UInt8], container: AudioContainer) {
        #expect(AudioContainer.sniff(bytes) == container)
    }

    @Test func sanitizing() {
        let s = FalText.sanitize("a\u{1b}[2Jb\nc\u{202e}d KEY123456789", redacting: ["KEY123456789"], limit: 100)
        #expect(s == "a[2Jb cd [redacted]")
        #expect(FalText.sanitize(String(repeating: "x", count: 50), limit: 10).count == 10)
    }

    @Test func queueURLResolution() throws {
        #expect(try FalConfiguration().queueURL == "https://queue.fal.run")
        #expect(try FalConfiguration(environment: ["FAL_QUEUE_URL": "http://127.0.0.1:9000"]).queueURL == "http://127.0.0.1:9000")
        #expect(try FalConfiguration(queueURL: "https://q.example/base", environment: ["FAL_QUEUE_URL": "http://x"]).queueURL == "https://q.example/base")
        #expect(throws: FalError.self) { try FalConfiguration(queueURL: "ftp://x") }
        #expect(throws: FalError.self) { try FalConfiguration(queueURL: "https://user:pw@x") }
    }
}
