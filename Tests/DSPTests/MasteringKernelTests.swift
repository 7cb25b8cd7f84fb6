import AudioCore
import DSP
import Foundation
import Testing
import TestSupport

/// The mastering kernels: each SIMD loop against its scalar twin, and the stages' behaviour.
@Suite struct MasteringKernelTests {
    static let lengths = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 4099]

    @Test(arguments: lengths)
    func gainMatchesReferenceExactly(_ n: Int) {
        // One multiply per sample in both: results are bit-identical, so the tolerance is 0.
        let src = Signal.noise(count: n + 3, amplitude: 1, seed: UInt64(n) + 1)
        for offset in [0, 1, 3] where offset <= src.count {
            var a = Array(src[offset...]), b = a
            let count = a.count
            a.withUnsafeMutableBufferPointer { Gain.apply(0.7071, to: $0.baseAddress!, count: count) }
            b.withUnsafeMutableBufferPointer { Gain.applyReference(0.7071, to: $0.baseAddress!, count: count) }
            #expect(a == b)
            let curve = Signal.noise(count: count, amplitude: 1, seed: 99)
            var c = [Float](repeating: 0, count: count), d = c
            curve.withUnsafeBufferPointer { g in
                src.withUnsafeBufferPointer { x in
                    c.withUnsafeMutableBufferPointer { Gain.applyCurve(g.baseAddress!, to: x.baseAddress! + offset, into: $0.baseAddress!, count: count) }
                    d.withUnsafeMutableBufferPointer { Gain.applyCurveReference(g.baseAddress!, to: x.baseAddress! + offset, into: $0.baseAddress!, count: count) }
                }
            }
            #expect(c == d)
        }
    }

    @Test(arguments: lengths)
    func nonFiniteCountMatchesReference(_ n: Int) {
        var x = Signal.noise(count: n, amplitude: 1, seed: 7)
        var rng = SplitMix64(seed: UInt64(n))
        for _ in 0..<(n / 5) {
            x[Int(rng.next() % UInt64(n))] = [Float.nan, .infinity, -.infinity, .leastNonzeroMagnitude][Int(rng.next() % 4)]
        }
        let fast = x.withUnsafeBufferPointer { SilenceScan.countNonFinite($0.baseAddress!, count: n) }
        let slow = x.withUnsafeBufferPointer { SilenceScan.countNonFiniteReference($0.baseAddress!, count: n) }
        #expect(fast == slow)
    }

    @Test(arguments: [44100, 96000])
    func windowPeaksMatchReference(_ rate: Int) {
        // Different summation order (paired accumulators vs one): each value may differ by a few
        // ulps of the sum of |terms| (≤ gainBound · max|x| ≈ 1.2 here); 1e-5 absolute is ample.
        let filter = TruePeakFilter(sampleRate: rate)
        for n in [0, 1, 7, 8, 9, 17, 100, 1001] {
            let x = Signal.noise(count: n + filter.tapsPerPhase + 2, amplitude: 1, seed: UInt64(n) + 11)
            for offset in [0, 1, 2] {
                var fast = [Float](repeating: 0.01, count: n + 1), slow = fast
                x.withUnsafeBufferPointer { p in
                    fast.withUnsafeMutableBufferPointer { filter.windowPeaks(p.baseAddress! + offset, windows: n, maxInto: $0.baseAddress!) }
                    slow.withUnsafeMutableBufferPointer { filter.windowPeaksReference(p.baseAddress! + offset, windows: n, maxInto: $0.baseAddress!) }
                }
                for i in 0..<fast.count { #expect(abs(fast[i] - slow[i]) <= 1e-5, "n \(n) offset \(offset) window \(i)") }
                #expect(fast[n] == 0.01, "nothing written past the windows")
            }
        }
    }

    @Test func scannerFindsSoundAndGaps() {
        let rate = 48000
        let s = { (seconds: Double) in [Float](repeating: 0, count: Int(seconds * Double(rate))) }
        let tone = { (seconds: Double) in Signal.sine(frequency: 440, amplitude: 0.5, sampleRate: rate, frames: Int(seconds * Double(rate))) }
        let signal = s(0.5) + tone(1) + s(0.3) + tone(1) + s(0.7)
        var scanner = SilenceScanner(format: AudioFormat(sampleRate: rate, channelCount: 1), threshold: Decibels(-50), minGap: 0.2)
        var sink = scanner
        try? feed(AudioBlock(channels: [signal]), to: &sink, pieces: [1000, 37, 4096])
        scanner = sink
        let r = scanner.result()
        let window = scanner.windowFrames
        #expect(r.sound != nil)
        #expect(abs(r.sound!.lowerBound - 24000) <= window)
        #expect(abs(r.sound!.upperBound - Int(2.8 * Double(rate))) <= window)
        #expect(r.gaps.count == 1)
        #expect(abs(r.gaps[0].count - Int(0.3 * Double(rate))) <= 2 * window)
        #expect(scanner.nonFiniteCount == 0)

        var silent = SilenceScanner(format: AudioFormat(sampleRate: rate, channelCount: 2), threshold: Decibels(-50))
        silent.write(AudioBlock(channels: [Signal.noise(count: 9000, amplitude: 0.001, seed: 1), s(9000.0 / 48000)]))
        #expect(silent.result().sound == nil, "noise at -60 dBFS is silence")
    }

    /// A signal whose peaks sit 8 dB over a -1 dBTP ceiling, so the limiter must take > 6 dB.
    func loudBursts(rate: Int, seconds: Double) -> [Float] {
        let n = Int(seconds * Double(rate))
        var x = Signal.sine(frequency: 997, amplitude: 0.05, sampleRate: rate, frames: n)
        let burst = Signal.sine(frequency: 3000, amplitude: 2.2, phase: 0.7, sampleRate: rate, frames: rate / 20)
        for start in stride(from: rate / 4, to: n - burst.count, by: rate / 2) {
            for i in 0..<burst.count { x[start + i] += burst[i] * Float(sin(Double.pi * Double(i) / Double(burst.count))) }
        }
        return x
    }

    func limit(_ x: [[Float]], rate: Int, ceiling: Double, blockSize: Int, log: Bool = false, idlePath: Bool = true) throws
        -> ([[Float]], [Float], TruePeakLimiter) {
        var limiter = TruePeakLimiter(ceiling: Decibels(ceiling))
        limiter.usesIdlePath = idlePath
        if log { limiter.gainLog = [] }
        let format = AudioFormat(sampleRate: rate, channelCount: x.count)
        let spec = try limiter.prepare(for: format, maxFrames: blockSize)
        var out = AudioBlock(channelCount: x.count, capacity: 0)
        let input = AudioBlock(channels: x)
        var pos = 0
        var piece = AudioBlock(channelCount: x.count, capacity: blockSize)
        var buffer = AudioBlock(channelCount: x.count, capacity: spec.maxFrames)
        func collect() {
            out.reserve(capacity: out.frameCount + buffer.frameCount)
            out.append(buffer)
            buffer.frameCount = 0
        }
        while pos < input.frameCount {
            let n = min(blockSize, input.frameCount - pos)
            piece.frameCount = 0
            piece.append(input, from: pos, count: n)
            try limiter.process(piece, into: &buffer)
            collect()
            pos += n
        }
        try limiter.flush(into: &buffer)
        collect()
        return (out.channels, limiter.gainLog ?? [], limiter)
    }

    @Test(arguments: [44100, 48000, 96000])
    func limiterHoldsTheCeilingWithSmoothGain(_ rate: Int) throws {
        let left = loudBursts(rate: rate, seconds: 3)
        let right = left.map { $0 * 0.8 }
        var before = LoudnessMeter(format: AudioFormat(sampleRate: rate, channelCount: 2), measures: [.truePeak])
        before.write(AudioBlock(channels: [left, right]))
        #expect(before.report().truePeak.value > 5, "the input peaks well over the ceiling")

        let (out, gains, limiter) = try limit([left, right], rate: rate, ceiling: -1, blockSize: 1024, log: true)
        #expect(out[0].count == left.count, "latency compensated: same length")
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: rate, channelCount: 2), measures: [.truePeak])
        meter.write(AudioBlock(channels: out))
        // The gain varies under the interpolator's window, so allow 0.1 dB over; the mastering
        // chain aims a little lower and verifies the written file.
        #expect(meter.report().truePeak.value <= -0.9, "true peak \(meter.report().truePeak)")
        #expect(-Decibels(amplitude: Double(limiter.minimumGain)).value > 6, "more than 6 dB of limiting")

        // Gain changes are smooth: at most (1 - g)/(L+1) per frame on the attack (L: 2 ms).
        let lookahead = Int((0.002 * Double(rate)).rounded())
        let bound = Float(1.0 / Double(lookahead + 1)) * 1.001
        var largest: Float = 0
        for i in 1..<gains.count { largest = max(largest, abs(gains[i] - gains[i - 1])) }
        #expect(largest <= bound, "largest gain step \(largest) per frame, bound \(bound)")
        #expect(gains.count == left.count)
    }

    @Test func limiterIsTransparentBelowTheCeilingAndBlockSizeInvariant() throws {
        let rate = 48000
        let quiet = Signal.noiseAndTones(sampleRate: rate, seconds: 1, seed: 3).map { $0 * 0.5 }
        let (a, _, lim) = try limit([quiet], rate: rate, ceiling: -1, blockSize: 4096)
        #expect(a[0] == quiet, "no limiting: bit-identical and time-aligned")
        #expect(lim.limitedFrames == 0)
        let loud = loudBursts(rate: rate, seconds: 1.5)
        let (b, _, _) = try limit([loud], rate: rate, ceiling: -1, blockSize: 4096)
        let (c, _, _) = try limit([loud], rate: rate, ceiling: -1, blockSize: 37)
        #expect(b == c, "the same output whatever the block size")
    }

    /// The idle path (frames far from any limiting skip the sliding minimum and the average)
    /// gives the plain version's gains: on sparse bursts (mostly idle), on speech-like material
    /// limited often, and at the start and end of the signal.
    @Test(arguments: [(0.3, 4096), (0.3, 37), (4.0, 1000)])
    func limiterIdlePathEqualsThePlainOne(_ burstGain: Float, _ blockSize: Int) throws {
        let rate = 48000
        let speech = Signal.noiseAndTones(sampleRate: rate, seconds: 2, seed: 11)
        let bursts = loudBursts(rate: rate, seconds: 2).map { $0 * burstGain }
        let left = speech.enumerated().map { $1 * 0.6 + bursts[$0] }
        let right = bursts
        let (fast, fastGains, a) = try limit([left, right], rate: rate, ceiling: -1, blockSize: blockSize, log: true)
        let (plain, plainGains, b) = try limit([left, right], rate: rate, ceiling: -1, blockSize: blockSize, log: true, idlePath: false)
        #expect(b.limitedFrames > rate / 10 && b.limitedFrames < left.count, "the signal is limited in places, not everywhere")
        var largest: Float = 0
        for i in plainGains.indices { largest = max(largest, abs(fastGains[i] - plainGains[i])) }
        #expect(fastGains.count == plainGains.count && largest <= 1e-6, "largest gain difference \(largest)")
        for c in 0..<2 {
            #expect(zip(fast[c], plain[c]).allSatisfy { abs($0 - $1) <= 1e-6 })
        }
        #expect(a.minimumGain == b.minimumGain && a.limitedFrames == b.limitedFrames)
    }

    @Test func ditherIsTriangularWithinOneLSB() throws {
        var d = TPDFDither(bitDepth: 16)
        let format = AudioFormat(sampleRate: 48000, channelCount: 1)
        _ = try d.prepare(for: format, maxFrames: 100_000)
        let zeros = AudioBlock(channelCount: 1, capacity: 100_000, frameCount: 100_000)
        var out = AudioBlock(channelCount: 1, capacity: 100_000)
        try d.process(zeros, into: &out)
        let noise = out.channel(0)
        let lsb: Float = 1 / 32767
        #expect(noise.allSatisfy { abs($0) < lsb })
        let mean = noise.reduce(0.0) { $0 + Double($1) } / Double(noise.count)
        #expect(abs(mean) < Double(lsb) * 0.01)
        // Triangular on (-1, 1) LSB: variance 1/6 LSB²; the central half holds 3/4 of the values.
        let variance = noise.reduce(0.0) { $0 + Double($1 / lsb) * Double($1 / lsb) } / Double(noise.count)
        #expect(abs(variance - 1.0 / 6) < 0.01)
        let central = Double(noise.filter { abs($0) < lsb / 2 }.count) / Double(noise.count)
        #expect(abs(central - 0.75) < 0.01)
        var again = TPDFDither(bitDepth: 16)
        _ = try again.prepare(for: format, maxFrames: 100_000)
        var out2 = AudioBlock(channelCount: 1, capacity: 100_000)
        try again.process(zeros, into: &out2)
        #expect(out2.channel(0) == noise, "reproducible")
    }
}
