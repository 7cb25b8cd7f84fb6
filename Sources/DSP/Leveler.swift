import AudioCore
import RealModule

/// A leveler: a compressor on the programme's loudness, with look-ahead, for speech.
///
/// Detection: the BS.1770-4 loudness of a short sliding window: every channel K-weighted,
/// squared, weighted by its role (front 1.0, surround 1.41, LFE excluded), summed over channels
/// and averaged over `window` seconds: `level = −0.691 + 10·log10(mean square)`, in LUFS. So
/// **a steady signal at integrated loudness X LUFS is detected at X** (a 1 kHz tone exactly;
/// steady noise within a few tenths of a dB, the window's sampling spread), and `threshold` is
/// read on the same scale. Speech is detected above its integrated loudness while a syllable
/// sounds (the pauses pull the integrated value down, typically by 2–4 LU), so to touch only
/// the loud syllables of speech normalised to a target T, place the threshold at about T + 2…4.
///
/// The detector runs on hops of round(rate/1000) frames (1 ms); each hop ends a window of
/// `window` seconds (a whole number of hops).
///
/// Gain computer (dB, with a quadratic soft knee of width W = `knee` around the threshold T,
/// ratio R): 0 below T − W/2; (1/R − 1)·(x − T + W/2)²/(2W) inside the knee; (1/R − 1)·(x − T)
/// above T + W/2. The gain only ever reduces (it never lifts quiet passages).
///
/// Smoothing: the gain in dB follows its target with a one-pole filter per hop, with the
/// `attack` time constant while the gain goes down and `release` while it comes back up. Between
/// two hop anchors the linear gain is a straight ramp, so the gain is continuous and its change
/// per frame is at most |Δanchor|/hop: the gain never clicks.
///
/// Look-ahead: the audio is delayed by `lookahead` (whole hops) against the detector, so the gain
/// anchored at a frame comes from a window ending `lookahead` after it: the gain is already going
/// down when a loud syllable starts. The stage compensates the delay: the output is time-aligned
/// with the input and has exactly as many frames (`flush` emits the held-back ones, pushing
/// silence through the detector: frames after the end are taken as silence).
///
/// Results are identical whatever the block sizes. All memory is allocated in `prepare`;
/// `process` and `flush` allocate nothing (unless the `gainLog` test hook is set).
public struct Leveler: AudioStage, Sendable {
    /// The detection level (LUFS, see the type's discussion) where the knee is centred.
    public let threshold: Decibels
    /// Compression ratio above the knee (input dB over output dB), ≥ 1; `.infinity` levels flat.
    public let ratio: Double
    /// Width of the quadratic soft knee, centred on the threshold, in dB, ≥ 0 (0: a hard knee).
    public let knee: Decibels
    /// Time constant of the gain going down, seconds.
    public let attack: Double
    /// Time constant of the gain coming back up, seconds.
    public let release: Double
    /// How far the detector runs ahead of the audio, seconds (rounded to 1 ms hops).
    public let lookahead: Double
    /// Length of the detector's loudness window, seconds (rounded to 1 ms hops, at least one).
    public let window: Double

    /// BS.1770-4's absolute gate: frames whose detection window is quieter do not count in
    /// `averageReduction`.
    public static let absoluteGate = -70.0

    // Derived in `prepare`.
    private var channels = 0
    private var hop = 1                 // frames per hop
    private var windowHops = 1
    private var lookaheadHops = 0
    private var capacity = 0            // most input frames one call handles
    private var attackCoefficient = 1.0
    private var releaseCoefficient = 1.0
    private var coefficients = KWeighting.Coefficients(sampleRate: 48_000)
    private var weightedChannels: [Int] = []
    private var weights: [Double] = []
    private var pairStates: [KWeighting.PairState] = []
    // Per weighted channel (count rounded up to even; an odd last one pairs with an idle lane),
    // rows of `hop + capacity`: the K-weighted frames of the partial hop, then the new ones.
    private var weightedRows: [Float] = []
    private var weightedRowLength = 0
    private var hopFill = 0
    // Zeros: the idle lane's input; and the padding pushed through by `flush`.
    private var zeros: [Float] = []
    private var padding: [Float] = []
    // Per channel, rows of `(lookaheadHops + 2)·hop + capacity`: the frames not yet emitted.
    private var delayRows: [Float] = []
    private var delayRowLength = 0
    private var pending = 0
    private var energies: [Double] = []   // the complete hops of one call
    private var ring: [Double] = []       // the window's hop energies
    private var ringPosition = 0
    private var curve: [Float] = []       // the gain of each frame emitted by one call
    private var smoothed = 0.0            // dB
    private var previousAnchor: Float = 1
    private var previousSmoothed = 0.0
    private var hopsDetected = 0
    private var inputFrames = 0           // real frames received
    private var emittedFrames = 0
    private var flushed = false
    private var reductionSum = 0.0        // dB · frames, over frames above the absolute gate
    private var minimumGain: Float = 1

