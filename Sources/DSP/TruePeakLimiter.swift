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
    private var history = 0    // T − 1
    private var delay = 0      // T/2 + L
    private var releaseStep: Float = 0
    private var capacity = 0   // most frames one call handles

    // Per channel, rows of `history + capacity`: the last T−1 inputs, then the block (detection).
    private var detectRows: [Float] = []
    private var rowLength = 0
    // Per channel, rows of `delay + capacity`: x[t0 − delay ..< t0 + n] (the delay line).
    private var delayRows: [Float] = []
    private var delayLength = 0
    // Per frame of the block: interpolated peak after the detected frame, |x| peak, gain.
    private var windowPeak: [Float] = []
    private var samplePeak: [Float] = []
    private var gains: [Float] = []
    private var previousM: Float = 0

    // Sliding minimum over L+1 required gains, and the moving average.
    private var smoother = Smoother(lookahead: 1)
    private var gain: Float = 1
    /// False sends every frame through the sliding minimum and the average: the plain version
    /// the idle path is held equal to (by the tests) and measured against (by the benchmarks).
    public var usesIdlePath = true

    private var inputFrames = 0      // real frames ingested
    private var flushed = false

    /// Smallest gain applied so far (1 = no limiting).
    public private(set) var minimumGain: Float = 1
    /// Frames whose gain was below 1.
    public private(set) var limitedFrames = 0
    /// Sum of the gains of those frames (for the average reduction).
    private var limitedGainSum = 0.0

    /// The largest gain reduction so far (0 dB when it never acted).
    public var maximumReduction: Decibels {
        minimumGain < 1 ? Decibels(-Decibels(amplitude: Double(minimumGain)).value) : Decibels(0)
    }

    /// The reduction of the average gain over the frames it limited (0 dB when it never acted):
    /// how hard it worked where it worked.
    public var averageReduction: Decibels {
        limitedFrames > 0 ? Decibels(-Decibels(amplitude: limitedGainSum / Double(limitedFrames)).value) : Decibels(0)
    }
    /// Test hook: when non-nil, every applied gain is appended (allocates; tests only).
    package var gainLog: [Float]? = nil

    /// - Parameters:
    ///   - ceiling: the largest true peak allowed at the output.
    ///   - lookahead: attack/look-ahead time in seconds. Default 5 ms: half a period of 100 Hz,
    ///     so on low notes the gain holds between the peaks instead of moving every half cycle
    ///     (at 2 dB of reduction a 100 Hz tone measured -53 dB THD+N with 2 ms, below -100 dB with
    ///     5 ms; `LimiterYardstickTests` holds it to ffmpeg's alimiter).
    ///   - release: release time constant in seconds (default 150 ms).
    public init(ceiling: Decibels, lookahead: Double = 0.005, release: Double = 0.150) {
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
        history = max(0, filter.tapsPerPhase - 1)
        delay = halfTaps + L
        releaseStep = Float(1 - Double.exp(-1 / (release * Double(format.sampleRate))))
        capacity = max(maxFrames, delay)
        rowLength = history + capacity
        detectRows = [Float](repeating: 0, count: channels * rowLength)
        delayLength = delay + capacity
        delayRows = [Float](repeating: 0, count: channels * delayLength)
        windowPeak = [Float](repeating: 0, count: capacity)
        samplePeak = [Float](repeating: 0, count: capacity)
        gains = [Float](repeating: 1, count: capacity)
        smoother = Smoother(lookahead: L)
        gain = 1
        previousM = 0
        inputFrames = 0
        flushed = false
        minimumGain = 1
        limitedFrames = 0
        limitedGainSum = 0
        return StreamSpec(format: format, maxFrames: capacity)
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        var start = 0
        while start < input.frameCount {
            let n = min(capacity, input.frameCount - start)
            run(input, from: start, frames: n, into: &output, padding: false)
            start += n
        }
    }

    public mutating func flush(into output: inout AudioBlock) throws {
        guard !flushed else { return }
        flushed = true
        // Push `delay` frames of silence through to release the held-back real frames.
        let zeros = AudioBlock(channelCount: channels, capacity: delay, frameCount: delay)
        run(zeros, from: 0, frames: delay, into: &output, padding: true)
    }

    /// One block of `n` ≤ `capacity` frames: detection (SIMD), requirements and gains (a scalar
    /// pass, serial by nature), then the delayed samples times the gains (SIMD).
    private mutating func run(_ input: AudioBlock, from offset: Int, frames n: Int, into output: inout AudioBlock, padding: Bool) {
        guard n > 0 else { return }
        let t0 = inputFrames
        let realEnd = padding ? inputFrames : Int.max
        let (history, delay, rowLength, delayLength, channels) = (self.history, self.delay, self.rowLength, self.delayLength, self.channels)

        // 1. Copy the block behind each channel's detection history and delay line.
        input.withStorage { src, stride in
            detectRows.withUnsafeMutableBufferPointer { rows in
                delayRows.withUnsafeMutableBufferPointer { lines in
                    for c in 0..<channels {
                        let from = src.baseAddress! + c * stride + offset
                        (rows.baseAddress! + c * rowLength + history).update(from: from, count: n)
                        (lines.baseAddress! + c * delayLength + delay).update(from: from, count: n)
                    }
                }
            }
        }

        // 2. Per frame i (detected frame a = t0 + i − T/2): the interpolated peak after it, and
        //    its |x| (at delay-line index i + L), both maxed over channels.
        let skipBelow = filter.oversampling > 1 ? ceiling / filter.gainBound : .infinity
        windowPeak.withUnsafeMutableBufferPointer { m in
            samplePeak.withUnsafeMutableBufferPointer { px in
                m.baseAddress!.update(repeating: 0, count: n)
                px.baseAddress!.update(repeating: 0, count: n)
                detectRows.withUnsafeBufferPointer { rows in
                    delayRows.withUnsafeBufferPointer { lines in
                        for c in 0..<channels {
                            let row = rows.baseAddress! + c * rowLength
                            var start = 0
                            while start < n {
                                let g = Swift.min(64, n - start)
                                // Exact skip: no interpolated value in these windows can pass the ceiling.
                                if PowerSum.absMax(row + start, count: g + history) >= skipBelow {
                                    filter.windowPeaks(row + start, windows: g, maxInto: m.baseAddress! + start)
                                }
                                start += g
                            }
                            Self.maxMagnitude(lines.baseAddress! + c * delayLength + L, count: n, into: px.baseAddress!)
                        }
                    }
                }
            }
        }

        // 3. Requirements → smoothed gain → release, per frame (serial).
        var first = -1, count = 0
        var gainsLocal: [Float] = []
        swap(&gainsLocal, &gains)
        var smoothing = Smoother.placeholder  // no allocation: the placeholder's storage is shared
        swap(&smoothing, &smoother)
        let (ceiling, releaseStep, halfTaps, lookaheadFrames, idlePath) = (self.ceiling, self.releaseStep, self.halfTaps, self.L, usesIdlePath)
        var (gain, previousM, limitedFrames, limitedGainSum, minimumGain) = (self.gain, self.previousM, self.limitedFrames,
                                                                              self.limitedGainSum, self.minimumGain)
        windowPeak.withUnsafeBufferPointer { mLocal in
            samplePeak.withUnsafeBufferPointer { pxLocal in
                gainsLocal.withUnsafeMutableBufferPointer { gainsOut in
                    smoothing.withCursor { curve in
                        for i in 0..<n {
                            let a = t0 + i - halfTaps
                            guard a >= 0 else { continue }
                            let p = Swift.max(Swift.max(previousM, mLocal[i]), pxLocal[i])
                            previousM = mLocal[i]
                            let smoothed: Float
                            if p <= ceiling && idlePath && curve.isIdle {
                                curve.pushIdle()
                                smoothed = 1
                            } else {
                                smoothed = curve.push(p > ceiling ? ceiling / p : 1)
                            }
                            let k = a - lookaheadFrames
                            guard k >= 0, k < realEnd else { continue }
                            if smoothed < gain {
                                gain = smoothed
                            } else if gain < 1 {
                                gain = Swift.min(smoothed, gain + (1 - gain) * releaseStep)
                                // Float's recovery stalls a few ulps under 1 (the step rounds away): end it.
                                if gain > Self.recovered { gain = 1 }
                            }
                            if gain < 1 {
                                limitedFrames &+= 1
                                limitedGainSum += Double(gain)
                                minimumGain = Swift.min(minimumGain, gain)
                            }
                            if first < 0 { first = i }
                            gainsOut[i] = gain
                            count &+= 1
                        }
                    }
                }
            }
        }
        (self.gain, self.previousM, self.limitedFrames, self.limitedGainSum, self.minimumGain) = (gain, previousM, limitedFrames,
                                                                                                limitedGainSum, minimumGain)
        swap(&smoothing, &smoother)
        swap(&gainsLocal, &gains)
        if gainLog != nil, count > 0 { gainLog!.append(contentsOf: gains[first..<(first + count)]) }

        // 4. Output: x[k] (delay-line index i) times its gain, for the frames that left.
        if count > 0 {
            let start = output.frameCount
            output.withMutableStorage { out, outStride in
                delayRows.withUnsafeBufferPointer { lines in
                    gains.withUnsafeBufferPointer { g in
                        for c in 0..<channels {
                            Gain.applyCurve(g.baseAddress! + first, to: lines.baseAddress! + c * delayLength + first,
                                            into: out.baseAddress! + c * outStride + start, count: count)
                        }
                    }
                }
            }
            output.frameCount = start + count
        }
        if !padding { inputFrames += n }

        // 5. Keep the last T−1 detection samples and the last `delay` delay-line samples.
        detectRows.withUnsafeMutableBufferPointer { rows in
            delayRows.withUnsafeMutableBufferPointer { lines in
                for c in 0..<channels {
                    if history > 0 {
                        let row = rows.baseAddress! + c * rowLength
                        row.update(from: row + n, count: history)
                    }
                    let line = lines.baseAddress! + c * delayLength
                    line.update(from: line + n, count: delay)
                }
            }
        }
    }

    /// `peaks[i] = max(peaks[i], |x[i]|)` for `count` frames, eight at a time. No allocation.
    @inline(__always)
    static func maxMagnitude(_ x: UnsafePointer<Float>, count: Int, into peaks: UnsafeMutablePointer<Float>) {
        let src = UnsafeRawPointer(x), dst = UnsafeMutableRawPointer(peaks)
        var i = 0
        while i + 8 <= count {
            let v = src.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let p = dst.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            dst.storeBytes(of: lanesMax(p, lanesAbs(v)), toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            peaks[i] = Swift.max(peaks[i], x[i].magnitude)
            i &+= 1
        }
    }

    /// A gain this close to 1 (−0.00001 dB) counts as recovered.
    static let recovered: Float = 1 - 1e-6

}

