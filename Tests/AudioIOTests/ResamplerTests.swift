import AudioCore
import AudioIO
import Foundation
import Mastering
import Testing
import TestSupport

@Suite struct ResamplerTests {
    func resample(_ block: AudioBlock, from rate: Int, to target: Int, quality: ResamplerQuality = .best,
                  blockSize: Int = 4096) throws -> AudioBlock {
        var source = BufferSource(format: AudioFormat(sampleRate: rate, channelCount: block.channelCount), samples: block)
        var sink = BufferSink(channelCount: block.channelCount)
        var pipeline = Pipeline([Resampler(to: target, quality: quality)])
        let stats = try pipeline.run(from: &source, to: &sink, blockSize: blockSize)
        #expect(stats.outputFormat.sampleRate == target)
        return sink.samples
    }

    @Test(arguments: [(24000, 48000), (44100, 48000), (48000, 44100), (22050, 48000), (48000, 16000)])
    func lengthIsExactlyTheRatio(_ rates: (Int, Int)) throws {
        for frames in [1, 7, 4095, 12_345] {
            for blockSize in [64, 1000, 4096] {
                let input = TestTone.noise(amplitude: 0.1, frames: frames, channels: 2)
                let out = try resample(input, from: rates.0, to: rates.1, quality: .fast, blockSize: blockSize)
                let expected = Int((Double(frames) * Double(rates.1) / Double(rates.0)).rounded())
                #expect(out.frameCount == expected, "\(frames) frames at block \(blockSize)")
            }
        }
    }

    @Test(arguments: ResamplerQuality.allCases)
    func sineKeepsFrequencyAndLevel(_ quality: ResamplerQuality) throws {
        let input = TestTone.sine(frequency: 1000, amplitude: 0.5, frames: 24000, sampleRate: 24000, channels: 2)
        let out = try resample(input, from: 24000, to: 48000, quality: quality)
        let middle = Array(out.channel(1)[4800 ..< 43200])
        #expect(abs(TestTone.frequency(middle, sampleRate: 48000) - 1000) < 0.05)
        let levelDB = 20 * log10(TestTone.rms(middle) / (0.5 / 2.0.squareRoot()))
        #expect(abs(levelDB) < 0.05, "level changed by \(levelDB) dB")
    }

    @Test func noDelayAndNoLostTail() throws {
        // An impulse lands at the same time after conversion, and one near the end survives.
        var input = AudioBlock(channelCount: 1, capacity: 24000, frameCount: 24000)
        input.withMutableChannel(0) { $0[1000] = 1; $0[23_990] = 1 }
        let out = try resample(input, from: 24000, to: 48000, quality: .best, blockSize: 512).channel(0)
        let firstPeak = (0..<24000).max { abs(out[$0]) < abs(out[$1]) }!
        let lastPeak = (24000..<out.count).max { abs(out[$0]) < abs(out[$1]) }!
        #expect(firstPeak == 2000)
        #expect(lastPeak == 47_980)
        #expect(out[lastPeak] > 0.5)
    }

    @Test func channelsAreConvertedIndependently() throws {
        // One multi-channel converter, and one converter per channel on separate threads: each
        // channel must come out as if converted alone (libsamplerate's float arithmetic may
        // round differently in the two layouts, hence the 1e-6 tolerance, ~ -120 dBFS).
        let input = TestTone.noise(amplitude: 0.3, frames: 30_000, channels: 3)
        for parallel in [false, true] {
            var source = BufferSource(format: AudioFormat(sampleRate: 24000, channelCount: 3), samples: input)
            var sink = BufferSink(channelCount: 3)
            var pipeline = Pipeline([Resampler(to: 48000, quality: .medium, parallelChannels: parallel)])
            _ = try pipeline.run(from: &source, to: &sink, blockSize: 4096)
            let together = sink.samples
            for c in 0..<3 {
                let alone = try resample(AudioBlock(channels: [input.channel(c)]), from: 24000, to: 48000, quality: .medium)
                let a = alone.channel(0), b = together.channel(c)
                var worst: Float = 0
                for i in 0..<min(a.count, b.count) { worst = max(worst, abs(a[i] - b[i])) }
                #expect(a.count == b.count && worst < 1e-6, "parallel \(parallel), channel \(c): largest difference \(worst)")
            }
        }
    }

    @Test func manyChannelsAreConverted() throws {
        // More channels than one libsamplerate converter takes (it refused 1024).
        let input = TestTone.noise(amplitude: 0.1, frames: 300, channels: 200)
        let out = try resample(input, from: 8000, to: 48000, quality: .fast)
        #expect(out.channelCount == 200 && out.frameCount == 1800)
    }

    @Test func equalRatesPassThrough() throws {
        let input = TestTone.noise(amplitude: 0.2, frames: 5000, channels: 2)
        let out = try resample(input, from: 48000, to: 48000, blockSize: 333)
        #expect(out.channels == input.channels)
    }
}