    /// The largest gain reduction applied to any frame, dB (≥ 0; 0 when nothing was reduced).
    public private(set) var maximumReduction = Decibels(0)
    /// The mean gain reduction over the frames whose detection window is above the absolute gate
    /// (−70 LUFS, as BS.1770-4's; silence and clip edges do not dilute it), dB (≥ 0). Each
    /// frame's reduction is −20·log10 of its applied gain. (The sum over a 1 ms ramp is taken
    /// linear in dB between its two anchors: exact while the gain holds, off by at most
    /// 0.015·Δ² dB on a frame of a hop where the gain moves by Δ dB; attack hops move ≤ 5 % of
    /// the gap to the target, so the average is good to a few thousandths of a dB.)
    public private(set) var averageReduction = Decibels(0)
    /// Frames whose applied gain is below 1.
    public private(set) var reducedFrames = 0
    /// Frames above the absolute gate (the frames `averageReduction` averages over).
    public private(set) var gatedFrames = 0
    /// Test hook: when non-nil, every applied gain is appended (allocates; tests only).
    package var gainLog: [Float]? = nil

    /// Creates a leveler. Defaults are for speech:
    ///
    /// - Parameters:
    ///   - threshold: detection level in LUFS (K-weighted loudness of the window; a steady
    ///     signal at X LUFS integrated is detected at X) where the knee is centred. For speech
    ///     normalised to a target T, about T + 2…4.
    ///   - ratio: ≥ 1. Default 3: a gentle compressor; a syllable 6 dB over the knee comes out
    ///     2 dB over it, which evens speech out without flattening its intonation.
    ///   - knee: ≥ 0 dB. Default 6 dB: the ratio sets in gradually over ±3 dB, so levels that
    ///     hover around the threshold are not switched in and out of compression.
    ///   - attack: > 0 s. Default 20 ms ("tens of ms"): the gain reaches 95 % of a loud
    ///     syllable's reduction within 3τ = 60 ms, inside the look-ahead; slower than one period
    ///     of a low voice (8–10 ms at 100–120 Hz), and the detector has already averaged 100 ms.
    ///   - release: > 0 s. Default 300 ms: longer than the pauses between syllables
    ///     (100–250 ms) so the gain does not swell in each gap (pumping, breathing), short
    ///     enough to recover within about a second after a loud phrase.
    ///   - lookahead: ≥ 0 s. Default 70 ms = window/2 + attack: the window is centred on the
    ///     audio it controls, plus one attack time constant, so the gain is mostly down when a
    ///     loud syllable starts and the limiter after it has little left to do. (≥ attack.)
    ///   - window: > 0 s. Default 100 ms: one BS.1770 sub-block; ten periods of a 100 Hz voice,
    ///     so the detected level does not ripple with the waveform, and shorter than a syllable
    ///     (150–300 ms), so it follows syllables.
    public init(threshold: Decibels, ratio: Double = 3, knee: Decibels = Decibels(6), attack: Double = 0.020,
                release: Double = 0.300, lookahead: Double = 0.070, window: Double = 0.100) {
        precondition(threshold.value.isFinite, "threshold must be finite")
        precondition(ratio >= 1, "ratio must be at least 1")
        precondition(knee.value >= 0 && knee.value.isFinite, "knee must be finite and non-negative")
        precondition(attack > 0 && release > 0 && window > 0, "attack, release and window must be positive")
        precondition(lookahead >= 0, "lookahead must not be negative")
        self.threshold = threshold
        self.ratio = ratio
        self.knee = knee
        self.attack = attack
        self.release = release
        self.lookahead = lookahead
        self.window = window
    }

    public var name: String { "leveler" }

    /// The look-ahead the stage compensates, in frames (a whole number of hops).
    public var latencyFrames: Int { lookaheadHops * hop }

    /// The static curve: the gain (dB, ≤ 0) for a detection level (LUFS).
    /// - Parameter level: detection level; `-infinity` (silence) gives 0.
    public func gain(forLevel level: Double) -> Double {
        let over = level - threshold.value
        let w = knee.value
        let slope = 1 / ratio - 1
        if 2 * over <= -w { return 0 }
        if 2 * over < w {
            let d = over + w / 2
            return slope * d * d / (2 * w)
        }
        return slope * over
    }

