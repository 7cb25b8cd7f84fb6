import AudioCore
import RealModule

/// How much limiting a mastering may spend to reach its target.
///
/// The true-peak limiter makes loudness grow slower than the gain once it acts. On material
/// with sparse peaks (speech, drums) each dB of gain past the point where the limiter starts
/// still buys nearly 1 LU, and a few dB of limiting are inaudible; on dense material (a held
/// note, a hum, a bass drone) the limiter takes almost everything the gain adds, and what it
/// buys is distortion. The search stops where either bound is met, and the signal is delivered
/// at the loudness reached there (the target reported unreachable).
public struct LimitingPolicy: Sendable, Hashable {
    /// The most gain reduction the limiter may apply, dB; nil: no bound. 0: gain only, the
    /// target lowered where the peaks would pass the ceiling.
    public var maximumReduction: Decibels?
    /// The least share of the loudness one more step of gain adds before the limiter that must
    /// survive it (LU after the limiter per LU before it, 0 to 1).
    public var minimumReturn: Double

    /// - Parameters:
    ///   - maximumReduction: default 18 dB: the speech fixtures reach -14 LUFS with 5 and 11.4 dB,
    ///     a sparse drum train under speech with 9 or more, and a tone with 1 ms clicks (the
    ///     sparsest peaks, where limiting costs least) with 15.3; dense material is stopped by
    ///     the return long before.
    ///   - minimumReturn: default 0.2: the speech fixtures keep about half of what the gain
    ///     adds over their whole limiting (0.45 to 0.5), music and drums more; a held tone or
    ///     a drone keeps under 0.05 from the first dB of limiting on.
    public init(maximumReduction: Decibels? = Decibels(18), minimumReturn: Double = 0.2) {
        self.maximumReduction = maximumReduction
        self.minimumReturn = minimumReturn
    }

    /// Whatever it costs (the behaviour of tools that chase the number).
    public static let unbounded = LimitingPolicy(maximumReduction: nil, minimumReturn: 0)
}

