import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// `SoundFileReader(bytes:name:)` decodes exactly what `SoundFileReader(path:)` decodes, and
/// fails the same way, naming the given name.
@Suite struct InMemoryReaderTests {
    static let files = ["ltx-like-24k-stereo.wav", "speech-22k-mono.wav", "music-44k-stereo.flac",
                        "music-44k-stereo.mp3", "music-44k-stereo.ogg"]
    static let badFiles = ["bad/truncated.wav", "bad/not-audio.wav", "bad/empty.wav"]

    func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.fixtures + "/" + name)))
    }

    func decode(_ r: SoundFileReader) throws -> AudioBlock {
        var sink = BufferSink(channelCount: r.format.channelCount)
        var block = AudioBlock(channelCount: r.format.channelCount, capacity: 1000)
        while try r.read(into: &block) > 0 { try sink.write(block) }
        return sink.samples
    }

    @Test(arguments: files)
    func sameInfoAndSamplesAsFromTheFile(_ name: String) throws {
        let fromFile = try SoundFileReader(path: Repository.fixtures + "/" + name)
        let fromMemory = try SoundFileReader(bytes: try bytes(name), name: name)
        #expect(fromMemory.path == name)
        #expect(fromMemory.info == fromFile.info)
        let a = try decode(fromFile), b = try decode(fromMemory)
        #expect(a.frameCount == b.frameCount && a.frameCount > 0)
        #expect(a.channels == b.channels)
        // Rewinding works through the virtual I/O too.
        try fromMemory.rewind()
        #expect(try decode(fromMemory).channels == a.channels)
    }

    @Test(arguments: badFiles)
    func sameErrorsAsFromTheFile(_ name: String) throws {
        func failure(_ body: () throws -> SoundFileReader) -> AudioIOError? {
            do { _ = try body(); return nil } catch { return error as? AudioIOError }
        }
        let fromFile = try #require(failure { try SoundFileReader(path: Repository.fixtures + "/" + name) })
        let fromMemory = try #require(failure { try SoundFileReader(bytes: try bytes(name), name: name) })
        #expect(fromMemory.code == fromFile.code)
        #expect(fromMemory.message == fromFile.message)
        #expect(fromMemory.description.hasPrefix(name + ": "))
    }
}
