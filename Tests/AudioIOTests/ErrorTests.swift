import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// Every failure names the file and says why, and leaves nothing half-written behind.
@Suite struct ErrorTests {
    func openError(_ path: String) -> AudioIOError? {
        do {
            _ = try SoundFileReader(path: path)
            return nil
        } catch let e as AudioIOError {
            return e
        } catch {
            return nil
        }
    }

    @Test func missingFile() {
        let e = openError("/nonexistent/take.wav")
        #expect(e?.code == .missing)
        #expect(e?.description == "/nonexistent/take.wav: no such file")
    }

    @Test func emptyFile() {
        let e = openError(Repository.fixtures + "/bad/empty.wav")
        #expect(e?.code == .empty)
        #expect(e?.description.contains("bad/empty.wav: empty file") == true)
    }

    @Test func textFileNamedWav() {
        let e = openError(Repository.fixtures + "/bad/not-audio.wav")
        #expect(e?.code == .notAudio)
        #expect(e?.description.contains("not an audio file") == true)
        #expect(e?.cause != nil, "libsndfile's own message is kept")
    }

    @Test func truncatedWavIsRefused() {
        let e = openError(Repository.fixtures + "/bad/truncated.wav")
        #expect(e?.code == .truncated)
        #expect(e?.description.contains("truncated") == true)
        #expect(e?.description.contains("re-download") == true)
    }

