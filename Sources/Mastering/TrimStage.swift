import AudioCore
import RealModule

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
