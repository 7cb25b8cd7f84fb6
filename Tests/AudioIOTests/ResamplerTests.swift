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

/// Segment-parallel conversion against one serial converter: the same samples within 1e-5 of
/// full scale (-100 dB) and exactly the same length, whatever the ratio, quality, layout,
/// block size and signal length.
@Suite struct SegmentParallelResamplerTests {
    static let ratios = [(24000, 48000), (44100, 48000), (48000, 44100), (48000, 24000)]

    func run(_ input: AudioBlock, from rate: Int, _ resampler: Resampler, blockSize: Int) throws -> AudioBlock {
        var source = BufferSource(format: AudioFormat(sampleRate: rate, channelCount: input.channelCount), samples: input)
        var sink = BufferSink(channelCount: input.channelCount)
        var pipeline = Pipeline([resampler])
        _ = try pipeline.run(from: &source, to: &sink, blockSize: blockSize)
        return sink.samples
    }

    /// The largest absolute difference over all channels, or infinity when the shapes differ.
    func worstDifference(_ a: AudioBlock, _ b: AudioBlock) -> Float {
        guard a.frameCount == b.frameCount, a.channelCount == b.channelCount else { return .infinity }
        var worst: Float = 0
        for c in 0..<a.channelCount {
            let x = a.channel(c), y = b.channel(c)
            for i in 0..<x.count { worst = max(worst, abs(x[i] - y[i])) }
        }
        return worst
    }

    /// Serial and segmented outputs for one case; expects equal lengths and -100 dB.
    func compare(_ input: AudioBlock, rates: (Int, Int), quality: ResamplerQuality, segments: Int,
                 chunkSeconds: Double, blockSize: Int, _ label: String) throws {
        let serial = try run(input, from: rates.0, Resampler(to: rates.1, quality: quality), blockSize: blockSize)
        var parallel = Resampler(to: rates.1, quality: quality, threading: .segments(segments))
        parallel.segmentChunkSeconds = chunkSeconds
        let segmented = try run(input, from: rates.0, parallel, blockSize: blockSize)
        let expected = Int((Double(input.frameCount) * Double(rates.1) / Double(rates.0)).rounded())
        #expect(serial.frameCount == expected, "\(label): serial length")
        #expect(segmented.frameCount == serial.frameCount, "\(label): \(segmented.frameCount) frames against \(serial.frameCount)")
        let worst = worstDifference(serial, segmented)
        #expect(worst <= 1e-5, "\(label): largest difference \(worst)")
    }

    @Test(arguments: ratios, ResamplerQuality.allCases)
    func longSignalMatchesSerial(_ rates: (Int, Int), _ quality: ResamplerQuality) throws {
        // 1.3 s in chunks of 0.2 s: several chunks, a partial last one, segments of odd length.
        let frames = Int(1.3 * Double(rates.0)) + 37
        for channels in [1, 2] {
            let input = TestTone.noise(amplitude: 0.9, frames: frames, channels: channels, seed: 7)
            for (segments, blockSize) in [(2, 1001), (3, 4099)] {
                try compare(input, rates: rates, quality: quality, segments: segments, chunkSeconds: 0.2,
                            blockSize: blockSize, "\(rates) \(quality) \(channels) ch, \(segments) segments, block \(blockSize)")
            }
        }
    }

    @Test(arguments: ratios)
    func shortSignalsMatchSerial(_ rates: (Int, Int)) throws {
        // Shorter than one segment, than the roll, a single frame, nothing; and lengths that
        // end on and just after an aligned frame (147 for 44.1 kHz).
        for frames in [0, 1, 5, 146, 147, 148, 300, 2940, 5000] {
            for quality in ResamplerQuality.allCases {
                let input = TestTone.noise(amplitude: 0.9, frames: frames, channels: 2, seed: 3)
                try compare(input, rates: rates, quality: quality, segments: 2, chunkSeconds: 0.2, blockSize: 333,
                            "\(rates) \(quality), \(frames) frames")
            }
        }
    }

    @Test func defaultChunkOverSeveralChunks() throws {
        // The stage as AudioFileMasterer uses it: 1 s chunks, 2.5 s of stereo, the pipeline's block size.
        let input = TestTone.noise(amplitude: 0.9, frames: 60_000, channels: 2, seed: 11)
        try compare(input, rates: (24000, 48000), quality: .best, segments: 2, chunkSeconds: 1.0, blockSize: 4096,
                    "default chunk")
    }

    @Test func planAlignsSegmentsWithOutputFrames() {
        let cd = SegmentPlan(quality: .best, inputRate: 44100, outputRate: 48000, segments: 2)
        #expect(cd.alignment == 147 && cd.outputAlignment == 160)
        #expect(cd.roll % 147 == 0 && cd.roll >= 2 * SegmentPlan.halfFilterFrames(.best))
        #expect(cd.chunkFrames % (2 * 147) == 0)
        let down = SegmentPlan(quality: .medium, inputRate: 48000, outputRate: 24000, segments: 2)
        // The filter stretches by 1 / ratio when downsampling.
        #expect(down.alignment == 2 && down.roll >= 4 * SegmentPlan.halfFilterFrames(.medium))
    }
}