/// The search for the gain that lands on the target under the limiter, within a
/// ``LimitingPolicy``: secant steps toward the target, bracketed by the gains known too quiet
/// and the gains refused (too loud, over the limiting budget, limiting that does not pay).
package struct GainSearch {
    /// Why a gain was refused.
    package enum Refusal: Equatable {
        case tooLoud, overBudget, doesNotPay
    }

    /// What to do next.
    package enum Step: Equatable {
        /// Measure at this gain.
        case measure(Double)
        /// Deliver at this gain; `reached` tells whether it lands on the target, else why not.
        case settle(gain: Double, outcome: Outcome)
    }

    package enum Outcome: Equatable {
        case reached
        case capped
        case budget
        case doesNotPay(share: Double)
    }

    package struct Point: Equatable {
        package var gain: Double
        /// Integrated loudness after the limiter, and before it (after the gain and leveler).
        package var loudness: Double
        package var unlimited: Double
        package var reduction: Double

        package init(gain: Double, loudness: Double, unlimited: Double, reduction: Double) {
            self.gain = gain
            self.loudness = loudness
            self.unlimited = unlimited
            self.reduction = reduction
        }
    }

    let target: Double
    let maxGain: Double
    let aim: Double
    let policy: LimitingPolicy
    /// The highest gain known acceptable but too quiet.
    private(set) var low: Point?
    /// The lowest gain refused, and why.
    private(set) var high: (gain: Double, loudness: Double, why: Refusal)?
    private var last: Point?
    private var lastReturn: Double?
    /// The limiter's onset (the free point), while it is the only other point known.
    private var onset: Point?

    /// Steps of gain shorter than this are not judged for their return (too short to measure
    /// a slope on), and a bracket this narrow ends the search.
    package static let resolution = 0.25
    /// Reduction over the budget that still counts as within it (the limiter's detection and
    /// the meter's true peak differ by hundredths of a dB).
    package static let budgetSlack = 0.05

    /// - Parameter free: a point known without measuring (the largest gain the limiter leaves
    ///   alone, where the loudness is the measured one plus the gain), if any.
    package init(target: LoudnessTarget, aim: Double, policy: LimitingPolicy, free: Point?) {
        self.target = target.integrated.value
        maxGain = target.maxGain.value
        self.aim = aim
        self.policy = policy
        low = free
        last = free
        onset = free
    }

    /// Takes the figures of a measuring pass at `gain` (the loudness after the limiter, before
    /// it, and the limiter's largest reduction) and says what to do next.
    package mutating func record(gain: Double, loudness: Double, unlimited: Double, reduction: Double) -> Step {
        let point = Point(gain: gain, loudness: loudness, unlimited: unlimited, reduction: reduction)
        defer { last = point }
        let budget = policy.maximumReduction?.value
        if let budget, reduction > budget + Self.budgetSlack {
            refuse(point, .overBudget)
            // The limiter's reduction grows about one for one with the gain past its onset.
            return bracketed(gain - (reduction - budget))
        }
        if let low, gain - low.gain >= Self.resolution, unlimited - low.unlimited > 1e-3, loudness < target + aim {
            // The share of what the step added before the limiter that came through it.
            let gained = (loudness - low.loudness) / (unlimited - low.unlimited)
            if gained < policy.minimumReturn && reduction > Self.budgetSlack {
                lastReturn = gained
                refuse(point, .doesNotPay)
                return bracketed((low.gain + gain) / 2)
            }
        }
        if abs(loudness - target) <= aim { return .settle(gain: gain, outcome: .reached) }
        if loudness > target {
            refuse(point, .tooLoud)
            return bracketed(secant(from: point))
        }
        if low == nil || gain > low!.gain { low = point }
        if gain >= maxGain - 1e-9 { return .settle(gain: gain, outcome: .capped) }
        return bracketed(min(secant(from: point), maxGain))
    }

    /// The gain to deliver at when the passes run out.
    package func fallback(current: Double) -> Step {
        if let high, high.why != .tooLoud, let low { return settleBelow(high, low) }
        return .settle(gain: current, outcome: .reached)
    }

    private mutating func refuse(_ p: Point, _ why: Refusal) {
        if high == nil || p.gain < high!.gain { high = (p.gain, p.loudness, why) }
    }

    /// The exponent of the limiter's loudness loss past its onset: loss ∝ (gain − onset)^1.5.
    /// Peaks pass the ceiling more often the higher the gain, so the loss grows faster than
    /// the gain; on the speech fixtures and LTX-like clips this power fits the measured loss
    /// within 0.1 LU from 3 to 7 dB of limiting, where a straight line from the onset falls
    /// short by 0.4 LU (one more measuring pass).
    static let lossExponent = 1.5

    /// A step toward the target from the first measured point `p`, too quiet, through the
    /// limiter's onset: the loss measured at `p` extended along the power law; nil when the
    /// law cannot reach the target (the secant decides then).
    private func lossLawStep(from p: Point, onset: Point) -> Double? {
        let d = p.gain - onset.gain
        let loss = p.unlimited - p.loudness
        guard d > Self.resolution, loss > 1e-3, p.loudness < target else { return nil }
        let b = loss / Double.pow(d, Self.lossExponent)
        // loudness(x) = onset.loudness + x − b·x^1.5 (x: gain past the onset), concave, highest
        // at x* = (2 / 3b)²: bisect on [d, x*] for the target.
        let top = Double.pow(2 / (3 * b), 2)
        func loudness(_ x: Double) -> Double { onset.loudness + x - b * Double.pow(x, Self.lossExponent) }
        guard top > d, loudness(top) >= target else { return nil }
        var (lo, hi) = (d, top)
        for _ in 0..<40 {
            let mid = (lo + hi) / 2
            if loudness(mid) < target { lo = mid } else { hi = mid }
        }
        return onset.gain + (lo + hi) / 2
    }

    /// A secant step toward the target from `p` (through the previous point, or at slope 1).
    private mutating func secant(from p: Point) -> Double {
        if let onset, last == onset {
            self.onset = nil
            if let g = lossLawStep(from: p, onset: onset) { return g }
        }
        var slope = 1.0
        if let low, let high, high.why == .tooLoud, high.gain - low.gain > 1e-6 {
            // Regula falsi inside the bracket.
            slope = (high.loudness - low.loudness) / (high.gain - low.gain)
        } else if let last, abs(p.gain - last.gain) > 1e-6 {
            slope = (p.loudness - last.loudness) / (p.gain - last.gain)
        }
        slope = min(1, max(0.05, slope))
        return p.gain + (target - p.loudness) / slope
    }

    /// `candidate`, kept inside the bracket; a bracket closed on a refusal ends the search.
    private func bracketed(_ candidate: Double) -> Step {
        var g = candidate
        if let high {
            if high.why != .tooLoud, let low, high.gain - low.gain < Self.resolution {
                return settleBelow(high, low)
            }
            if g >= high.gain - 1e-3 { g = ((low?.gain ?? high.gain - 2 * Self.resolution) + high.gain) / 2 }
        }
        if let low, g <= low.gain + 1e-3 {
            guard let high else { return .measure(low.gain + Self.resolution) }
            g = (low.gain + high.gain) / 2
        }
        if let last, abs(g - last.gain) < 1e-3 { return .settle(gain: last.gain, outcome: .reached) }
        return .measure(g)
    }

    private func settleBelow(_ high: (gain: Double, loudness: Double, why: Refusal), _ low: Point) -> Step {
        switch high.why {
        case .overBudget: return .settle(gain: low.gain, outcome: .budget)
        case .doesNotPay: return .settle(gain: low.gain, outcome: .doesNotPay(share: lastReturn ?? 0))
        case .tooLoud: return .settle(gain: low.gain, outcome: .reached)
        }
    }
}