/// The limiter's gain curve before the release: a sliding minimum (a monotonic deque) over
/// L+1 required gains, then an (L+1)-frame moving average of it. Frames before the start are
/// silence (requirement 1): the minimum and the average are pre-rolled with L of them, so a
/// peak in the first frames is still ramped into.
///
/// Its storage is reached through a ``Cursor`` for a whole block at a time, so the per-frame
/// path has no bounds or uniqueness checks.
struct Smoother: Sendable {
    let L: Int
    private var dequeIndex: [Int]
    private var dequeValue: [Float]
    private var box: [Float]
    private var state: Cursor.State

    /// Stands in while a block's loop has the limiter's own smoother.
    static let placeholder = Smoother(lookahead: 1)

    init(lookahead L: Int) {
        self.L = L
        dequeIndex = [Int](repeating: 0, count: L + 2)
        dequeValue = [Float](repeating: 1, count: L + 2)
        box = [Float](repeating: 1, count: L + 1)
        state = Cursor.State(boxSum: Double(L + 1), detectIndex: -L)
        withCursor { for _ in 0..<L { _ = $0.push(1) } }
    }

    /// Runs `body` with a cursor over the storage; the state it leaves is kept.
    mutating func withCursor<R>(_ body: (inout Cursor) -> R) -> R {
        let (L, state) = (self.L, self.state)
        var result: R?
        var newState = state
        dequeIndex.withUnsafeMutableBufferPointer { index in
            dequeValue.withUnsafeMutableBufferPointer { value in
                box.withUnsafeMutableBufferPointer { box in
                    var cursor = Cursor(L: L, index: index.baseAddress!, value: value.baseAddress!, box: box.baseAddress!,
                                        inverseBoxLength: 1 / Double(L + 1), state: state)
                    result = body(&cursor)
                    newState = cursor.state
                }
            }
        }
        self.state = newState
        return result!
    }

