import AudioCore
import DSP
import Testing
import TestSupport

/// The synthetic cases of EBU Tech 3341 (loudness meters) and Tech 3342 (loudness range):
/// 1 kHz sine tones at the specified levels and durations, 48 kHz.
struct EBUConformanceTests {
    static func measure(_ channels: [[Float]], layout: ChannelLayout, rate: Int = 48_000) -> LoudnessReport {
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: rate, layout: layout))
        meter.write(AudioBlock(channels: channels))
        return meter.report()
    }

    static func stereo(_ segments: [(dBFS: Double, seconds: Double)], rate: Int = 48_000) -> LoudnessReport {
        let x = Signal.toneSequence(segments, sampleRate: rate)
        return measure([x, x], layout: .stereo, rate: rate)
    }

    /// Tech 3341 cases 1 and 2: a steady stereo tone; M, S and I all equal its level (±0.1).
    /// Run at 44.1 kHz as well, where the K-filter coefficients are derived, not tabulated.
    @Test(arguments: [(-23.0, 48_000), (-33.0, 48_000), (-23.0, 44_100), (-33.0, 44_100)])
    func tech3341Cases1And2(level: Double, rate: Int) {
        let r = Self.stereo([(level, 20)], rate: rate)
        #expect(abs(r.integrated.value - level) <= 0.1, "I = \(r.integrated)")
        let m = r.momentary.dropFirst(3), s = r.shortTerm.dropFirst(29)
        #expect(!m.isEmpty && !s.isEmpty)
        #expect(m.allSatisfy { abs($0.value - level) <= 0.1 }, "M range \(m.min()!)…\(m.max()!)")
        #expect(s.allSatisfy { abs($0.value - level) <= 0.1 }, "S range \(s.min()!)…\(s.max()!)")
    }

    /// Tech 3341 case 3: -36 dBFS 10 s, -23 dBFS 60 s, -36 dBFS 10 s ⇒ I = -23 (relative gate).
    @Test func tech3341Case3() {
        let r = Self.stereo([(-36, 10), (-23, 60), (-36, 10)])
        #expect(abs(r.integrated.value + 23) <= 0.1, "I = \(r.integrated)")
    }

    /// Tech 3341 case 4: -72, -36, -23 (60 s), -36, -72 dBFS ⇒ I = -23 (absolute and relative gates).
    @Test func tech3341Case4() {
        let r = Self.stereo([(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)])
        #expect(abs(r.integrated.value + 23) <= 0.1, "I = \(r.integrated)")
    }

    /// Tech 3341 case 5: -26 dBFS 20 s, -20 dBFS 20.1 s, -26 dBFS 20 s ⇒ I = -23.
    @Test func tech3341Case5() {
        let r = Self.stereo([(-26, 20), (-20, 20.1), (-26, 20)])
        #expect(abs(r.integrated.value + 23) <= 0.1, "I = \(r.integrated)")
    }

    /// Tech 3341 case 6: 5.0 channels, L and R -28 dBFS, C -24 dBFS, Ls and Rs -30 dBFS (weighted
    /// 1.41), 20 s ⇒ I = -23. Also with a silent LFE in 5.1 order (excluded from loudness).
    @Test func tech3341Case6() {
        let rate = 48_000
        func tone(_ db: Double) -> [Float] { Signal.toneSequence([(db, 20)], sampleRate: rate) }
        let l = tone(-28), c = tone(-24), s = tone(-30)
        let five = Self.measure([l, l, c, s, s], layout: ChannelLayout(roles: [.left, .right, .center, .leftSurround, .rightSurround]))
        #expect(abs(five.integrated.value + 23) <= 0.1, "I = \(five.integrated)")
        // An LFE carrying a loud tone must not count.
        let six = Self.measure([l, l, c, tone(-10), s, s], layout: .surround51)
        #expect(abs(six.integrated.value + 23) <= 0.1, "I = \(six.integrated)")
    }

    /// Tech 3341 case 9: 1.34 s at -20 dBFS and 1.66 s at -30 dBFS, five times: every 3 s window
    /// holds one period, so S = -23 (±0.1) at every 100 ms step after the first 3 s.
    @Test func tech3341Case9() {
        let period: [(dBFS: Double, seconds: Double)] = [(-20, 1.34), (-30, 1.66)]
        let r = Self.stereo(Array(repeating: period, count: 5).flatMap { $0 })
        let s = r.shortTerm.dropFirst(29)
        #expect(s.count >= 120)
        #expect(s.allSatisfy { abs($0.value + 23) <= 0.1 }, "S range \(s.min()!)…\(s.max()!)")
        #expect(abs(r.maxShortTerm.value + 23) <= 0.1)
    }

    /// Tech 3342 cases 1–4: stepped tones ⇒ LRA within ±1 LU of 10, 5, 20, 15 LU.
    @Test(arguments: [
        ([(-20.0, 20.0), (-30.0, 20.0)], 10.0),
        ([(-20.0, 20.0), (-15.0, 20.0)], 5.0),
        ([(-40.0, 20.0), (-20.0, 20.0)], 20.0),
        ([(-50.0, 20.0), (-35.0, 20.0), (-20.0, 20.0), (-35.0, 20.0), (-50.0, 20.0)], 15.0),
    ])
    func tech3342(segments: [(Double, Double)], expected: Double) {
        let r = Self.stereo(segments.map { (dBFS: $0.0, seconds: $0.1) })
        #expect(abs(r.loudnessRange - expected) <= 1, "LRA = \(r.loudnessRange)")
    }
}
