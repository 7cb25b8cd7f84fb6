import AudioCore
import DSP

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
