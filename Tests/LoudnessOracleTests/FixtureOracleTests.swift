import AudioCore
import AudioIO
import DSP
import Foundation
import Testing
import TestSupport

/// The meter against libebur128 on the repository's fixtures, decoded through AudioIO.
struct FixtureOracleTests {
    static let fixtures = ["ltx-like-24k-stereo.wav", "music-44k-stereo.flac", "music-44k-stereo.mp3",
                           "music-44k-stereo.ogg", "speech-22k-mono.wav"]

    @Test(arguments: fixtures)
    func fixtureAgreesWithLibEbur128(name: String) throws {
        let path = Repository.fixtures + "/" + name
        let reader = try SoundFileReader(path: path)
        var sink = BufferSink(channelCount: reader.format.channelCount)
        var meter = LoudnessMeter(format: reader.format)
        var block = AudioBlock(channelCount: reader.format.channelCount, capacity: 4096)
        while try reader.read(into: &block) > 0 {
            meter.write(block)
            try sink.write(block)
        }
        let ours = meter.report()
        let ref = LibEbur128Figures(channels: sink.samples.channels, format: reader.format)
        let i = ours.integrated.value, lra = ours.loudnessRange
        #expect(i.isFinite)
        #expect(abs(i - ref.integrated) <= 0.05, "\(name) I: ours \(i), libebur128 \(ref.integrated)")
        #expect(abs(lra - ref.loudnessRange) <= 0.1, "\(name) LRA: ours \(lra), libebur128 \(ref.loudnessRange)")
        for c in 0..<reader.format.channelCount {
            let tp: Double = ours.truePeakPerChannel[c].value, theirs: Double = OracleTests.dB(ref.truePeak[c])
            #expect(abs(tp - theirs) <= 0.2, "\(name) TP ch \(c): ours \(tp), libebur128 \(theirs)")
        }
    }
}
