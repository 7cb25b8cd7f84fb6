import AudioCore

/// Finds where the sound is: the level of short windows of all channels together, compared
/// with a threshold, for trimming leading, trailing and (optionally) long inner silences.
///
/// Feed it blocks like a meter (`write`), then ask `result()`. A window is `windowFrames`
/// frames (10 ms by default); its level is the RMS over all channels of its samples, in dBFS
/// (20·log10 of the RMS; a full-scale sine reads -3.01). A window at or above the threshold is
/// sound. Memory is constant except for the list of long gaps, which holds two integers per
/// gap longer than `maxGap`.
///
/// The scan also counts non-finite samples (NaN, ±infinity), which no output may contain.
public struct SilenceScanner: AudioSink, Sendable {
    /// Frames per analysis window.
    public let windowFrames: Int
    /// Mean-square threshold (linear power), from the dBFS threshold.
    public let thresholdPower: Double
    /// Gaps (runs of silent windows) at least this many frames long are reported; nil: none.
    public let minGapFrames: Int?
    public let channelCount: Int

    private var windowSum = 0.0
    private var windowFill = 0
    private var windowIndex = 0
    private var firstSoundWindow: Int?
    private var lastSoundWindow: Int?
    private var silentRunStart: Int?
    private var gaps: [Range<Int>] = []
    /// Frames written so far.
    public private(set) var frameCount = 0
    /// Non-finite samples seen, and the first frame holding one.
    public private(set) var nonFiniteCount = 0
    public private(set) var firstNonFiniteFrame: Int?

    /// - Parameters:
    ///   - format: format of the blocks to come.
    ///   - threshold: sound/silence boundary in dBFS (RMS of the window).
    ///   - window: analysis window in seconds (default 10 ms).
    ///   - minGap: report inner silences at least this long (seconds); nil to skip.
    public init(format: AudioFormat, threshold: Decibels, window: Double = 0.010, minGap: Double? = nil) {
        windowFrames = max(1, Int((window * Double(format.sampleRate)).rounded()))
        let amplitude = threshold.amplitude
        thresholdPower = amplitude * amplitude
        minGapFrames = minGap.map { max(1, Int(($0 * Double(format.sampleRate)).rounded())) }
        channelCount = format.channelCount
        gaps.reserveCapacity(64)
    }

    public mutating func write(_ block: AudioBlock) {
        precondition(block.channelCount == channelCount, "block has \(block.channelCount) channels, scanner \(channelCount)")
        let n = block.frameCount
        block.withStorage { storage, stride in
            let base = storage.baseAddress!
            // Non-finite check over the whole block first (one SIMD pass per channel).
            for c in 0..<channelCount {
                let bad = SilenceScan.countNonFinite(base + c * stride, count: n)
                guard bad > 0 else { continue }
                let p = base + c * stride
                var i = 0
                while i < n && p[i].isFinite { i += 1 }
                firstNonFiniteFrame = min(firstNonFiniteFrame ?? Int.max, frameCount + i)
                nonFiniteCount += bad
            }
            var i = 0
            while i < n {
                let take = min(windowFrames - windowFill, n - i)
                var s = 0.0
                for c in 0..<channelCount { s += PowerSum.sumOfSquares(base + c * stride + i, count: take) }
                windowSum += s
                windowFill += take
                i += take
                if windowFill == windowFrames { closeWindow() }
            }
        }
        frameCount += n
    }

    private mutating func closeWindow() {
        let frames = windowFill
        let meanSquare = windowSum / Double(frames * channelCount)
        let sound = meanSquare >= thresholdPower  // NaN compares false: counted separately
        if sound {
            if firstSoundWindow == nil { firstSoundWindow = windowIndex }
            if let start = silentRunStart, let minGapFrames, lastSoundWindow != nil {
                let run = (start * windowFrames)..<(windowIndex * windowFrames)
                if run.count >= minGapFrames { gaps.append(run) }
            }
            silentRunStart = nil
            lastSoundWindow = windowIndex
        } else if silentRunStart == nil {
            silentRunStart = windowIndex
        }
        windowSum = 0
        windowFill = 0
        windowIndex += 1
    }

    /// Where the sound is.
    public struct Result: Sendable, Hashable {
        /// Frames scanned.
        public var frameCount: Int
        /// First and one-past-last frame of sound (window-aligned), or nil if all is silence.
        public var sound: Range<Int>?
        /// Inner silences at least `minGap` long, in frames, in order.
        public var gaps: [Range<Int>]
    }

    /// The scan so far, counting a trailing partial window as a window.
    public func result() -> Result {
        var copy = self
        if copy.windowFill > 0 { copy.closeWindow() }
        guard let first = copy.firstSoundWindow, let last = copy.lastSoundWindow else {
            return Result(frameCount: frameCount, sound: nil, gaps: [])
        }
        let end = min(frameCount, (last + 1) * windowFrames)
        return Result(frameCount: frameCount, sound: (first * windowFrames)..<end, gaps: copy.gaps)
    }
}

/// Kernels of the silence scan.
public enum SilenceScan {
    /// How many of `count` samples are NaN or infinite. `x - x` is 0 for finite x and NaN
    /// otherwise, so one subtract and compare per lane. No allocation.
    @inlinable
    public static func countNonFinite(_ samples: UnsafePointer<Float>, count: Int) -> Int {
        let raw = UnsafeRawPointer(samples)
        var bad = SIMD8<Int32>()
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let d = v - v
            bad &-= unsafeBitCast(d .!= 0, to: SIMD8<Int32>.self)  // true lanes are -1
            i &+= 8
        }
        var n = Int(bad.wrappedSum())
        while i < count {
            if !samples[i].isFinite { n += 1 }
            i &+= 1
        }
        return n
    }

    /// Scalar twin of `countNonFinite`.
    public static func countNonFiniteReference(_ samples: UnsafePointer<Float>, count: Int) -> Int {
        var n = 0
        for i in 0..<count where !samples[i].isFinite { n += 1 }
        return n
    }
}