    public mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
        let rate = Double(format.sampleRate)
        channels = format.channelCount
        hop = max(1, (format.sampleRate + 500) / 1000)
        windowHops = max(1, Int((window * rate / Double(hop)).rounded()))
        lookaheadHops = Int((lookahead * rate / Double(hop)).rounded())
        // Room to push the whole flush padding ((lookaheadHops + 1) hops at most) in one call.
        capacity = max(maxFrames, 1, (lookaheadHops + 2) * hop)
        attackCoefficient = 1 - Double.exp(-Double(hop) / (attack * rate))
        releaseCoefficient = 1 - Double.exp(-Double(hop) / (release * rate))
        coefficients = KWeighting.Coefficients(sampleRate: rate)
        weightedChannels = []
        weights = []
        for (c, role) in format.layout.roles.enumerated() where role.loudnessWeight > 0 {
            weightedChannels.append(c)
            weights.append(role.loudnessWeight)
        }
        let pairs = (weightedChannels.count + 1) / 2
        pairStates = Array(repeating: KWeighting.PairState(), count: pairs)
        weightedRowLength = hop + capacity
        weightedRows = [Float](repeating: 0, count: 2 * pairs * weightedRowLength)
        hopFill = 0
        zeros = [Float](repeating: 0, count: capacity)
        padding = zeros
        delayRowLength = (lookaheadHops + 2) * hop + capacity
        delayRows = [Float](repeating: 0, count: channels * delayRowLength)
        pending = 0
        energies = [Double](repeating: 0, count: capacity / hop + 2)
        ring = [Double](repeating: 0, count: windowHops)
        ringPosition = 0
        curve = [Float](repeating: 1, count: capacity + hop)
        smoothed = 0
        previousSmoothed = 0
        previousAnchor = 1
        hopsDetected = 0
        inputFrames = 0
        emittedFrames = 0
        flushed = false
        reductionSum = 0
        minimumGain = 1
        maximumReduction = Decibels(0)
        averageReduction = Decibels(0)
        reducedFrames = 0
        gatedFrames = 0
        return StreamSpec(format: format, maxFrames: capacity + hop)
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        precondition(input.channelCount == channels, "block has \(input.channelCount) channels, leveler expects \(channels)")
        precondition(input.frameCount <= capacity, "block of \(input.frameCount) frames exceeds the prepared \(capacity)")
        guard input.frameCount > 0 else { return }
        input.withStorage { src, stride in
            run(src.baseAddress!, stride: stride, frames: input.frameCount, into: &output, limit: Int.max)
        }
        inputFrames += input.frameCount
    }

    public mutating func flush(into output: inout AudioBlock) throws {
        guard !flushed else { return }
        flushed = true
        guard inputFrames > 0 else { return }
        // Hops up to the one whose anchor ends the last (partial) segment.
        let lastSegment = (inputFrames - 1) / hop
        let needed = (lastSegment + lookaheadHops + 1) * hop
        let frames = needed - (hopsDetected * hop + hopFill)
        guard frames > 0 else { return }
        var z: [Float] = []
        swap(&z, &padding)
        z.withUnsafeBufferPointer { p in
            run(p.baseAddress!, stride: 0, frames: frames, into: &output, limit: inputFrames)
        }
        swap(&z, &padding)
    }

    /// One call: `n` ≤ `capacity` frames of planar input (`stride` apart; 0 for the zeros).
    /// Delay line and K-weighting, per-hop energies (SIMD), the serial gain computer per hop,
    /// the ramps (SIMD), then delayed samples times the curve (SIMD).
    private mutating func run(_ src: UnsafePointer<Float>, stride: Int, frames n: Int, into output: inout AudioBlock, limit: Int) {
        let (hop, channels, delayRowLength, weightedRowLength) = (self.hop, self.channels, self.delayRowLength, self.weightedRowLength)
        let pending = self.pending, hopFill = self.hopFill

        // 1. The delay line, and the K-weighted rows (filtered piecewise so the filters' tiny
        //    values are flushed at hop boundaries: fixed stream positions, block-size invariant).
        delayRows.withUnsafeMutableBufferPointer { lines in
            for c in 0..<channels {
                (lines.baseAddress! + c * delayRowLength + pending).update(from: src + c * stride, count: n)
            }
        }
        let weightedCount = weightedChannels.count
        weightedRows.withUnsafeMutableBufferPointer { rows in
            zeros.withUnsafeBufferPointer { zero in
                var pos = 0
                while pos < n {
                    let inHop = (hopFill + pos) % hop
                    let m = Swift.min(n - pos, hop - inHop)
                    for p in pairStates.indices {
                        let a = 2 * p, b = 2 * p + 1
                        let inA = src + weightedChannels[a] * stride + pos
                        let inB = b < weightedCount ? src + weightedChannels[b] * stride + pos : zero.baseAddress!
                        KWeighting.filter(coefficients, state: &pairStates[p], input0: inA, input1: inB,
                                          output0: rows.baseAddress! + a * weightedRowLength + hopFill + pos,
                                          output1: rows.baseAddress! + b * weightedRowLength + hopFill + pos, count: m)
                        if inHop + m == hop { pairStates[p].flushTinyValues() }
                    }
                    pos += m
                }
            }
        }

        // 2. Energies of the complete hops.
        let hops = (hopFill + n) / hop
        energies.withUnsafeMutableBufferPointer { e in
            e.baseAddress!.update(repeating: 0, count: hops)
            weightedRows.withUnsafeBufferPointer { rows in
                for idx in 0..<weightedCount {
                    Self.accumulateHopEnergies(rows.baseAddress! + idx * weightedRowLength, hopFrames: hop, hops: hops,
                                               weight: weights[idx], into: e.baseAddress!)
                }
            }
        }

        // 3. Per hop (serial): window loudness → static curve → one-pole smoothing → anchor;
        //    the segment the anchor ends (lookaheadHops earlier) gets its ramp.
        var emitted = 0
        let windowFrames = Double(windowHops * hop)
        for k in 0..<hops {
            ring[ringPosition] = energies[k]
            ringPosition += 1
            if ringPosition == windowHops { ringPosition = 0 }
            var sum = 0.0
            for v in ring { sum += v }
            let meanSquare = sum / windowFrames
            let level = meanSquare > 0 ? -0.691 + 10 * Double.log10(meanSquare) : -Double.infinity
            let target = gain(forLevel: level)
            smoothed += (target < smoothed ? attackCoefficient : releaseCoefficient) * (target - smoothed)
            // Back to exactly 0 dB once within 10⁻⁵ dB of it (1.2·10⁻⁶ in amplitude, inaudible):
            // the signal passes bit-exact again after a release, and no denormals accumulate.
            if target == 0 && smoothed > -1e-5 { smoothed = 0 }
            let anchor = smoothed == 0 ? Float(1) : Swift.min(1, Float(Double.pow(10, smoothed / 20)))
            let segment = hopsDetected - lookaheadHops
            hopsDetected += 1
            if segment >= 0 && segment * hop < limit {
                let frames = Swift.min(hop, limit - segment * hop)
                let step = (anchor - previousAnchor) / Float(hop)
                curve.withUnsafeMutableBufferPointer { c in
                    let at = c.baseAddress! + emitted
                    Self.fillRamp(from: previousAnchor, step: step, into: at, count: frames)
                    let last = at[frames - 1]
                    minimumGain = Swift.min(minimumGain, previousAnchor, last)
                    if previousAnchor < 1 && last < 1 {
                        reducedFrames += frames
                    } else if previousAnchor < 1 || last < 1 {
                        for i in 0..<frames where at[i] < 1 { reducedFrames += 1 }
                    }
                }
                if level > Self.absoluteGate {
                    // Σ over the segment's frames of the dB reduction, the ramp taken linear in dB.
                    let f = Double(frames)
                    reductionSum -= previousSmoothed * f + (smoothed - previousSmoothed) * f * (f - 1) / (2 * Double(hop))
                    gatedFrames += frames
                }
                emitted += frames
            }
            previousAnchor = anchor
            previousSmoothed = smoothed
        }

        // 4. Output: the delayed frames times their gains.
        if emitted > 0 {
            let start = output.frameCount
            precondition(start + emitted <= output.capacity, "output capacity \(output.capacity) too small")
            output.withMutableStorage { out, outStride in
                delayRows.withUnsafeBufferPointer { lines in
                    curve.withUnsafeBufferPointer { g in
                        for c in 0..<channels {
                            Gain.applyCurve(g.baseAddress!, to: lines.baseAddress! + c * delayRowLength,
                                            into: out.baseAddress! + c * outStride + start, count: emitted)
                        }
                    }
                }
            }
            output.frameCount = start + emitted
            if gainLog != nil { gainLog!.append(contentsOf: curve[0..<emitted]) }
            emittedFrames += emitted
            maximumReduction = Decibels(minimumGain < 1 ? -20 * Double.log10(Double(minimumGain)) : 0)
            averageReduction = Decibels(gatedFrames > 0 ? reductionSum / Double(gatedFrames) : 0)
        }

        // 5. Keep what was not emitted: the delay line's tail and the partial hop.
        let remaining = pending + n - emitted
        let partial = hopFill + n - hops * hop
        delayRows.withUnsafeMutableBufferPointer { lines in
            for c in 0..<channels where emitted > 0 && remaining > 0 {
                let line = lines.baseAddress! + c * delayRowLength
                line.update(from: line + emitted, count: remaining)
            }
        }
        weightedRows.withUnsafeMutableBufferPointer { rows in
            for r in 0..<(2 * pairStates.count) where hops > 0 && partial > 0 {
                let row = rows.baseAddress! + r * weightedRowLength
                row.update(from: row + hops * hop, count: partial)
            }
        }
        self.pending = remaining
        self.hopFill = partial
    }
}
