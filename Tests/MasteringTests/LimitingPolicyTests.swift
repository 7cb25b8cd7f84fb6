import AudioCore
import DSP
import Foundation
import Mastering
import Testing
import TestSupport

/// Loudness without damage, in memory: what the limiting policy and the leveler do to tones,
/// sparse peaks and steady noise, measured (THD+N, libebur128, short-term loudness).
@Suite struct LimitingPolicyTests {
    let rate = 48_000

    func master(_ channels: [[Float]], _ settings: MasteringSettings) throws -> (MasteringReport, MemoryDestination) {
        var source = BufferSource(format: AudioFormat(sampleRate: rate, channelCount: channels.count), samples: AudioBlock(channels: channels))
        let destination = MemoryDestination()
        return (try Masterer(settings: settings).master(&source, into: destination), destination)
    }

    func settings(target: Double) -> MasteringSettings {
        MasteringSettings(target: LoudnessTarget(integrated: LUFS(target), truePeakCeiling: Decibels(-1)), trim: nil)
    }

    /// 40 Hz and 100 Hz at half scale (6 s, stereo), asked for a target just past what gain
    /// alone reaches and for one far past it: delivered clean, flagged, never chased.
    @Test(arguments: [40.0, 100.0])
    func lowTonesAskedForMoreThanGainGivesStayClean(frequency: Double) throws {
        let x = Signal.sine(frequency: frequency, amplitude: 0.5, sampleRate: rate, frames: 6 * rate)
        // Where the peaks reach the ceiling: the loudness gain alone can give.
        let (plain, _) = try master([x, x], MasteringSettings(target: nil, trim: nil))
        let atCeiling = plain.before.integrated.value + (-1 - plain.before.truePeak.value)
        for target in [atCeiling + 0.5, atCeiling + 4] {
            let (report, out) = try master([x, x], settings(target: target))
            let y = out.samples.channel(0)
            let thd = SoundQuality.thdPlusN(y, frequency: frequency, sampleRate: rate)
            #expect(thd <= -40, "\(frequency) Hz to \(target) LUFS: THD+N \(thd) dB")
            #expect(report.targetReached == false && report.withinTolerance == true, "ok*")
            #expect(report.limiterReduction!.value <= 0.5, "\(report.limiterReduction!) of limiting")
            #expect(report.warnings.contains { if case .limitingDoesNotPay = $0 { return true } else { return false } },
                    "\(report.warnings)")
            #expect(report.after.truePeak.value <= -1)
        }
    }

    /// The same tone with the policy off shows what it prevents: the limiter squares the wave.
    @Test func chasingTheNumberOnAToneDistorts() throws {
        let x = Signal.sine(frequency: 40, amplitude: 0.5, sampleRate: rate, frames: 6 * rate)
        var s = settings(target: -6)
        s.limiting = .unbounded
        let (report, out) = try master([x, x], s)
        let thd = SoundQuality.thdPlusN(out.samples.channel(0), frequency: 40, sampleRate: rate)
        #expect(report.limiterReduction!.value > 6 && thd > -35, "\(report.limiterReduction!) of limiting, THD+N \(thd) dB")
    }

    /// Speech-like syllables over a sparse drum train: the peaks are rare, so 9 dB or more of
    /// limiting still buys most of the gain, and the target is met.
    @Test func sparsePeaksNeedingNineDecibelsOfLimitingReachTheTarget() throws {
        var g = SplitMix64(seed: 11)
        var x = [Float](repeating: 0, count: 8 * rate)
        var lp: Float = 0
        let syllable = rate * 3 / 10, pause = rate / 5
        for i in 0..<x.count where i % (syllable + pause) < syllable {
            lp += 0.25 * (Float.random(in: -1...1, using: &g) - lp)
            let phase = Float(i % (syllable + pause)) / Float(syllable)
            x[i] = 0.085 * lp * 4 * phase * (1 - phase)
        }
        // A kick every 0.5 s: 6 ms of a decaying 60 Hz burst at full scale.
        for k in stride(from: rate / 4, to: x.count - rate / 100, by: rate / 2) {
            for i in 0..<(rate * 6 / 1000) {
                x[k + i] += Float(0.95 * exp(-Double(i) / 90) * sin(2 * Double.pi * 60 * Double(i) / Double(rate)))
            }
        }
        let (report, out) = try master([x, x], MasteringSettings(trim: nil))
        let oracle = LibEbur128Figures(channels: out.samples.channels, format: report.outputFormat)
        #expect(report.limiterReduction!.value >= 9, "needed \(report.limiterReduction!) of limiting")
        #expect(abs(oracle.integrated - -14) <= 0.1, "libebur128: \(oracle.integrated)")
        #expect(oracle.truePeak.allSatisfy { Decibels(amplitude: $0).value <= -1 })
        #expect(report.targetReached == true && report.warnings.isEmpty, "\(report.warnings)")
    }

    @Test func aLimitingBudgetOfZeroIsGainOnly() throws {
        let x = Signal.noise(count: 4 * rate, amplitude: 0.05, seed: 5) + [0.9] + Signal.noise(count: rate, amplitude: 0.05, seed: 6)
        var s = settings(target: -14)
        s.limiting = LimitingPolicy(maximumReduction: Decibels(0))
        let (report, out) = try master([x], s)
        #expect(report.limiterReduction == Decibels(0), "the limiter never acted: \(report.limiterReduction!)")
        #expect(report.after.truePeak.value <= -1)
        #expect(report.targetReached == false && report.after.integrated.value < -14.1)
        #expect(report.warnings.contains(.limitingBudget(maximum: Decibels(0), reached: report.after.integrated, target: LUFS(-14))))
        let peak = out.samples.channel(0).map(abs).max()!
        #expect(abs(Double(peak) - Decibels(-1.05).amplitude) < 0.01, "the gain put the peak at the ceiling (less the margin)")
    }

    /// Steady noise through the leveler: no pumping (short-term loudness steady within 1 LU).
    @Test func theLevelerDoesNotPumpOnSteadyNoise() throws {
        let x = Signal.noise(count: 12 * rate, amplitude: 0.3, seed: 9)
        var s = settings(target: -14)
        s.leveler = LevelerSettings()
        let (report, out) = try master([x, x], s)
        var meter = LoudnessMeter(format: report.outputFormat, measures: [.integrated, .history])
        meter.write(out.samples)
        let shortTerm = meter.report().shortTerm.dropFirst(30).map(\.value)  // after the first 3 s
        #expect(shortTerm.max()! - shortTerm.min()! <= 1, "short-term loudness moved \(shortTerm.max()! - shortTerm.min()!) LU")
        #expect(abs(report.after.integrated.value - -14) <= 0.1)
    }

    /// Speech-like material with plosive bursts through the leveler: no click (no sample-to-sample
    /// step beyond the source's, scaled by the gain applied), less limiting than without it.
    @Test func theLevelerAddsNoClickAndSparesTheLimiter() throws {
        var g = SplitMix64(seed: 3)
        var x = [Float](repeating: 0, count: 8 * rate)
        var lp: Float = 0
        for i in 0..<x.count where i % (rate / 2) < rate / 3 {
            lp += 0.3 * (Float.random(in: -1...1, using: &g) - lp)
            // Each syllable opens with a 5 ms plosive burst six times louder than its vowel.
            let burst: Float = i % (rate / 2) < rate / 200 ? 6 : 1
            x[i] = 0.1 * burst * lp
        }
        var with = settings(target: -14)
        with.leveler = LevelerSettings()
        let (plain, _) = try master([x], settings(target: -14))
        let (leveled, out) = try master([x], with)
        #expect(leveled.limiterReduction!.value < plain.limiterReduction!.value - 2,
                "limiting \(plain.limiterReduction!) without the leveler, \(leveled.limiterReduction!) with it")
        #expect(abs(leveled.after.integrated.value - -14) <= 0.1)
        let y = out.samples.channel(0)
        var sourceStep: Float = 0, outStep: Float = 0
        for i in 1..<x.count { sourceStep = max(sourceStep, abs(x[i] - x[i - 1])) }
        for i in 1..<y.count { outStep = max(outStep, abs(y[i] - y[i - 1])) }
        let gain = Float(leveled.gain!.amplitude)
        #expect(outStep <= sourceStep * gain, "largest step \(outStep) against the source's \(sourceStep) × gain \(gain)")
        #expect(leveled.levelerReduction!.value > 0 && leveled.levelerAverageReduction!.value > 0)
    }
}
