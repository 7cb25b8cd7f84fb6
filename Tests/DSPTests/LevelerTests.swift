import AudioCore
import DSP
import Foundation
import Testing
import TestSupport

/// The leveler: its kernels against their scalar twins, then the stage's behaviour (latency,
/// block-size invariance, static curve, no clicks, no pumping, what it does to speech).
@Suite struct LevelerTests {
    static let lengths = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 4099]

    // MARK: Kernels

    @Test(arguments: lengths)
    func hopEnergiesMatchReference(_ length: Int) {
        for hopFrames in [1, 7, 8, 9, 16, 17, 44, 48, 96] {
            let hops = length / hopFrames
            for offset in [0, 1, 3] {
                let x = Signal.noise(count: length + offset, amplitude: 1, seed: UInt64(length * 100 + hopFrames))
                var fast = [Double](repeating: 0.5, count: hops + 1), slow = fast
                x.withUnsafeBufferPointer { p in
                    fast.withUnsafeMutableBufferPointer {
                        Leveler.accumulateHopEnergies(p.baseAddress! + offset, hopFrames: hopFrames, hops: hops, weight: 1.41, into: $0.baseAddress!)
                    }
                    slow.withUnsafeMutableBufferPointer {
                        Leveler.accumulateHopEnergiesReference(p.baseAddress! + offset, hopFrames: hopFrames, hops: hops, weight: 1.41, into: $0.baseAddress!)
                    }
                }
                // Float lanes: each lane adds ≤ hopFrames/16 + 1 squares, each rounded once, of
                // non-negative terms, so the relative error of a hop's sum is ≤ (hopFrames/16 + 5)·2⁻²⁴
                // against the Double reference (the 0.5 already there is exact in both).
                for k in 0..<hops {
                    let sum = slow[k] - 0.5
                    let tolerance = (Double(hopFrames) / 16 + 5) * 0x1p-24 * sum
                    #expect(abs(fast[k] - slow[k]) <= tolerance, "hop \(hopFrames) offset \(offset) k \(k): \(fast[k]) vs \(slow[k])")
                }
                #expect(fast[hops] == 0.5, "nothing written past the hops")
            }
        }
    }

    @Test(arguments: lengths)
    func rampMatchesReferenceExactly(_ length: Int) {
        // Both compute Float(i)·step + start with the same two roundings (Float(i) is exact):
        // the results are bit-identical, so the tolerance is 0.
        for offset in [0, 1, 3] {
            for (start, end) in [(Float(1), Float(0.5)), (0.25, 0.9), (0.7, 0.7)] {
                let step = (end - start) / Float(max(1, length))
                var fast = [Float](repeating: -1, count: length + offset + 1), slow = fast
                fast.withUnsafeMutableBufferPointer { Leveler.fillRamp(from: start, step: step, into: $0.baseAddress! + offset, count: length) }
                slow.withUnsafeMutableBufferPointer { Leveler.fillRampReference(from: start, step: step, into: $0.baseAddress! + offset, count: length) }
                #expect(fast == slow)
                #expect(fast[length + offset] == -1 && (offset == 0 || fast[0] == -1), "nothing written outside")
                if length > 0 { #expect(fast[offset] == start) }
            }
        }
    }

    // MARK: Helpers

    static let rate = 48_000

    /// Runs `x` through `leveler` in blocks of `blockSize` frames, as the pipeline would.
    static func level(_ x: [[Float]], _ leveler: Leveler, rate: Int = rate, blockSize: Int = 4096, log: Bool = false) throws -> ([[Float]], Leveler) {
        var leveler = leveler
        if log { leveler.gainLog = [] }
        let format = AudioFormat(sampleRate: rate, channelCount: x.count)
        let spec = try leveler.prepare(for: format, maxFrames: blockSize)
        let input = AudioBlock(channels: x)
        var out = AudioBlock(channelCount: x.count, capacity: input.frameCount + spec.maxFrames)
        var piece = AudioBlock(channelCount: x.count, capacity: blockSize)
        var buffer = AudioBlock(channelCount: x.count, capacity: spec.maxFrames)
        var pos = 0
        while pos < input.frameCount {
            let n = min(blockSize, input.frameCount - pos)
            piece.frameCount = 0
            piece.append(input, from: pos, count: n)
            buffer.frameCount = 0
            try leveler.process(piece, into: &buffer)
            out.append(buffer)
            pos += n
        }
        while true {
            buffer.frameCount = 0
            try leveler.flush(into: &buffer)
            if buffer.frameCount == 0 { break }
            out.append(buffer)
        }
        return (out.channels, leveler)
    }

    /// Speech-like material: low-passed noise syllables (0.3–0.45 s, sine-squared envelope)
    /// with 0.1–0.3 s pauses, phrases of 6 syllables at levels 12 dB apart, and every fifth
    /// syllable 9 dB louder. Peaks near 0.9 (no clipping).
    static func speech(seconds: Double, rate: Int = rate, seed: UInt64) -> [Float] {
        var g = SplitMix64(seed: seed)
        let n = Int(seconds * Double(rate))
        var out = [Float](repeating: 0, count: n)
        var pos = Int(0.5 * Double(rate))
        var syllable = 0
        var lp: Float = 0, lp2: Float = 0
        while pos < n {
            let length = Int(Double.random(in: 0.3...0.45, using: &g) * Double(rate))
            let phrase = (syllable / 6) % 2 == 0 ? 0.05 : 0.2
            let loud = syllable % 5 == 3 ? 2.8 : 1.0
            let amplitude = Float(phrase * loud)
            for i in 0..<length where pos + i < n {
                let white = Float(Double.random(in: -1..<1, using: &g))
                lp += 0.25 * (white - lp)
                lp2 += 0.5 * (lp - lp2)
                let e = Float(sin(Double.pi * Double(i) / Double(length)))
                out[pos + i] = amplitude * 3 * lp2 * e * e
            }
            pos += length + Int(Double.random(in: 0.1...0.3, using: &g) * Double(rate))
            syllable += 1
        }
        return out
    }

    /// Pink-ish noise: white noise through three one-pole low-passes summed (≈ −3 dB/octave
    /// between ~100 Hz and ~10 kHz), scaled to `peak` at most.
    static func pinkish(seconds: Double, rate: Int = rate, seed: UInt64, scale: Float) -> [Float] {
        var g = SplitMix64(seed: seed)
        let n = Int(seconds * Double(rate))
        var a: Float = 0, b: Float = 0, c: Float = 0
        return (0..<n).map { _ in
            let w = Float(Double.random(in: -1..<1, using: &g))
            a += 0.01 * (w - a); b += 0.1 * (w - b); c += 0.6 * (w - c)
            return scale * (4 * a + 1.2 * b + 0.4 * c + 0.1 * w)
        }
    }

    static func report(_ x: [[Float]], rate: Int = rate, measures: LoudnessMeter.Measures = .all) -> LoudnessReport {
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: rate, channelCount: x.count), measures: measures)
        meter.write(AudioBlock(channels: x))
        return meter.report()
    }

    // MARK: The stage

    @Test func impulseComesOutAtTheSameIndex() throws {
        var x = [Float](repeating: 0, count: 20_000)
        x[12_345] = 0.5
        for blockSize in [64, 1000, 4096] {
            let (out, lev) = try Self.level([x, x], Leveler(threshold: Decibels(-20)), blockSize: blockSize)
            #expect(out[0].count == x.count && out[1].count == x.count)
            #expect(out[0] == x, "block \(blockSize): the impulse (below threshold) at index 12345, unchanged")
            #expect(lev.latencyFrames == 70 * 48)
        }
    }

    @Test func lengthAndOutputDoNotDependOnTheBlockSize() throws {
        let left = Self.speech(seconds: 2.3, seed: 1)
        let right = left.map { $0 * 0.7 }
        let lev = Leveler(threshold: Decibels(-30))
        let (reference, r) = try Self.level([left, right], lev, blockSize: 4096)
        #expect(reference[0].count == left.count)
        #expect(r.reducedFrames > 0, "the test signal is leveled")
        for blockSize in [1, 37, 480, 1001] {
            let (out, l) = try Self.level([left, right], lev, blockSize: blockSize)
            #expect(out == reference, "block size \(blockSize)")
            #expect(l.maximumReduction == r.maximumReduction && l.averageReduction == r.averageReduction && l.reducedFrames == r.reducedFrames)
        }
        // Lengths that are not whole hops, and shorter than the look-ahead.
        for n in [0, 1, 47, 49, 3000, 4801] {
            let (out, _) = try Self.level([Array(left.prefix(n))], lev, blockSize: 256)
            #expect(out[0].count == n)
        }
    }

    @Test func toneBelowTheThresholdIsUnchanged() throws {
        let tone = Signal.sine(frequency: 997, amplitude: 0.1, sampleRate: Self.rate, frames: 3 * Self.rate)
        let loudness = Self.report([tone, tone], measures: [.integrated]).integrated.value  // ≈ −20 LUFS
        // The knee starts at threshold − 3 dB; stay 1 dB under it.
        let (out, lev) = try Self.level([tone, tone], Leveler(threshold: Decibels(loudness + 4)))
        #expect(out[0] == tone && out[1] == tone, "bit-exact")
        #expect(lev.reducedFrames == 0 && lev.maximumReduction == Decibels(0))
    }

    /// A steady tone at X LUFS is detected at X: after settling, the gain is the static curve's.
    @Test(arguments: [-6.0, -2.0, 0.0, 2.5, 4.0, 10.0])
    func steadyToneFollowsTheStaticCurve(_ overThreshold: Double) throws {
        let tone = Signal.sine(frequency: 1000, amplitude: 0.2, sampleRate: Self.rate, frames: 3 * Self.rate)
        let loudness = Self.report([tone], measures: [.integrated]).integrated.value
        let lev = Leveler(threshold: Decibels(loudness - overThreshold))
        let (out, result) = try Self.level([tone], lev)
        // The last second, far past the release (0.3 s) and attack: the gain has settled.
        let tail = (2 * Self.rate)..<(3 * Self.rate - Self.rate / 10)
        let inPower = tail.reduce(0.0) { $0 + Double(tone[$1]) * Double(tone[$1]) }
        let outPower = tail.reduce(0.0) { $0 + Double(out[0][$1]) * Double(out[0][$1]) }
        let applied = 10 * log10(outPower / inPower)
        let expected = lev.gain(forLevel: loudness)
        #expect(abs(applied - expected) <= 0.1, "over \(overThreshold): applied \(applied) dB, curve \(expected) dB")
        // Knee and ratio: the curve itself.
        if overThreshold >= 3 { #expect(abs(expected - (1.0 / 3 - 1) * overThreshold) < 1e-9) }
        if overThreshold <= -3 { #expect(expected == 0) }
        if overThreshold == 0 { #expect(abs(expected - (1.0 / 3 - 1) * 3 * 3 / 12) < 1e-9) }
        if expected < 0 { #expect(abs(result.averageReduction.value + expected) < 0.3, "average \(result.averageReduction)") }
    }

    /// The hop (round(rate/1000) frames) and the coefficients follow the sample rate.
    @Test(arguments: [22_050, 44_100, 96_000])
    func staticCurveHoldsAtOtherRates(_ rate: Int) throws {
        let tone = Signal.sine(frequency: 1000, amplitude: 0.3, sampleRate: rate, frames: 2 * rate)
        let loudness = Self.report([tone], rate: rate, measures: [.integrated]).integrated.value
        let lev = Leveler(threshold: Decibels(loudness - 9))
        let (out, result) = try Self.level([tone], lev, rate: rate, blockSize: 1000)
        #expect(out[0].count == tone.count)
        let tail = rate..<(2 * rate - rate / 10)
        let inPower = tail.reduce(0.0) { $0 + Double(tone[$1]) * Double(tone[$1]) }
        let outPower = tail.reduce(0.0) { $0 + Double(out[0][$1]) * Double(out[0][$1]) }
        #expect(abs(10 * log10(outPower / inPower) + 6) <= 0.1, "9 dB over at ratio 3: −6 dB")
        #expect(abs(result.maximumReduction.value - 6) <= 0.1)
    }

    /// Channels are linked (one gain for all), detection weighs them as BS.1770 does: the LFE
    /// does not count, surround channels count 1.41 (an odd number of weighted channels leaves
    /// one lane of the two-channel K-weighting kernel idle).
    @Test func surroundIsLinkedAndTheLFEIsNotDetected() throws {
        let n = Self.rate * 2
        let loud = Signal.sine(frequency: 60, amplitude: 0.9, sampleRate: Self.rate, frames: n)
        let silent = [Float](repeating: 0, count: n)
        // 5.1: L R C LFE Ls Rs. A loud LFE alone: nothing to level.
        let lfeOnly = [silent, silent, silent, loud, silent, silent]
        let (a, la) = try Self.level(lfeOnly, Leveler(threshold: Decibels(-40)))
        #expect(a == lfeOnly && la.reducedFrames == 0)
        // A loud centre: every channel gets the same gain, frame by frame.
        let quiet = Signal.noise(count: n, amplitude: 0.01, seed: 2)
        let center = Signal.sine(frequency: 500, amplitude: 0.5, sampleRate: Self.rate, frames: n)
        let mix = [quiet, quiet, center, loud, quiet, quiet]
        let (b, lb) = try Self.level(mix, Leveler(threshold: Decibels(-20)), log: true)
        let gains = lb.gainLog!
        #expect(lb.maximumReduction.value > 3)
        for c in 0..<6 { #expect(zip(zip(mix[c], gains), b[c]).allSatisfy { $0.0 * $0.1 == $1 }, "channel \(c)") }
    }

    @Test func noClickOnSpeechWithLoudBursts() throws {
        let x = Self.speech(seconds: 12, seed: 7)
        let loudness = Self.report([x], measures: [.integrated]).integrated.value
        let (out, lev) = try Self.level([x], Leveler(threshold: Decibels(loudness)), log: true)
        #expect(lev.maximumReduction.value > 6, "the bursts are reduced by \(lev.maximumReduction)")
        var inStep: Float = 0, outStep: Float = 0, gainStep: Float = 0
        let gains = lev.gainLog!
        for i in 1..<x.count {
            inStep = max(inStep, abs(x[i] - x[i - 1]))
            outStep = max(outStep, abs(out[0][i] - out[0][i - 1]))
            gainStep = max(gainStep, abs(gains[i] - gains[i - 1]))
        }
        #expect(outStep <= inStep, "largest output step \(outStep), source's \(inStep)")
        // The gain moves by at most (1 − 10^(−Δ/20))/hop per frame, where Δ is the attack's share
        // of the gap between target and gain in one 1 ms hop: 1 − e^(−1/20) ≈ 4.9 % of it. The
        // syllables (≥ 0.3 s) outlast the attack (20 ms) many times, so the gain reaches nearly
        // the largest target: the gap is at most about the largest reduction (20 % margin).
        let hopShare = 1 - exp(-1.0 / 20)
        let bound = Float((1 - pow(10, -hopShare * 1.2 * lev.maximumReduction.value / 20)) / 48)
        #expect(gainStep <= bound, "gain step \(gainStep) per frame, bound \(bound)")
    }

    @Test func noPumpingOnSteadyNoise() throws {
        let left = Self.pinkish(seconds: 12, seed: 3, scale: 0.1), right = Self.pinkish(seconds: 12, seed: 4, scale: 0.1)
        let loudness = Self.report([left, right], measures: [.integrated]).integrated.value
        let (out, lev) = try Self.level([left, right], Leveler(threshold: Decibels(loudness - 8)))
        // Steady noise at X LUFS is detected at about X: the average reduction is the static
        // curve's at X (the window's spread averages out; in dB it biases low by a little).
        let curve = -Leveler(threshold: Decibels(loudness - 8)).gain(forLevel: loudness)
        #expect(abs(lev.averageReduction.value - curve) < 0.3, "average \(lev.averageReduction), curve at X \(curve) dB")
        let shortTerm = Self.report(out, measures: [.history]).shortTerm
        let steady = shortTerm[30...].map(\.value)  // after the first 3 s
        let spread = steady.max()! - steady.min()!
        #expect(spread <= 1, "short-term loudness varies by \(spread) LU")
        #expect(spread <= 0.5, "in fact by far less: \(spread) LU")
    }

    @Test func speechGetsASmallerRangeAndPeakToLoudnessRatio() throws {
        let left = Self.speech(seconds: 40, seed: 11), right = Self.speech(seconds: 40, seed: 12)
        let before = Self.report([left, right])
        let (out, lev) = try Self.level([left, right], Leveler(threshold: Decibels(before.integrated.value - 4)))
        let after = Self.report(out)
        let plrBefore = before.truePeak.value - before.integrated.value
        let plrAfter = after.truePeak.value - after.integrated.value
        #expect(after.loudnessRange < before.loudnessRange - 2, "LRA \(before.loudnessRange) → \(after.loudnessRange) LU")
        // An RMS detector does not touch the crest factor inside a syllable; the PLR falls because
        // the loudest syllables (the peaks) are reduced more than the programme's loudness.
        #expect(plrAfter < plrBefore - 1, "PLR \(plrBefore) → \(plrAfter) dB")
        #expect(lev.averageReduction.value > 0.5 && lev.maximumReduction.value > lev.averageReduction.value)
    }

    /// Programmer errors trap (checked once, at entry): bad parameters, a block of the wrong
    /// channel count or longer than prepared.
    @Test func misuseTraps() async {
        await #expect(processExitsWith: .failure) { _ = Leveler(threshold: Decibels(-20), ratio: 0.5) }
        await #expect(processExitsWith: .failure) { _ = Leveler(threshold: Decibels(-20), attack: 0) }
        await #expect(processExitsWith: .failure) {
            var lev = Leveler(threshold: Decibels(-20))
            _ = try lev.prepare(for: AudioFormat(sampleRate: 48_000, channelCount: 2), maxFrames: 4096)
            var out = AudioBlock(channelCount: 2, capacity: 10_000)
            try lev.process(AudioBlock(channelCount: 1, capacity: 10, frameCount: 10), into: &out)
        }
        await #expect(processExitsWith: .failure) {
            var lev = Leveler(threshold: Decibels(-20))
            _ = try lev.prepare(for: AudioFormat(sampleRate: 48_000, channelCount: 1), maxFrames: 4096)
            var out = AudioBlock(channelCount: 1, capacity: 10_000)
            try lev.process(AudioBlock(channelCount: 1, capacity: 5000, frameCount: 5000), into: &out)
        }
    }

    @Test func reportedReductionsMatchTheAppliedGain() throws {
        // Noise whose level steps every 0.5 s (never silent), so every frame is above the gate.
        let x = Signal.noiseAndTones(sampleRate: Self.rate, seconds: 6, seed: 5)
        let steady = Self.pinkish(seconds: 6, seed: 9, scale: 0.02)
        let signal = zip(x, steady).map { $0 + $1 }
        let (out, lev) = try Self.level([signal], Leveler(threshold: Decibels(-30)), log: true)
        let gains = lev.gainLog!
        #expect(gains.count == signal.count)
        #expect(zip(zip(signal, gains), out[0]).allSatisfy { $0.0 * $0.1 == $1 }, "output = input × logged gain")
        let minimum = gains.min()!
        #expect(abs(lev.maximumReduction.value + 20 * log10(Double(minimum))) < 1e-9)
        #expect(lev.reducedFrames == gains.filter { $0 < 1 }.count)
        #expect(lev.gatedFrames == signal.count)
        let average = gains.reduce(0.0) { $0 - 20 * log10(Double($1)) } / Double(gains.count)
        #expect(abs(lev.averageReduction.value - average) < 0.01, "reported \(lev.averageReduction), applied \(average) dB")
        #expect(average > 1)
    }
}
