import AudioCore
import Mastering
import Testing

/// The gain search against loudness models of the two kinds of material: sparse peaks (the
/// limiter's reduction grows with the gain while the loudness keeps most of it) and dense ones
/// (a held tone: the limiter takes almost everything).
@Suite struct GainSearchTests {
    /// `untouched`: the largest gain the limiter leaves alone; `kept`: the share of each further
    /// dB that comes through the limiter.
    struct Model {
        var base: Double  // loudness at gain 0
        var untouched: Double
        var kept: Double
        func loudness(_ g: Double) -> Double { g <= untouched ? base + g : base + untouched + kept * (g - untouched) }
        func unlimited(_ g: Double) -> Double { base + g }
        func reduction(_ g: Double) -> Double { max(0, g - untouched) }
    }

    /// Runs the search as `Masterer` does; returns where it settled and the passes it took.
    func run(_ m: Model, target: Double, policy: LimitingPolicy, maxGain: Double = 30, passes: Int = 9)
        -> (gain: Double, outcome: GainSearch.Outcome, passes: Int) {
        let t = LoudnessTarget(integrated: LUFS(target), truePeakCeiling: Decibels(-1), maxGain: Decibels(maxGain))
        let free = GainSearch.Point(gain: m.untouched, loudness: m.loudness(m.untouched), unlimited: m.unlimited(m.untouched), reduction: 0)
        var search = GainSearch(target: t, aim: 0.045, policy: policy, free: free)
        var step = GainSearch.Step.measure(min(target - m.base, maxGain))
        var n = 0
        while case .measure(let g) = step, n < passes {
            n += 1
            step = search.record(gain: g, loudness: m.loudness(g), unlimited: m.unlimited(g), reduction: m.reduction(g))
        }
        if case .measure(let g) = step { step = search.fallback(current: g) }
        guard case .settle(let g, let outcome) = step else { fatalError("no settlement") }
        return (g, outcome, n)
    }

    @Test func sparsePeaksReachTheTargetWithinTheAim() {
        let speech = Model(base: -30, untouched: 8, kept: 0.8)  // needs 18 dB of gain, 10 of limiting
        let r = run(speech, target: -14, policy: LimitingPolicy())
        #expect(r.outcome == .reached && abs(speech.loudness(r.gain) - -14) <= 0.045)
        #expect(r.passes <= 4, "secant steps converge fast: \(r.passes) passes")
    }

    /// Loss growing as the 1.5th power of the gain past the limiter's onset (what speech
    /// does): the first measured point and the onset predict the gain, and the second
    /// measuring pass lands on the target. A straight line from the onset takes more.
    @Test func aLossGrowingFasterThanTheGainIsPredictedFromTheFirstPoint() {
        struct PowerModel {
            var base = -25.6, onset = 8.0, b = 0.177  // the LTX-like 48 kHz clip: 6.8 dB of limiting at -14 LUFS
            func loss(_ g: Double) -> Double { g <= onset ? 0 : b * (g - onset) * (g - onset).squareRoot() }
        }
        let m = PowerModel()
        let t = LoudnessTarget(integrated: LUFS(-14), truePeakCeiling: Decibels(-1), maxGain: Decibels(30))
        let free = GainSearch.Point(gain: m.onset, loudness: m.base + m.onset, unlimited: m.base + m.onset, reduction: 0)
        var search = GainSearch(target: t, aim: 0.045, policy: LimitingPolicy(), free: free)
        var step = GainSearch.Step.measure(-14 - m.base)
        var passes = 0
        while case .measure(let g) = step {
            passes += 1
            step = search.record(gain: g, loudness: m.base + g - m.loss(g), unlimited: m.base + g, reduction: g - m.onset)
        }
        guard case .settle(let g, .reached) = step else { Issue.record("not reached: \(step)"); return }
        #expect(abs(m.base + g - m.loss(g) - -14) <= 0.045)
        #expect(passes == 2, "\(passes) measuring passes")
    }

    @Test func aToneStopsWhereTheLimiterStartsAndSaysWhy() {
        let tone = Model(base: -15, untouched: 5, kept: 0.03)
        let r = run(tone, target: -7, policy: LimitingPolicy())
        guard case .doesNotPay(let kept) = r.outcome else {
            Issue.record("not refused: \(r)")
            return
        }
        #expect(kept < 0.1)
        #expect(tone.reduction(r.gain) <= GainSearch.resolution, "at most a quarter dB of limiting: \(tone.reduction(r.gain))")
        #expect(r.passes <= 9)
    }

    @Test func theLimitingBudgetCapsTheGain() {
        let drums = Model(base: -30, untouched: 4, kept: 0.8)  // the target needs 15 dB of limiting
        let r = run(drums, target: -14, policy: LimitingPolicy(maximumReduction: Decibels(10), minimumReturn: 0.2))
        #expect(r.outcome == .budget)
        #expect(drums.reduction(r.gain) <= 10.05 && drums.reduction(r.gain) >= 10 - GainSearch.resolution - 0.05,
                "settled at \(drums.reduction(r.gain)) dB of limiting")
    }

    @Test func anUnboundedPolicyChasesTheNumber() {
        let tone = Model(base: -15, untouched: 5, kept: 0.3)
        let r = run(tone, target: -8, policy: .unbounded)
        #expect(r.outcome == .reached && abs(tone.loudness(r.gain) - -8) <= 0.045)
    }

    @Test func theGainCapStopsTheSearch() {
        let quiet = Model(base: -60, untouched: 50, kept: 1)
        let r = run(quiet, target: -14, policy: LimitingPolicy(), maxGain: 30)
        #expect(r.outcome == .capped && r.gain == 30)
    }

    @Test func tooLoudPointsBracketTheTarget() {
        // A first guess far too high (a model whose limiting costs little): the search comes back down.
        let m = Model(base: -20, untouched: 2, kept: 0.9)
        let r = run(m, target: -14, policy: LimitingPolicy())
        #expect(r.outcome == .reached && abs(m.loudness(r.gain) - -14) <= 0.045)
    }
}
