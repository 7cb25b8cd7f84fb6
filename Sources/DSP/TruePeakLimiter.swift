import AudioCore
import RealModule

/// A look-ahead, stereo-linked true-peak limiter: keeps the oversampled peak of its output at
/// or under a ceiling with smooth gain changes.
///
/// Detection: each frame's peak is the largest of |x| and the interpolated values on either
/// side of it (the BS.1770-4 Annex 2 polyphase interpolator of `TruePeakFilter`), over all
/// channels. The required gain is `ceiling / peak` where the peak is over the ceiling, else 1.
///
/// Gain curve: a sliding minimum of the required gain over the next `L` look-ahead frames,
/// smoothed by an `L+1`-frame moving average. Every average that touches a peak's frame is
/// made only of values at or below that peak's requirement, so the curve reaches the required
/// gain exactly at the peak, having ramped down linearly over the look-ahead (no step larger
/// than (1 − g)/(L+1) per frame). After a peak the gain recovers exponentially with the
/// release time constant (150 ms by default: slow enough not to pump on speech and music).
///
/// Latency: `T/2 + L` frames (T: interpolator taps per phase); the stage compensates it, so the
/// output is time-aligned with the input and has exactly as many frames.
///
/// Interpolated peaks of the *output* can differ slightly from the gain times the input's
/// peaks because the gain varies; aim the ceiling a little lower (the mastering chain measures
/// the result and tightens the margin if needed).
public struct TruePeakLimiter: AudioStage, Sendable {
    /// Linear ceiling (amplitude).
    public let ceiling: Float
    /// Look-ahead in seconds.
    public let lookahead: Double
    /// Release time constant in seconds.
    public let release: Double

    private var filter = TruePeakFilter(oversampling: 1)
    private var channels = 0
    private var L = 0          // look-ahead frames
    private var halfTaps = 0   // T/2
    private var delay = 0      // T/2 + L
    private var releaseStep: Float = 0

    // Detection: the last T-1 input samples of each channel, then the block (per channel rows).
    private var detectRows: [Float] = []
    private var rowLength = 0
    private var blockPeaks: [Float] = []   // m for each window of the block, max over channels
    private var previousM: Float = 0

    // Delay line: ring of `delay + 1` frames per channel.
    private var ring: [Float] = []
    private var ringSize = 1

    // Sliding minimum (monotonic deque) over L+1 required gains, and the moving average.
    private var dequeIndex: [Int] = []
    private var dequeValue: [Float] = []
    private var dequeHead = 0
    private var dequeCount = 0
    private var box: [Float] = []
    private var boxPosition = 0
    private var boxSum: Double = 0
    private var inverseBoxLength = 1.0
    private var gain: Float = 1

    private var inputFrames = 0      // real frames ingested
    private var detectIndex = 0      // next frame `a` whose requirement is pushed
    private var flushed = false

    /// Smallest gain applied so far (1 = no limiting).
    public private(set) var minimumGain: Float = 1
    /// Frames whose gain was below 1.
    public private(set) var limitedFrames = 0
    /// Test hook: when non-nil, every applied gain is appended (allocates; tests only).
    package var gainLog: [Float]? = nil

    /// - Parameters:
    ///   - ceiling: the largest true peak allowed at the output.
    ///   - lookahead: attack/look-ahead time in seconds (default 2 ms).
    ///   - release: release time constant in seconds (default 150 ms).
    public init(ceiling: Decibels, lookahead: Double = 0.002, release: Double = 0.150) {
        self.ceiling = Float(ceiling.amplitude)
        self.lookahead = lookahead
        self.release = release
    }

    public var name: String { "true-peak limiter" }

    /// Total latency the stage compensates, in frames.
    public var latencyFrames: Int { delay }

