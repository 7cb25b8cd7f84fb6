import FakeFalServer
import FalClient
import LTXAudioApp
import Foundation
import Testing

@Suite struct DownloadTests {
    func completedOutput(_ h: Harness) async throws -> LTXTextToAudioOutput {
        let (_, out) = try await h.client.subscribe(.ltxTextToAudio, input: Harness.input, as: LTXTextToAudioOutput.self)
        return out
    }

    @Test func dataURIResultIsDecoded() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = smallWAV(frames: 300)
        sc.inlineDataURI = true
        try await Harness.with(sc) { h in
            let out = try await completedOutput(h)
            #expect(out.audio.url.hasPrefix("data:audio/wav;base64,"))
            let file = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "a.original.\($0.fileExtension)" }))
            #expect(file.container == .wav)
            #expect(file.byteCount == smallWAV(frames: 300).count)
            #expect(FileManager.default.contents(atPath: file.path).map(Array.init) == smallWAV(frames: 300))
            #expect(h.server.requests(.file).isEmpty)
        }
    }

    @Test func oversizedDataURIIsRefused() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = smallWAV(frames: 3000)
        sc.inlineDataURI = true
        try await Harness.with(sc, configure: { $0.maxDownloadBytes = 1000 }) { h in
            let out = try await completedOutput(h)
            _ = await h.expectError(.responseTooLarge) {
                _ = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "a.\($0.fileExtension)" }))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.outDir).isEmpty)
        }
    }

    @Test func downloadCutShortTwiceThenWhole() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = smallWAV(frames: 4000)
        try await Harness.with(sc) { h in
            h.server.script(
                .file, .truncated(status: 200, headers: [("Content-Type", "audio/wav")], body: sc.audio, sendBytes: 1000),
                .truncated(status: 200, headers: [("Content-Type", "audio/wav")], body: sc.audio, sendBytes: 10))
            let out = try await completedOutput(h)
            let file = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "b.original.\($0.fileExtension)" }), events: h.events.handler)
            #expect(h.server.requests(.file).count == 3)
            #expect(h.events.retries.filter { $0.0 == "downloading" }.count == 2)
            #expect(FileManager.default.contents(atPath: file.path).map(Array.init) == sc.audio)
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.outDir) == ["b.original.wav"])
        }
    }

    @Test func shortBodyWithoutContentLengthIsCaughtByFileSize() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = smallWAV(frames: 1000)
        try await Harness.with(sc, configure: { $0.retry.maxAttempts = 2 }) { h in
            let short = Array(sc.audio.prefix(100))
            h.server.script(.file, .respond(status: 200, headers: [], body: short), .respond(status: 200, headers: [], body: short))
            let out = try await completedOutput(h)
            let e = await h.expectError(.downloadIncomplete) {
                _ = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "c.\($0.fileExtension)" }))
            }
            #expect(e?.description.contains("100 of \(sc.audio.count)") == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.outDir).isEmpty)
        }
    }

    @Test func htmlPageInsteadOfAudioIsRecognised() async throws {
        try await Harness.with { h in
            h.server.script(.file, .text(200, "<!DOCTYPE html><html><body>Access denied</body></html>"))
            let out = try await completedOutput(h)
            let file = try await h.client.download(
                FalFile(url: out.audio.url, contentType: "audio/wav", fileName: "x.wav"),
                to: try DownloadFile(directory: h.outDir, naming: { "d.original.\($0.fileExtension)" }))
            #expect(file.container == .unknown)
            #expect(file.contentDescription == "an HTML page")
            #expect(file.path.hasSuffix("d.original.bin"))
        }
    }

    @Test func serverFileNameIsNeverAPath() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = smallWAV()
        sc.fileName = "../../x.wav"
        try await Harness.with(sc) { h in
            let out = try await completedOutput(h)
            #expect(out.audio.fileName == "../../x.wav")
            let file = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "e.original.\($0.fileExtension)" }))
            #expect(file.path == h.outDir + "/e.original.wav")
            let everything = FileManager.default.enumerator(atPath: h.dir)?.allObjects as? [String] ?? []
            #expect(everything.sorted() == ["out", "out/e.original.wav"])
            #expect(!FileManager.default.fileExists(atPath: (h.dir as NSString).deletingLastPathComponent + "/x.wav"))
        }
    }

    @Test func fileHostRetryAfterIsHonoured() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = smallWAV()
        try await Harness.with(sc) { h in
            h.server.script(.file, .text(503, "busy", headers: [("Retry-After", "1")]))
            let out = try await completedOutput(h)
            let file = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "k.\($0.fileExtension)" }), events: h.events.handler)
            #expect(h.clock.sleeps.contains(.seconds(1)), "the wait is asked of the injected clock")
            #expect(file.container == .wav)
            #expect(h.events.retries.first?.1 ?? .zero >= .seconds(1))
        }
    }

    @Test func expiredFile() async throws {
        try await Harness.with { h in
            h.server.script(.file, .json(404, #"{"detail":"Not found"}"#))
            let out = try await completedOutput(h)
            let e = await h.expectError(.expired) {
                _ = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "f.\($0.fileExtension)" }))
            }
            #expect(e?.description.contains("expire") == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.outDir).isEmpty)
        }
    }

    @Test func neverOverwrites() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = smallWAV()
        try await Harness.with(sc) { h in
            let out = try await completedOutput(h)
            _ = FileManager.default.createFile(atPath: h.outDir + "/g.wav", contents: Data("keep me".utf8))
            _ = await h.expectError(.fileExists) {
                _ = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "g.\($0.fileExtension)" }))
            }
            #expect(FileManager.default.contents(atPath: h.outDir + "/g.wav") == Data("keep me".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.outDir) == ["g.wav"])
        }
    }

    @Test func redirectToPlainHTTPIsRefused() async throws {
        try await Harness.with { h in
            h.server.script(.file, .respond(status: 302, headers: [("Location", "http://example.com/a.wav")], body: []))
            let out = try await completedOutput(h)
            _ = await h.expectError(.insecureURL) {
                _ = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "h.\($0.fileExtension)" }))
            }
        }
    }

    @Test func redirectOnTheSameExplicitHostIsFollowed() async throws {
        var sc = FakeFalServer.Scenario()
        sc.audio = smallWAV()
        try await Harness.with(sc) { h in
            let out = try await completedOutput(h)
            h.server.script(.file, .respond(status: 307, headers: [("Location", "/files/elsewhere.wav")], body: []))
            let file = try await h.client.download(out.audio, to: try DownloadFile(directory: h.outDir, naming: { "i.\($0.fileExtension)" }))
            #expect(file.container == .wav)
            #expect(h.server.requests(.file).map(\.path).last == "/files/elsewhere.wav")
        }
    }

    @Test func plainHTTPElsewhereIsRefused() async throws {
        try await Harness.with { h in
            _ = await h.expectError(.insecureURL) {
                _ = try await h.client.download(FalFile(url: "http://127.0.0.2:9/a.wav"), to: try DownloadFile(directory: h.outDir, naming: { "j.\($0.fileExtension)" }))
            }
        }
    }
}
