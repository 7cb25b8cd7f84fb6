import AudioCore
import DSP
import Testing
import TestSupport

struct LoudnessMeterTests {
    /// The derived 48 kHz coefficients reproduce the table of ITU-R BS.1770-4 (Tables 1 and 2).
    @Test func coefficientsMatchBS1770TableAt48k() {
        let k = KWeighting.Coefficients(sampleRate: 48_000)
        let shelf = [k.shelf.b0, k.shelf.b1, k.shelf.b2, k.shelf.a1, k.shelf.a2]
        let table1 = [1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585]
        let hp = [k.highPass.b0, k.highPass.b1, k.highPass.b2, k.highPass.a1, k.highPass.a2]
        let table2 = [1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621]
        for (a, b) in zip(shelf + hp, table1 + table2) { #expect(abs(a - b) <= 1e-8, "\(a) vs \(b)") }
    }

    /// A 1 kHz tone measures the same at every supported rate (the K-filter gain at 1 kHz is
    /// rate-independent when derived from the analog prototype).
    @Test(arguments: [16_000, 22_050, 24_000, 44_100, 48_000, 96_000])
    func toneLoudnessIsRateIndependent(rate: Int) {
        let x = Signal.sine(frequency: 997, amplitude: Signal.amplitude(dBFS: -20), sampleRate: rate, frames: 5 * rate)
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: rate, layout: .mono), measures: .integrated)
        meter.write(AudioBlock(channels: [x]))
        // Mono sine at -20 dBFS peak: mean square -23.01 dB; K-weighting at 1 kHz ≈ +0.69 dB,
        // cancelled by the -0.691 of BS.1770: ≈ -23.0 LUFS.
        #expect(abs(meter.report().integrated.value + 23.0) <= 0.1, "\(rate): \(meter.report().integrated)")
    }

    /// True peak of signals whose peak is known analytically (+0.2/−0.4 dB, BS.1770-4 Annex 2).
    /// A sine at fs/4 with a 45° phase has samples at ±0.707 of its crest: sample peak −3 dB
    /// below the true peak, which oversampling must find.
    @Test(arguments: [(48_000, 12_000.0), (44_100, 11_025.0), (96_000, 24_000.0), (16_000, 4_000.0)])
    func truePeakOfQuarterRateSine(rate: Int, frequency: Double) {
        let level = -6.0
        let x = Signal.sine(frequency: frequency, amplitude: Signal.amplitude(dBFS: level), phase: .pi / 4,
                            sampleRate: rate, frames: rate)
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: rate, layout: .mono), measures: [.truePeak, .samplePeak])
        meter.write(AudioBlock(channels: [x]))
        let r = meter.report()
        #expect(r.truePeak.value - level <= 0.2 && r.truePeak.value - level >= -0.4, "TP \(r.truePeak)")
        #expect(abs(r.samplePeak.value - (level - 3.0103)) <= 0.01, "SP \(r.samplePeak)")
    }

    @Test func truePeakOf997HzSine() {
        let x = Signal.sine(frequency: 997, amplitude: Signal.amplitude(dBFS: -6), phase: 0.3, sampleRate: 48_000, frames: 48_000)
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: 48_000, layout: .stereo))
        meter.write(AudioBlock(channels: [x, x.map { $0 * 0.5 }]))
        let r = meter.report()
        #expect(r.truePeak.value + 6 <= 0.2 && r.truePeak.value + 6 >= -0.4, "TP \(r.truePeak)")
        #expect(abs(r.truePeakPerChannel[1].value + 12.02) <= 0.2, "TP R \(r.truePeakPerChannel[1])")
    }

    /// Inter-sample overs: alternating ±1 samples shaped so the reconstruction exceeds full scale
    /// (a sine at fs/4, 45° phase, whose samples are exactly ±1 ⇒ true peak +3.01 dBTP).
    @Test func truePeakFindsOversAboveFullScale() {
        let x = Signal.sine(frequency: 12_000, amplitude: 2.0.squareRoot(), phase: .pi / 4, sampleRate: 48_000, frames: 4800)
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: 48_000, layout: .mono), measures: .truePeak)
        meter.write(AudioBlock(channels: [x]))
        let tp = meter.report().truePeak.value
        #expect(tp - 3.0103 <= 0.2 && tp - 3.0103 >= -0.4, "TP \(tp)")
    }

    @Test func silenceGivesNoValue() {
        let x = [Float](repeating: 0, count: 5 * 48_000)
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: 48_000, layout: .stereo))
        meter.write(AudioBlock(channels: [x, x]))
        let r = meter.report()
        #expect(r.integrated.value == -.infinity)
        #expect(r.loudnessRange == 0)
        #expect(r.truePeak.value == -.infinity && r.samplePeak.value == -.infinity)
        #expect(r.momentary.count == 50 && r.momentary.allSatisfy { $0.value == -.infinity })
        #expect(r.shortTerm.allSatisfy { $0.value == -.infinity })
        #expect(r.maxMomentary.value == -.infinity && r.maxShortTerm.value == -.infinity)
        #expect(r.gating.integrated(withGain: Decibels(20)).value == -.infinity)
    }

    @Test func shorterThanOneBlockGivesNoLoudness() {
        let x = Signal.noise(count: 48_000 * 39 / 100, amplitude: 0.5, seed: 3)  // 390 ms
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: 48_000, layout: .mono))
        meter.write(AudioBlock(channels: [x]))
        let r = meter.report()
        #expect(r.integrated.value == -.infinity)
        #expect(r.loudnessRange == 0)
        #expect(r.truePeak.value.isFinite && r.truePeak.value > -7)
        #expect(r.frameCount == x.count && r.duration == 0.39)
        // One more 10 ms completes the first 400 ms block.
        meter.write(AudioBlock(channels: [Signal.noise(count: 480, amplitude: 0.5, seed: 4)]))
        #expect(meter.report().integrated.value.isFinite)
    }

    @Test func emptyMeterReportsNoValues() {
        let r = LoudnessMeter(format: AudioFormat(sampleRate: 44_100, layout: .surround51)).report()
        #expect(r.integrated.value == -.infinity && r.truePeak.value == -.infinity)
        #expect(r.truePeakPerChannel.count == 6 && r.frameCount == 0)
    }

    /// Results are identical (bit for bit) whatever the block sizes the stream arrives in.
    @Test(arguments: [[1], [7, 4410, 333], [8192], [13, 1, 4096, 4800, 97]])
    func blockSizeInvariance(pieces: [Int]) throws {
        let rate = 44_100
        let format = AudioFormat(sampleRate: rate, layout: .surround51)
        let chans = (0..<6).map { Signal.noiseAndTones(sampleRate: rate, seconds: pieces == [1] ? 4 : 8, seed: UInt64($0)) }
        let whole = AudioBlock(channels: chans)
        var a = LoudnessMeter(format: format), b = LoudnessMeter(format: format)
        a.write(whole)
        try feed(whole, to: &b, pieces: pieces)
        let ra = a.report(), rb = b.report()
        #expect(ra == rb)
        #expect(ra.integrated.isFinite && ra.loudnessRange > 0 && ra.truePeak.value.isFinite)
    }

    /// `integrated(withGain:)` agrees with measuring the gained signal.
    @Test(arguments: [-30.0, -6.0, 0.0, 9.5])
    func integratedWithGain(gain: Double) {
        let rate = 48_000
        let x = Signal.noiseAndTones(sampleRate: rate, seconds: 20, seed: 9)
        let scale = Float(Signal.amplitude(dBFS: gain))
        var plain = LoudnessMeter(format: AudioFormat(sampleRate: rate, layout: .mono), measures: [.integrated, .loudnessRange])
        var gained = plain
        plain.write(AudioBlock(channels: [x]))
        gained.write(AudioBlock(channels: [x.map { $0 * scale }]))
        let predicted = plain.integrated(withGain: Decibels(gain)).value
        let measured = gained.report().integrated.value
        #expect(abs(predicted - measured) <= 0.001, "predicted \(predicted), measured \(measured)")
        #expect(abs(plain.report().gating.loudnessRange(withGain: Decibels(gain)) - gained.report().loudnessRange) <= 0.01)
    }

    /// Asking for less gives the same values for what was asked.
    @Test func measureSubsetsAgree() {
        let rate = 48_000
        let x = Signal.noiseAndTones(sampleRate: rate, seconds: 6, seed: 2)
        let block = AudioBlock(channels: [x, x.reversed()])
        let format = AudioFormat(sampleRate: rate, layout: .stereo)
        var all = LoudnessMeter(format: format), tp = LoudnessMeter(format: format, measures: .truePeak)
        var i = LoudnessMeter(format: format, measures: .integrated)
        all.write(block); tp.write(block); i.write(block)
        #expect(all.report().truePeak == tp.report().truePeak)
        #expect(all.report().integrated == i.report().integrated)
        #expect(i.report().truePeak.value == -.infinity && i.report().momentary.isEmpty)
    }

    /// The per-100 ms peak histories: their maxima are the overall peaks, and a burst lands in
    /// the bucket that holds it.
    @Test func peakHistoriesLocateTheOvers() {
        let rate = 48_000
        var x = Signal.noise(count: 3 * rate, amplitude: 0.05, seed: 8)
        // A full-scale fs/4 burst at 45° (inter-sample peak +3 dB) from 1.23 s to 1.25 s.
        let burst = Signal.sine(frequency: 12_000, amplitude: 2.0.squareRoot(), phase: .pi / 4, sampleRate: rate, frames: 960)
        for i in 0..<burst.count { x[Int(1.23 * Double(rate)) + i] = burst[i] }
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: rate, layout: .mono))
        meter.write(AudioBlock(channels: [x]))
        let r = meter.report()
        #expect(r.samplePeakHistory.count == 30 && r.truePeakHistory.count == 30)
        #expect(r.truePeakHistory.max() == r.truePeak)
        #expect(r.samplePeakHistory.max() == r.samplePeak)
        let overs = r.truePeakHistory.indices.filter { r.truePeakHistory[$0].value > 0 }
        #expect(overs == [12], "overs in buckets \(overs)")
        #expect(r.truePeakHistory[11].value < -20 && r.truePeakHistory[13].value < -20)
    }
}

/// The meter split over two threads gives one meter's figures.
@Suite struct ConcurrentLoudnessMeterTests {
    @Test(arguments: [LoudnessMeter.Measures.all.subtracting(.history), [.integrated, .truePeak], [.truePeak], .all])
    func theFiguresAreOneMetersFigures(_ measures: LoudnessMeter.Measures) throws {
        let rate = 48_000
        let format = AudioFormat(sampleRate: rate, channelCount: 2)
        let left = Signal.noiseAndTones(sampleRate: rate, seconds: 5, seed: 21)
        let right = Signal.noiseAndTones(sampleRate: rate, seconds: 5, seed: 22).map { $0 * 0.3 }
        var one = LoudnessMeter(format: format, measures: measures)
        var two = ConcurrentLoudnessMeter(format: format, measures: measures)
        var position = 0
        let signal = AudioBlock(channels: [left, right])
        var block = AudioBlock(channelCount: 2, capacity: 3000)
        while signal.read(from: &position, into: &block) > 0 {
            one.write(block)
            try two.write(block)
        }
        #expect(try two.report() == one.report())
    }
}
