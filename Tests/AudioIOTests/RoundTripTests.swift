import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// Encode a known sine, decode it, and compare within each format's precision.
@Suite struct RoundTripTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var container: Container
        var bitDepth: Int?
        var rate: Int
        /// Largest allowed sample error for lossless encodings (nil: lossy, compared by level).
        var maxError: Float?
        var testDescription: String { "\(container.displayName) \(bitDepth.map { "\($0)-bit" } ?? "") \(rate) Hz" }
    }

    static let cases: [Case] = [
        // 16-bit PCM: quantisation step 2^-15, error ≤ half a step plus rounding slack.
        Case(container: .wav, bitDepth: 16, rate: 48000, maxError: 1.0 / 32768),
        Case(container: .wav, bitDepth: 24, rate: 44100, maxError: 1.0 / 8_388_608),
        Case(container: .wav, bitDepth: 32, rate: 24000, maxError: 0),
        Case(container: .flac, bitDepth: 16, rate: 48000, maxError: 1.0 / 32768),
        Case(container: .flac, bitDepth: 24, rate: 96000, maxError: 1.0 / 8_388_608),
        Case(container: .aiff, bitDepth: 24, rate: 48000, maxError: 1.0 / 8_388_608),
        Case(container: .caf, bitDepth: 32, rate: 48000, maxError: 0),
        Case(container: .w64, bitDepth: 16, rate: 22050, maxError: 1.0 / 32768),
        Case(container: .rf64, bitDepth: 24, rate: 48000, maxError: 1.0 / 8_388_608),
        Case(container: .vorbis, bitDepth: nil, rate: 44100, maxError: nil),
        Case(container: .opus, bitDepth: nil, rate: 48000, maxError: nil),
        Case(container: .mp3, bitDepth: nil, rate: 44100, maxError: nil),
    ]

    @Test(arguments: cases)
    func decodesWhatItEncodes(_ c: Case) throws {
        let dir = try TemporaryFolder("roundtrip")
        defer { dir.remove() }
        let frames = c.rate  // one second
        let format = AudioFormat(sampleRate: c.rate, layout: .stereo)
        let tone = TestTone.sine(frequency: 997, amplitude: 0.5, frames: frames, sampleRate: c.rate, channels: 2)
        let path = dir.file("tone.\(c.container.fileExtension)")

        let writer = try SoundFileWriter(path: path, format: format,
            encoding: OutputEncoding(container: c.container, bitDepth: c.bitDepth),
            tags: [.title: "Round trip", .comment: "made by a test"])
        // Write in uneven blocks to exercise interleaving at block edges.
        var offset = 0
        for size in [1, 7, 4096, 333] + Array(repeating: 8192, count: 20) where offset < frames {
            var part = AudioBlock(channelCount: 2, capacity: size)
            let n = min(size, frames - offset)
            part.append(tone, from: offset, count: n)
            try writer.write(part)
            offset += n
        }
        try writer.commit()
        #expect(dir.contents() == ["tone.\(c.container.fileExtension)"], "only the final file remains")

        let reader = try SoundFileReader(path: path)
        #expect(reader.info.format.sampleRate == c.rate)
        #expect(reader.info.format.channelCount == 2)
        #expect(reader.info.container == c.container)
        let decoded = try readAll(reader)
        if let maxError = c.maxError {
            #expect(decoded.frameCount == frames)
            var worst: Float = 0
            for ch in 0..<2 {
                let a = tone.channel(ch), b = decoded.channel(ch)
                for i in 0..<frames { worst = max(worst, abs(a[i] - b[i])) }
            }
            #expect(worst <= maxError, "largest sample error \(worst)")
            #expect(reader.info.bitDepth == c.bitDepth)
        } else {
            // Lossy codecs add encoder delay and padding; compare level and pitch instead.
            #expect(abs(decoded.frameCount - frames) < frames / 10, "length \(decoded.frameCount) vs \(frames)")
            let middle = Array(decoded.channel(0)[frames / 4 ..< frames * 3 / 4])
            let levelDB = 20 * log10(TestTone.rms(middle) / (0.5 / 2.0.squareRoot()))
            #expect(abs(levelDB) < 0.5, "level off by \(levelDB) dB")
            #expect(abs(TestTone.frequency(middle, sampleRate: c.rate) - 997) < 1)
        }
        if ![.mp3, .caf, .w64].contains(c.container) {  // libsndfile keeps no tags in these
            #expect(reader.info.tags[.title] == "Round trip")
        }
    }

    @Test func readerRewindsAndReadsAgain() throws {
        let dir = try TemporaryFolder("rewind")
        defer { dir.remove() }
        let path = dir.file("a.flac")
        let tone = TestTone.noise(amplitude: 0.3, frames: 10_000, channels: 3)
        let w = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: 16000, channelCount: 3),
                                    encoding: OutputEncoding(container: .flac, bitDepth: 24))
        try w.write(tone)
        try w.commit()
        let r = try SoundFileReader(path: path)
        let first = try readAll(r)
        try r.rewind()
        let second = try readAll(r)
        #expect(first.channels == second.channels)
        #expect(r.info.format.layout.roles == [.left, .right, .center])
    }

    @Test func bundledFixturesDecode() throws {
        for name in ["ltx-like-24k-stereo.wav", "speech-22k-mono.wav", "music-44k-stereo.flac",
                     "music-44k-stereo.mp3", "music-44k-stereo.ogg"] {
            let r = try SoundFileReader(path: Repository.fixtures + "/" + name)
            let all = try readAll(r)
            #expect(all.frameCount > r.info.format.sampleRate, "\(name) is longer than a second")
            #expect(all.channels.allSatisfy { TestTone.rms($0) > 0.001 }, "\(name) holds sound")
        }
    }
}

/// Reads a whole file into one block, in blocks of 1000 frames (an uneven size on purpose).
func readAll(_ reader: SoundFileReader) throws -> AudioBlock { try reader.readAll(blockSize: 1000) }
