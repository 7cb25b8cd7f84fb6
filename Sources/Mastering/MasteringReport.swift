import AudioCore
import DSP

/// What the engine did to one signal, in numbers and enums (no formatted text).
public struct MasteringReport: Sendable {
    /// The input's format and length.
    public var inputFormat: AudioFormat
    public var inputFrames: Int
    /// The input as it came (integrated loudness, loudness range, true and sample peak).
    public var before: LoudnessReport
    /// The frames kept by trimming (at the input's rate).
    public var trim: TrimPlan
    /// The delivered format and length.
    public var outputFormat: AudioFormat
    public var outputFrames: Int
    /// The delivery as measured by the destination (decoded again, for files).
    public var after: LoudnessReport
    /// The gain applied before the limiter; nil without a loudness target.
    public var gain: Decibels?
    /// The true-peak limiter's largest gain reduction (0 dB when it never acted); nil without
    /// a loudness target.
    public var limiterReduction: Decibels?
    /// The limiter's average reduction over the frames it limited; nil without a target.
    public var limiterAverageReduction: Decibels?
    /// The leveler's largest and average reduction; nil when it is off.
    public var levelerReduction: Decibels?
    public var levelerAverageReduction: Decibels?
    /// Rendering passes: the measuring passes of the gain search plus the written ones (1
    /// without a loudness target).
    public var passes: Int
    /// False when the target could not be reached (silence, too short, the gain cap), so the
    /// signal was delivered at the loudness it could have; nil without a target.
    public var targetReached: Bool?
    /// Whether the delivery meets the target: true peak at or under the ceiling (within the
    /// policy's tolerance) and, for lossless deliveries of a reachable target, integrated
    /// loudness within ``LoudnessNormalization/tolerance``; nil without a target.
    public var withinTolerance: Bool?
    /// What the caller should tell a person, in order.
    public var warnings: [MasteringWarning]
    /// Every rendering pass of the gain search and of delivery, in order (for a verbose report).
    public var steps: [MasteringStep] = []
    /// Wall time per phase.
    public var timings = MasteringTimings()
}

/// One rendering pass: the gain it applied and what came out of the limiter.
public struct MasteringStep: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A measuring pass of the gain search (nothing delivered).
        case measuring
        /// A pass into the destination (a delivery attempt).
        case delivery
    }

    public var kind: Kind
    /// The gain before the limiter.
    public var gain: Decibels
    /// The integrated loudness after the limiter (for a delivery: as the destination measured it).
    public var loudness: LUFS
    /// The limiter's largest gain reduction in the pass.
    public var limiterReduction: Decibels
    /// The ceiling the limiter held (the target's less the delivery margin).
    public var ceiling: Decibels
}

/// Wall time of each phase of one mastering.
public struct MasteringTimings: Sendable, Hashable {
    /// Pass 1: silence scan and loudness of the input.
    public var analysis: Duration = .zero
    /// Pass 2: trim and resample into the intermediate store, measuring.
    public var preparation: Duration = .zero
    /// The measuring passes of the gain search.
    public var search: Duration = .zero
    /// The written passes, including the destination's verification.
    public var delivery: Duration = .zero

    public init() {}

    /// The whole mastering.
    public var total: Duration { analysis + preparation + search + delivery }
}

/// What mastering would do, measured without writing anything (a dry run).
public struct MasteringPlan: Sendable {
    public var inputFormat: AudioFormat
    public var inputFrames: Int
    public var before: LoudnessReport
    public var trim: TrimPlan
    public var outputFormat: AudioFormat
    /// The delivered length, estimated from the kept frames and the rate ratio.
    public var expectedOutputFrames: Int
    /// The first gain the engine would apply; nil without a loudness target.
    public var gain: Decibels?
    /// The true peak after that gain, before limiting; above the ceiling, the limiter will act.
    public var peakBeforeLimiting: Decibels?
    /// Whether the limiter would act.
    public var limiterWouldAct: Bool
    public var warnings: [MasteringWarning]
}

/// Something about a mastering a person should know; none of them stops it.
public enum MasteringWarning: Sendable, Hashable {
    /// Everything is below the trim threshold; nothing was trimmed.
    case nothingToTrim(threshold: Decibels)
    /// Loudness cannot be measured (digital silence, or less than one 400 ms gating block);
    /// the signal was left at its level.
    case loudnessUnmeasurable
    /// Reaching the target needs more gain than the cap; left quieter than the target.
    case gainCapped(needed: Decibels, target: LUFS, maxGain: Decibels)
    /// Under the limiter, the gain that reaches the target is over the cap; left quieter.
    case gainCappedUnderLimiter(maxGain: Decibels)
    /// Reaching the target needs more limiting than the policy allows; delivered at `reached`.
    case limitingBudget(maximum: Decibels, reached: LUFS, target: LUFS)
    /// Past `limiting` dB of gain reduction, only `share` of the loudness more gain added before
    /// the limiter came through it (under the policy's `minimum`): delivered at `reached`,
    /// short of the target.
    case limitingDoesNotPay(share: Double, minimum: Double, limiting: Decibels, reached: LUFS, target: LUFS)
    /// The delivered true peak is over the ceiling (beyond the delivery policy's tolerance).
    case truePeakOverCeiling(measured: Decibels, ceiling: Decibels)
    /// The delivered integrated loudness is further from the target than the tolerance.
    case loudnessOutOfTolerance(measured: LUFS, target: LUFS, tolerance: Double)
}

/// Why the engine refused a signal.
public struct MasteringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Hashable {
        /// NaN or infinite samples: they would poison every figure and reach the output.
        case nonFiniteSamples
        /// A change of sample rate without a resampler factory.
        case noResampler
    }

    public var code: Code
    /// For `.nonFiniteSamples`: how many, and the first one's frame.
    public var count = 0
    public var firstFrame = 0
    /// The rates involved (input, wanted).
    public var sampleRate = 0
    public var wantedRate = 0

    public var description: String {
        switch code {
        case .nonFiniteSamples:
            return "contains \(count) non-finite sample\(count == 1 ? "" : "s") (NaN or infinity), the first at frame \(firstFrame)"
        case .noResampler:
            return "the signal is at \(sampleRate) Hz and \(wantedRate) Hz was asked for, but no resampler was given"
        }
    }
}
