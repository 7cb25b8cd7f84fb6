import AudioCore
import DSP
import Foundation
import Testing
import TestSupport

/// The meter against libebur128 on random noise and tone mixes, at several rates and layouts:
/// within 0.05 LU (integrated), 0.1 LU (loudness range) and 0.2 dB (true peak, per channel).
struct OracleTests {
    static let rates = [16_000, 22_050, 24_000, 44_100, 48_000, 96_000]
    static let layouts: [ChannelLayout] = [.mono, .stereo, .surround51]

    static func dB(_ linear: Double) -> Double { linear > 0 ? 20 * log10(linear) : -.infinity }

    @Test(arguments: rates, layouts)
    func agreesWithLibEbur128(rate: Int, layout: ChannelLayout) {
        let format = AudioFormat(sampleRate: rate, layout: layout)
        let seconds = 12.0
        var channels: [[Float]] = []
        for c in 0..<layout.channelCount {
            // Alternate level-stepped noise-and-tone mixes and plain white noise per channel.
            if c % 2 == 0 {
                channels.append(Signal.noiseAndTones(sampleRate: rate, seconds: seconds, seed: UInt64(rate + 31 * c)))
            } else {
                let amplitude = 0.05 * Double(c + 1)
                channels.append(Signal.noise(count: Int(seconds * Double(rate)), amplitude: amplitude, seed: UInt64(rate * 7 + c)))
            }
        }
        var meter = LoudnessMeter(format: format)
        meter.write(AudioBlock(channels: channels))
        let ours = meter.report()
        let ref = LibEbur128Figures(channels: channels, format: format)

        let i = ours.integrated.value, lra = ours.loudnessRange
        let tpDiff = (0..<layout.channelCount).map { abs(ours.truePeakPerChannel[$0].value - Self.dB(ref.truePeak[$0])) }.max()!
        print("oracle \(format): I \(i) (Δ \(i - ref.integrated)), LRA \(lra) (Δ \(lra - ref.loudnessRange)), max ΔTP \(tpDiff) dB")
        #expect(i.isFinite)
        #expect(abs(i - ref.integrated) <= 0.05, "I: ours \(i), libebur128 \(ref.integrated)")
        #expect(abs(lra - ref.loudnessRange) <= 0.1, "LRA: ours \(lra), libebur128 \(ref.loudnessRange)")
        for c in 0..<layout.channelCount {
            let theirs: Double = Self.dB(ref.truePeak[c])
            let tp: Double = ours.truePeakPerChannel[c].value
            #expect(abs(tp - theirs) <= 0.2, "TP ch \(c): ours \(tp), libebur128 \(theirs)")
            let sp: Double = ours.samplePeakPerChannel[c].value, theirSP: Double = Self.dB(ref.samplePeak[c])
            #expect(abs(sp - theirSP) <= 1e-6)
        }
    }

    /// The EBU tone sequences, too: both meters should agree far inside the EBU tolerance.
    @Test func toneSequenceAgrees() {
        let rate = 44_100
        let x = Signal.toneSequence([(-36, 5), (-23, 10), (-36, 5), (-18, 4)], sampleRate: rate)
        let format = AudioFormat(sampleRate: rate, layout: .stereo)
        var meter = LoudnessMeter(format: format)
        meter.write(AudioBlock(channels: [x, x]))
        let ours = meter.report()
        let ref = LibEbur128Figures(channels: [x, x], format: format)
        #expect(abs(ours.integrated.value - ref.integrated) <= 0.05)
        #expect(abs(ours.loudnessRange - ref.loudnessRange) <= 0.1, "LRA ours \(ours.loudnessRange) ref \(ref.loudnessRange)")
        #expect(abs(ours.truePeak.value - Self.dB(ref.truePeak.max()!)) <= 0.2)
    }
}