    @Test func truncatedFlacFailsWhileReading() throws {
        let dir = try TemporaryFolder("trunc")
        defer { dir.remove() }
        let path = dir.file("long.flac")
        let w = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: 48000, channelCount: 1),
                                    encoding: OutputEncoding(container: .flac, bitDepth: 16))
        try w.write(TestTone.noise(amplitude: 0.5, frames: 96000, channels: 1))
        try w.commit()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        #expect(throws: AudioIOError.self) {
            let r = try SoundFileReader(path: path)
            var block = AudioBlock(channelCount: 1, capacity: 4096)
            while try r.read(into: &block) > 0 {}
        }
    }

    @Test func folderIsNotAFile() {
        #expect(openError(Repository.fixtures)?.code == .unreadable)
    }

    @Test func headerWithoutFrames() throws {
        let dir = try TemporaryFolder("zero")
        defer { dir.remove() }
        let path = dir.file("silent.wav")
        let w = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: 48000, channelCount: 2),
                                    encoding: OutputEncoding(container: .wav, bitDepth: 16))
        try w.commit()
        #expect(openError(path)?.code == .empty)
    }

    @Test func impossibleOutputsAreRefusedWithAWayOut() throws {
        let opus = #expect(throws: AudioIOError.self) {
            _ = try SoundFileWriter(path: "/tmp/x.opus", format: AudioFormat(sampleRate: 44100, channelCount: 2),
                                    encoding: OutputEncoding(container: .opus, bitDepth: nil))
        }
        #expect(opus?.code == .unsupportedOutput)
        #expect(opus?.message.contains("48 kHz") == true)
        #expect(opus?.remedy == .sampleRate(48000))
        #expect(opus?.description.contains("use a sample rate of 48000 Hz, or choose FLAC or WAV") == true)
        #expect(opus?.message.contains("--") == false, "a library message names no command-line option")

        let flac32 = #expect(throws: AudioIOError.self) { _ = try OutputEncoding(container: .flac, bitDepth: 32) }
        #expect(flac32?.remedy == .bitDepth(allowed: [16, 24]) && flac32?.message.contains("WAV stores 32-bit float") == true)

        let mp3Depth = #expect(throws: AudioIOError.self) { _ = try OutputEncoding(container: .mp3, bitDepth: 24) }
        #expect(mp3Depth?.message.contains("no bit depth") == true && mp3Depth?.remedy == .noBitDepth)

        let mp3Surround = #expect(throws: AudioIOError.self) {
            _ = try SoundFileWriter(path: "/tmp/x.mp3", format: AudioFormat(sampleRate: 48000, channelCount: 6),
                                    encoding: OutputEncoding(container: .mp3, bitDepth: nil))
        }
        #expect(mp3Surround?.message.contains("at most 2 channels") == true)
    }

    @Test func existingOutputIsKeptUnlessOverwriteIsAsked() throws {
        let dir = try TemporaryFolder("exists")
        defer { dir.remove() }
        let path = dir.file("out.wav")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        let fmt = AudioFormat(sampleRate: 8000, channelCount: 1)
        let enc = try OutputEncoding(container: .wav, bitDepth: 16)
        let e = #expect(throws: AudioIOError.self) { _ = try SoundFileWriter(path: path, format: fmt, encoding: enc) }
        #expect(e?.code == .outputExists)
        #expect(e?.remedy == .overwrite && e?.description.contains("allow overwriting") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")

        // A file that appears while the writer works is not replaced either.
        let late = dir.file("late.wav")
        let w = try SoundFileWriter(path: late, format: fmt, encoding: enc)
        try w.write(TestTone.sine(frequency: 440, amplitude: 0.1, frames: 800, sampleRate: 8000))
        try Data("first".utf8).write(to: URL(fileURLWithPath: late))
        #expect(throws: AudioIOError.self) { try w.commit() }
        #expect(try String(contentsOfFile: late, encoding: .utf8) == "first")
        #expect(dir.contents() == ["late.wav", "out.wav"], "no temporary file left behind")

        let o = try SoundFileWriter(path: path, format: fmt, encoding: enc, overwrite: true)
        try o.write(TestTone.sine(frequency: 440, amplitude: 0.1, frames: 800, sampleRate: 8000))
        try o.commit()
        #expect(try SoundFileReader(path: path).info.frameCount == 800)
    }

    @Test func abandonedWriterLeavesNothing() throws {
        let dir = try TemporaryFolder("discard")
        defer { dir.remove() }
        do {
            let w = try SoundFileWriter(path: dir.file("x.flac"), format: AudioFormat(sampleRate: 8000, channelCount: 1),
                                        encoding: OutputEncoding(container: .flac, bitDepth: 16))
            try w.write(TestTone.sine(frequency: 440, amplitude: 0.1, frames: 800, sampleRate: 8000))
            #expect(dir.contents().count == 1 && dir.contents()[0].hasPrefix(SoundFileWriter.temporaryPrefix))
        }
        #expect(dir.contents().isEmpty)
    }

    @Test func missingOutputFolder() throws {
        let e = #expect(throws: AudioIOError.self) {
            _ = try SoundFileWriter(path: "/nonexistent-dir/x.wav", format: AudioFormat(sampleRate: 8000, channelCount: 1),
                                    encoding: OutputEncoding(container: .wav, bitDepth: 16))
        }
        #expect(e?.code == .writeFailed)
        #expect(e?.description.hasPrefix("/nonexistent-dir/x.wav: cannot create") == true)
    }
    /// A 16-bit mono 8 kHz WAV: a 44-byte header whose data chunk claims `dataSize` bytes,
    /// followed by `frames` samples.
    func wav(frames: Int, dataSize: Int) -> Data {
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        var b: [UInt8] = Array("RIFF".utf8) + le32(36 + frames * 2) + Array("WAVEfmt ".utf8) + le32(16)
        b += le16(1) + le16(1) + le32(8000) + le32(16000) + le16(2) + le16(16)
        b += Array("data".utf8) + le32(dataSize)
        for i in 0..<frames { b += le16(Int(Int16(truncatingIfNeeded: (i * 37) % 4000 - 2000))) }
        return Data(b)
    }

    @Test func headerCutRightAfterItsDataSizeSaysWhatWasPromised() throws {
        let dir = try TemporaryFolder("cut44")
        defer { dir.remove() }
        try wav(frames: 0, dataSize: 16000).write(to: URL(fileURLWithPath: dir.file("cut.wav")))
        let e = openError(dir.file("cut.wav"))
        #expect(e?.code == .truncated)
        #expect(e?.message.contains("promises 8000 frames (1.0 s)") == true, "\(e?.message ?? "")")
        #expect(e?.message.contains("ends at frame 0") == true)
    }

    @Test func aDataSizeOverByLessThanAFrameLosesNothing() throws {
        let dir = try TemporaryFolder("plus1")
        defer { dir.remove() }
        try wav(frames: 8000, dataSize: 16001).write(to: URL(fileURLWithPath: dir.file("plus1.wav")))
        let r = try SoundFileReader(path: dir.file("plus1.wav"))
        #expect(r.info.frameCount == 8000)
        var block = AudioBlock(channelCount: 1, capacity: 4096)
        var total = 0
        while try r.read(into: &block) > 0 { total += block.frameCount }
        #expect(total == 8000)
        // One whole frame more than the file holds is truncation.
        try wav(frames: 8000, dataSize: 16002).write(to: URL(fileURLWithPath: dir.file("plus2.wav")))
        #expect(openError(dir.file("plus2.wav"))?.code == .truncated)
    }

    @Test(arguments: [String(repeating: "a", count: 251) + ".wav", String(repeating: "\u{E9}", count: 125) + "x.wav"])
    func aNameOf255BytesCanBeWritten(_ name: String) throws {
        #expect(name.utf8.count == 255)
        let dir = try TemporaryFolder("longname")
        defer { dir.remove() }
        let w = try SoundFileWriter(path: dir.file(name), format: AudioFormat(sampleRate: 8000, channelCount: 1),
                                    encoding: OutputEncoding(container: .wav, bitDepth: 16))
        let temporary = (w.temporaryPath as NSString).lastPathComponent
        #expect(temporary.utf8.count <= 255 && temporary.hasPrefix(SoundFileWriter.temporaryPrefix))
        try w.write(TestTone.sine(frequency: 440, amplitude: 0.1, frames: 800, sampleRate: 8000))
        try w.commit()
        #expect(dir.contents() == [name])
        #expect(try SoundFileReader(path: dir.file(name)).info.frameCount == 800)
    }
}