    struct Cursor {
        struct State {
            var dequeHead = 0
            var dequeCount = 0
            var boxPosition = 0
            var boxSum: Double
            /// The next frame whose requirement is pushed.
            var detectIndex: Int
            /// The last requirement index at which the curve may still be under 1: past it,
            /// every value in the minimum's window and in the average is 1 (idle).
            var busyUntil = Int.min
        }

        let L: Int
        let index: UnsafeMutablePointer<Int>
        let value: UnsafeMutablePointer<Float>
        let box: UnsafeMutablePointer<Float>
        let inverseBoxLength: Double
        var state: State

        /// Every value in the window and in the average is 1.
        var isIdle: Bool { state.detectIndex > state.busyUntil }

        /// Pushes a requirement of 1 while idle: what ``push(_:)`` does then, without its
        /// arithmetic. The average's sum is set exactly, so rounding left by the last limiting
        /// does not linger.
        @inline(__always)
        mutating func pushIdle() {
            state.dequeCount = 1
            index[state.dequeHead] = state.detectIndex
            value[state.dequeHead] = 1
            state.detectIndex &+= 1
            state.boxSum = Double(L + 1)
            state.boxPosition &+= 1
            if state.boxPosition > L { state.boxPosition = 0 }
        }

        /// Pushes the requirement of frame `detectIndex`; returns the smoothed gain of frame
        /// `detectIndex - L` (sliding minimum over L+1 frames, then an (L+1)-frame average).
        @inline(__always)
        mutating func push(_ v: Float) -> Float {
            let cap = L &+ 2
            let at = state.detectIndex
            state.detectIndex &+= 1
            if v < 1 { state.busyUntil = at &+ 2 &* L &+ 1 }
            // Drop larger values from the back, then expired ones from the front.
            while state.dequeCount > 0 {
                var back = state.dequeHead &+ state.dequeCount &- 1
                if back >= cap { back &-= cap }
                if value[back] >= v { state.dequeCount &-= 1 } else { break }
            }
            var slot = state.dequeHead &+ state.dequeCount
            if slot >= cap { slot &-= cap }
            index[slot] = at
            value[slot] = v
            state.dequeCount &+= 1
            while index[state.dequeHead] < at &- L {
                state.dequeHead &+= 1
                if state.dequeHead == cap { state.dequeHead = 0 }
                state.dequeCount &-= 1
            }
            let windowMin = value[state.dequeHead]
            state.boxSum += Double(windowMin) - Double(box[state.boxPosition])
            box[state.boxPosition] = windowMin
            state.boxPosition &+= 1
            if state.boxPosition > L { state.boxPosition = 0 }
            return Float(state.boxSum * inverseBoxLength)
        }
    }
}
