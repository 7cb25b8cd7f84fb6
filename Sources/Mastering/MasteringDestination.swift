import AudioCore
import DSP

/// Where a mastered signal goes, attempt by attempt, and how what arrives there is measured.
///
/// The engine calls ``begin(format:)``, writes every block, then ``finish()``, which returns
/// the loudness of what was delivered *as a listener gets it* (an encoder's output decoded
/// again, a lossy codec's overshoot included). When that result is over the ceiling, the
/// engine calls ``discard()`` and starts a new attempt with more headroom. After the engine
/// returns, the last finished attempt is the result; committing it (moving a file into place)
/// is the caller's step.
///
/// `AudioFileMastering` supplies a destination that encodes to a temporary file;
/// ``MemoryDestination`` keeps the samples in memory.
public protocol MasteringDestination: AnyObject {
    /// How the delivery may differ from what was rendered: lossless or lossy.
    var policy: DeliveryPolicy { get }
    /// Starts a new attempt that will receive blocks of `format`.
    func begin(format: AudioFormat) throws
    /// Receives the next mastered frames of the current attempt.
    func write(_ block: AudioBlock) throws
    /// Ends the attempt and measures what was delivered (integrated loudness, loudness range,
    /// true peak, sample peak).
    func finish() throws -> LoudnessReport
    /// Abandons the current attempt (after `finish()` or part way).
    func discard()
}

/// How far a delivered result may drift from the rendered one, and what the engine does about
/// it: a lossless output is what was rendered (only dither and quantisation move it); a lossy
/// codec's reconstruction overshoots the peaks and moves the loudness.
public struct DeliveryPolicy: Sendable, Hashable {
    /// Headroom kept below the requested ceiling on the first attempt, dB: room for the gain
    /// curve's own inter-sample effects (lossless) or a codec's overshoot (lossy).
    public var initialMargin: Double
    /// More headroom for each new attempt after a delivered peak was over the ceiling, dB.
    public var retryStep: Double
    /// How far over the ceiling a delivered true peak may be and still pass, dB.
    public var peakTolerance: Double
    /// Whether the delivered integrated loudness is held to the target's tolerance (a lossy
    /// codec's loudness is reported, not held).
    public var holdsLoudness: Bool

    public init(initialMargin: Double, retryStep: Double, peakTolerance: Double, holdsLoudness: Bool) {
        self.initialMargin = initialMargin
        self.retryStep = retryStep
        self.peakTolerance = peakTolerance
        self.holdsLoudness = holdsLoudness
    }

    /// PCM, FLAC and other lossless deliveries.
    public static let lossless = DeliveryPolicy(initialMargin: 0.05, retryStep: 0.1, peakTolerance: 0, holdsLoudness: true)
    /// MP3, Vorbis, Opus: 0.6 dB of headroom first, 0.5 dB more per retry, peaks within 0.5 dB.
    public static let lossy = DeliveryPolicy(initialMargin: 0.6, retryStep: 0.5, peakTolerance: 0.5, holdsLoudness: false)
}

/// A ``MasteringDestination`` that keeps the mastered samples in memory and measures them as
/// they are (lossless).
public final class MemoryDestination: MasteringDestination {
    public let policy: DeliveryPolicy
    /// The samples of the last attempt (after `finish()`, the result).
    public private(set) var samples = AudioBlock(channelCount: 1, capacity: 0)
    /// The format of `samples`.
    public private(set) var format: AudioFormat?

    /// - Parameter policy: how the result is held (default lossless).
    public init(policy: DeliveryPolicy = .lossless) { self.policy = policy }

    public func begin(format: AudioFormat) throws {
        self.format = format
        samples = AudioBlock(channelCount: format.channelCount, capacity: 0)
    }

    public func write(_ block: AudioBlock) throws {
        samples.appendGrowing(block)
    }

    public func finish() throws -> LoudnessReport {
        guard let format else { preconditionFailure("finish() without begin(format:)") }
        var meter = LoudnessMeter(format: format, measures: Masterer.figures)
        meter.write(samples)
        return meter.report()
    }

    public func discard() { samples.frameCount = 0 }
}

/// A ``MasteringDestination`` that measures what it receives and keeps nothing: the figures of
/// a mastering without its samples (benchmarks, fuzzing, "what would this come out at").
public final class MeasuringDestination: MasteringDestination {
    public let policy: DeliveryPolicy
    private var meter: LoudnessMeter?

    /// - Parameter policy: how the result is held (default lossless).
    public init(policy: DeliveryPolicy = .lossless) { self.policy = policy }

    public func begin(format: AudioFormat) throws { meter = LoudnessMeter(format: format, measures: Masterer.figures) }

    public func write(_ block: AudioBlock) throws { meter?.write(block) }

    public func finish() throws -> LoudnessReport {
        guard let meter else { preconditionFailure("finish() without begin(format:)") }
        return meter.report()
    }

    public func discard() { meter = nil }
}

/// The destination seen as a sink, for `Pipeline.run`.
struct DestinationSink: AudioSink {
    let destination: any MasteringDestination
    mutating func write(_ block: AudioBlock) throws { try destination.write(block) }
}
