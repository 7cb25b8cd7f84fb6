import AudioCore
import DSP
import RealModule

/// Multiplies every sample by a constant gain.
public struct GainStage: AudioStage, Sendable {
    public let gain: Decibels
    private let linear: Float

    public init(_ gain: Decibels) {
        self.gain = gain
        linear = Float(gain.amplitude)
    }

    public var name: String { "gain \(gain)" }

    public mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
        StreamSpec(format: format, maxFrames: maxFrames)
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        output.append(input)
        let n = output.frameCount, g = linear
        for c in 0..<output.channelCount {
            output.withMutableChannel(c) { Gain.apply(g, to: $0.baseAddress!, count: n) }
        }
    }

    public mutating func flush(into output: inout AudioBlock) throws {}
}

/// Which frames of a stream to keep, with short fades where it was cut.
public struct TrimPlan: Sendable, Hashable {
    /// Kept ranges of input frames, in order, not overlapping.
    public var keep: [Range<Int>]
    /// Fade length at every cut, in frames.
    public var fadeFrames: Int
    /// Input frames in all.
    public var inputFrames: Int

    public init(keep: [Range<Int>], fadeFrames: Int, inputFrames: Int) {
        self.keep = keep
        self.fadeFrames = fadeFrames
        self.inputFrames = inputFrames
    }

    /// Everything, no fades.
    public static func keepAll(frames: Int) -> TrimPlan {
        TrimPlan(keep: frames > 0 ? [0..<frames] : [], fadeFrames: 0, inputFrames: frames)
    }

    /// Frames kept in all.
    public var keptFrames: Int { keep.reduce(0) { $0 + $1.count } }

    /// The plan for a scan: keep `pad` frames of silence beside the sound, shorten inner
    /// silences longer than `maxGap` to `maxGap`, and fade over `fade` frames at each cut.
    /// All silence ⇒ keep everything (the caller warns).
    public static func from(_ scan: SilenceScanner.Result, pad: Int, fade: Int, maxGap: Int?) -> TrimPlan {
        guard let sound = scan.sound else { return .keepAll(frames: scan.frameCount) }
        let start = max(0, sound.lowerBound - pad)
        let end = min(scan.frameCount, sound.upperBound + pad)
        var keep: [Range<Int>] = []
        var cursor = start
        if let maxGap {
            for gap in scan.gaps where gap.count > maxGap && gap.lowerBound >= start && gap.upperBound <= end {
                // Keep half the allowed gap after the sound before it and half before the next.
                let cutStart = gap.lowerBound + maxGap / 2
                let cutEnd = gap.upperBound - (maxGap - maxGap / 2)
                if cutEnd > cutStart && cutStart > cursor {
                    keep.append(cursor..<cutStart)
                    cursor = cutEnd
                }
            }
        }
        if end > cursor { keep.append(cursor..<end) }
        return TrimPlan(keep: keep, fadeFrames: fade, inputFrames: scan.frameCount)
    }
}

/// Keeps the frames a `TrimPlan` names, fading in after each cut and out before each cut
/// (half-cosine ramps), so cuts never click. Frames arrive and leave in order; nothing is held.
public struct TrimStage: AudioStage, Sendable {
    public let plan: TrimPlan
    private var position = 0
    private var rangeIndex = 0

    public init(_ plan: TrimPlan) { self.plan = plan }

    public var name: String { "trim" }

    public mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
        position = 0
        rangeIndex = 0
        return StreamSpec(format: format, maxFrames: maxFrames)
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        let blockStart = position, blockEnd = position + input.frameCount
        position = blockEnd
        while rangeIndex < plan.keep.count {
            let r = plan.keep[rangeIndex]
            let from = max(r.lowerBound, blockStart), to = min(r.upperBound, blockEnd)
            if from < to {
                let outStart = output.frameCount
                output.append(input, from: from - blockStart, count: to - from)
                applyFades(range: r, from: from, to: to, outStart: outStart, output: &output)
            }
            if r.upperBound <= blockEnd { rangeIndex += 1 } else { break }
        }
    }

    public mutating func flush(into output: inout AudioBlock) throws {}

    private func applyFades(range r: Range<Int>, from: Int, to: Int, outStart: Int, output: inout AudioBlock) {
        let fade = min(plan.fadeFrames, r.count / 2)
        guard fade > 0 else { return }
        let fadeIn = r.lowerBound > 0           // cut before this range
        let fadeOut = r.upperBound < plan.inputFrames  // cut after it
        for c in 0..<output.channelCount {
            output.withMutableChannel(c) { ch in
                for f in from..<to {
                    var g: Float = 1
                    if fadeIn && f < r.lowerBound + fade { g = TrimStage.ramp(f - r.lowerBound, fade) }
                    if fadeOut && f >= r.upperBound - fade { g = min(g, TrimStage.ramp(r.upperBound - 1 - f, fade)) }
                    if g < 1 { ch[outStart + f - from] *= g }
                }
            }
        }
    }

    /// Half-cosine ramp: 0 at i = 0 rising to nearly 1 at i = n − 1.
    static func ramp(_ i: Int, _ n: Int) -> Float {
        let x = (Double(i) + 0.5) / Double(n)
        return Float(0.5 - 0.5 * Double.cos(Double.pi * x))
    }
}