    public mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
        filter = TruePeakFilter(sampleRate: format.sampleRate)
        channels = format.channelCount
        L = max(1, Int((lookahead * Double(format.sampleRate)).rounded()))
        halfTaps = filter.tapsPerPhase / 2
        delay = halfTaps + L
        releaseStep = Float(1 - Double.exp(-1 / (release * Double(format.sampleRate))))
        let history = max(0, filter.tapsPerPhase - 1)
        rowLength = history + max(maxFrames, delay)
        detectRows = [Float](repeating: 0, count: channels * rowLength)
        blockPeaks = [Float](repeating: 0, count: max(maxFrames, delay))
        ringSize = delay + 1
        ring = [Float](repeating: 0, count: channels * ringSize)
        dequeIndex = [Int](repeating: 0, count: L + 2)
        dequeValue = [Float](repeating: 1, count: L + 2)
        dequeHead = 0
        dequeCount = 0
        box = [Float](repeating: 1, count: L + 1)
        boxPosition = 0
        boxSum = Double(L + 1)
        inverseBoxLength = 1 / Double(L + 1)
        gain = 1
        previousM = 0
        inputFrames = 0
        flushed = false
        minimumGain = 1
        limitedFrames = 0
        // Frames before the start are silence (requirement 1): pre-roll the minimum and the
        // average with L of them so a peak in the first frames is still ramped into.
        detectIndex = -L
        for _ in 0..<L { _ = pushRequirement(1) }
        return StreamSpec(format: format, maxFrames: max(maxFrames, delay))
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        try run(input, frames: input.frameCount, into: &output)
    }

    public mutating func flush(into output: inout AudioBlock) throws {
        guard !flushed else { return }
        flushed = true
        // Push `delay` frames of silence through to release the held-back real frames.
        let zeros = AudioBlock(channelCount: channels, capacity: delay, frameCount: delay)
        try run(zeros, frames: delay, into: &output, padding: true)
    }

    private mutating func run(_ input: AudioBlock, frames n: Int, into output: inout AudioBlock, padding: Bool = false) throws {
        guard n > 0 else { return }
        let history = max(0, filter.tapsPerPhase - 1)
        let t0 = inputFrames
        // 1. Detection rows: history ‖ block, and the interpolated peak of each window.
        input.withStorage { src, stride in
            detectRows.withUnsafeMutableBufferPointer { rows in
                for c in 0..<channels {
                    let row = rows.baseAddress! + c * rowLength
                    (row + history).update(from: src.baseAddress! + c * stride, count: n)
                }
            }
        }
        computeWindowPeaks(count: n)

        // 2. Per frame: delay line, requirement, gain, output.
        var emitted = output.frameCount
        let realEnd = padding ? inputFrames : Int.max
        // Move the buffers out of `self` for the loop, which also mutates `self`.
        var ringLocal: [Float] = []
        swap(&ringLocal, &ring)
        var peaksLocal: [Float] = []
        swap(&peaksLocal, &blockPeaks)
        defer {
            swap(&ringLocal, &ring)
            swap(&peaksLocal, &blockPeaks)
        }
        input.withStorage { src, stride in
            output.withMutableStorage { out, outStride in
                ringLocal.withUnsafeMutableBufferPointer { ringBuf in
                    let s = src.baseAddress!, o = out.baseAddress!, r = ringBuf.baseAddress!
                    let blockPeaks = peaksLocal
                    for i in 0..<n {
                        let t = t0 + i
                        let slot = t % ringSize
                        for c in 0..<channels { r[c * ringSize + slot] = s[c * stride + i] }
                        let a = t - halfTaps
                        guard a >= 0 else { continue }
                        let aSlot = a % ringSize
                        var p: Float = Swift.max(previousM, blockPeaks[i])
                        previousM = blockPeaks[i]
                        for c in 0..<channels { p = Swift.max(p, r[c * ringSize + aSlot].magnitude) }
                        let required: Float = p > ceiling ? ceiling / p : 1
                        let smoothed = pushRequirement(required)
                        let k = a - L
                        guard k >= 0, k < realEnd else { continue }
                        // Attack follows the smoothed curve; release recovers exponentially.
                        if smoothed < gain {
                            gain = smoothed
                        } else {
                            gain = Swift.min(smoothed, gain + (1 - gain) * releaseStep)
                        }
                        if gain < 1 {
                            limitedFrames += 1
                            minimumGain = Swift.min(minimumGain, gain)
                        }
                        gainLog?.append(gain)
                        let kSlot = k % ringSize
                        for c in 0..<channels { o[c * outStride + emitted] = r[c * ringSize + kSlot] * gain }
                        emitted += 1
                    }
                }
            }
        }
        output.frameCount = emitted
        if !padding { inputFrames += n }

        // 3. Keep the last T-1 samples of each row as the next block's history.
        if history > 0 {
            detectRows.withUnsafeMutableBufferPointer { rows in
                for c in 0..<channels {
                    let row = rows.baseAddress! + c * rowLength
                    row.update(from: row + n, count: history)
                }
            }
        }
    }

    /// m for each of `count` windows (the largest interpolated magnitude between the window's
    /// middle samples, over channels); 0 where it provably cannot exceed the ceiling.
    private mutating func computeWindowPeaks(count: Int) {
        blockPeaks.withUnsafeMutableBufferPointer { peaks in
            for i in 0..<count { peaks[i] = 0 }
            guard filter.oversampling > 1 else { return }
            let t = filter.tapsPerPhase
            let skipBelow = ceiling / filter.gainBound
            detectRows.withUnsafeBufferPointer { rows in
                filter.coefficients.withUnsafeBufferPointer { h in
                    for c in 0..<channels {
                        let row = rows.baseAddress! + c * rowLength
                        var start = 0
                        while start < count {
                            let g = Swift.min(32, count - start)
                            // Exact skip: no value in these windows can pass the ceiling.
                            if PowerSum.absMax(row + start, count: g + t - 1) < skipBelow {
                                start += g
                                continue
                            }
                            for w in start..<(start + g) {
                                let x = row + w
                                var m: Float = 0
                                for p in 0..<(filter.oversampling - 1) {
                                    let hp = h.baseAddress! + p * t
                                    var acc: Float = 0
                                    for k in 0..<t { acc += hp[k] * x[k] }
                                    m = Swift.max(m, acc.magnitude)
                                }
                                peaks[w] = Swift.max(peaks[w], m)
                            }
                            start += g
                        }
                    }
                }
            }
        }
    }

    /// Pushes the requirement of frame `detectIndex`; returns the smoothed gain of frame
    /// `detectIndex - L` (sliding minimum over L+1 frames, then an (L+1)-frame average).
    @inline(__always)
    private mutating func pushRequirement(_ value: Float) -> Float {
        let cap = L + 2
        let index = detectIndex
        detectIndex += 1
        // Drop larger values from the back, then expired ones from the front.
        while dequeCount > 0 {
            var back = dequeHead + dequeCount - 1
            if back >= cap { back -= cap }
            if dequeValue[back] >= value { dequeCount -= 1 } else { break }
        }
        var slot = dequeHead + dequeCount
        if slot >= cap { slot -= cap }
        dequeIndex[slot] = index
        dequeValue[slot] = value
        dequeCount += 1
        while dequeIndex[dequeHead] < index - L {
            dequeHead += 1
            if dequeHead == cap { dequeHead = 0 }
            dequeCount -= 1
        }
        let windowMin = dequeValue[dequeHead]
        boxSum += Double(windowMin) - Double(box[boxPosition])
        box[boxPosition] = windowMin
        boxPosition += 1
        if boxPosition > L { boxPosition = 0 }
        return Float(boxSum * inverseBoxLength)
    }
}
