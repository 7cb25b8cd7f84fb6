import AudioCore

/// A loudness and peak meter per ITU-R BS.1770-4 and EBU R 128 (Tech 3341/3342), fed block by
/// block.
///
/// Create it for a format, `write` blocks of any size (results are identical whatever the
/// block sizes), then call `report()`, which does not change the meter, so measuring can go on.
///
/// ```swift
/// var meter = LoudnessMeter(format: format)
/// while try source.read(into: &block) > 0 { meter.write(block) }
/// let report = meter.report()   // report.integrated, report.truePeak, …
/// ```
///
/// - Channel weights come from `format.layout.roles` (`ChannelRole.loudnessWeight`: front 1.0,
///   surround 1.41, LFE excluded from loudness; it is still peak-metered).
/// - Gating blocks are built from 100 ms sub-blocks of round(rate/10) frames: 400 ms blocks
///   every 100 ms (75 % overlap) for momentary and integrated loudness, 3 s blocks for
///   short-term loudness (every 100 ms for the history, every 1 s for the loudness range).
/// - A trailing partial 100 ms sub-block is not measured (as libebur128).
/// - All buffers are allocated in `init`; `write` allocates only when the list of 100 ms
///   energies outgrows the hour reserved for it (8 bytes per 100 ms).
public struct LoudnessMeter: AudioSink, Sendable {
    /// What to measure; pay only for what you use.
    public struct Measures: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Integrated loudness (also gives `maxMomentary`).
        public static let integrated = Measures(rawValue: 1 << 0)
        /// Loudness range (also gives `maxShortTerm`).
        public static let loudnessRange = Measures(rawValue: 1 << 1)
        /// True peak (4× or 2× oversampled); implies the sample peak's work.
        public static let truePeak = Measures(rawValue: 1 << 2)
        /// Sample peak.
        public static let samplePeak = Measures(rawValue: 1 << 3)
        /// Momentary and short-term loudness every 100 ms.
        public static let history = Measures(rawValue: 1 << 4)
        /// Everything.
        public static let all: Measures = [.integrated, .loudnessRange, .truePeak, .samplePeak, .history]
    }

    /// The format of the blocks this meter accepts.
    public let format: AudioFormat
    /// What this meter measures.
    public let measures: Measures
    /// Frames written so far.
    public private(set) var frameCount = 0

    // K-weighting and power sums.
    private let needsLoudness: Bool
    private let coefficients: KWeighting.Coefficients
    /// Frames per 100 ms sub-block: round(sampleRate / 10).
    package let framesPerSubBlock: Int
    /// Channels that count for loudness (weight > 0), and their weights.
    private let weightedChannels: [Int]
    private let weights: [Double]
    /// Weighted channels go through the four-lane kernel four at a time; a remainder of one or
    /// two channels (mono, stereo, the fifth channel of 5.1) through the two-lane kernel.
    private let quadCount: Int
    private var quadStates: [KWeighting.State]
    private var pairStates: [KWeighting.PairState]
    /// K-weighted samples of the current sub-block, one row of `framesPerSubBlock` per weighted channel.
    private var filtered: [Float]
    /// Zeros (input of unused SIMD lanes) followed by a row that unused lanes write to.
    private var laneScratch: [Float]
    private var subBlockFill = 0
    /// Σ over channels of Gᵢ·Σ yᵢ² for each complete 100 ms sub-block.
    private var subBlockEnergies: [Double] = []

    // Peaks.
    private let needsPeaks: Bool
    private let truePeakFilter: TruePeakFilter
    private var samplePeaks: [Float]
    private var interpolatedPeaks: [Float]
    /// The last T−1 samples of each channel (zeros before the stream starts).
    private var truePeakHistory: [Float]
    /// History plus the first samples of a block: the windows that straddle two blocks.
    private var truePeakBoundary: [Float]
    /// With `.history`: per 100 ms bucket, max |sample| and max interpolated value over the
    /// channels, and the current bucket's interpolated maximum per channel.
    private var samplePeakBuckets: [Float] = []
    private var truePeakBuckets: [Float] = []
    private var bucketTruePeaks: [Float]
    private var peakBucketFill = 0

    /// Creates a meter.
    /// - Parameters:
    ///   - format: sample rate and channel roles of the blocks to come.
    ///   - measures: what to measure (default: everything).
    public init(format: AudioFormat, measures: Measures = .all) {
        self.format = format
        self.measures = measures
        let channels = format.channelCount
        needsLoudness = !measures.isDisjoint(with: [.integrated, .loudnessRange, .history])
        coefficients = KWeighting.Coefficients(sampleRate: Double(format.sampleRate))
        framesPerSubBlock = max(1, (format.sampleRate + 5) / 10)
        var chans: [Int] = [], ws: [Double] = []
        for (c, role) in format.layout.roles.enumerated() where role.loudnessWeight > 0 {
            chans.append(c); ws.append(role.loudnessWeight)
        }
        weightedChannels = needsLoudness ? chans : []
        weights = needsLoudness ? ws : []
        let rest = weightedChannels.count % 4
        quadCount = weightedChannels.count / 4 + (rest == 3 ? 1 : 0)
        quadStates = Array(repeating: KWeighting.State(), count: quadCount)
        pairStates = Array(repeating: KWeighting.PairState(), count: rest == 1 || rest == 2 ? 1 : 0)
        filtered = Array(repeating: 0, count: needsLoudness ? weightedChannels.count * framesPerSubBlock : 0)
        laneScratch = Array(repeating: 0, count: needsLoudness ? 2 * framesPerSubBlock : 0)
        if needsLoudness { subBlockEnergies.reserveCapacity(36_000) }

        needsPeaks = !measures.isDisjoint(with: [.truePeak, .samplePeak])
        truePeakFilter = TruePeakFilter(
            oversampling: measures.contains(.truePeak) ? TruePeakFilter.oversampling(forSampleRate: format.sampleRate) : 1)
        samplePeaks = Array(repeating: 0, count: channels)
        interpolatedPeaks = Array(repeating: 0, count: channels)
        let t1 = max(0, truePeakFilter.tapsPerPhase - 1)
        truePeakHistory = Array(repeating: 0, count: channels * t1)
        truePeakBoundary = Array(repeating: 0, count: 2 * t1)
        bucketTruePeaks = Array(repeating: 0, count: channels)
        if needsPeaks && measures.contains(.history) {
            samplePeakBuckets.reserveCapacity(36_000)
            truePeakBuckets.reserveCapacity(36_000)
        }
    }

    /// Adds the valid frames of `block`, whose channel count must match the format.
    public mutating func write(_ block: AudioBlock) {
        precondition(block.channelCount == format.channelCount,
                     "block has \(block.channelCount) channels, meter expects \(format.channelCount)")
        let n = block.frameCount
        guard n > 0 else { return }
        block.withStorage { buffer, stride in
            let base = buffer.baseAddress!
            if needsLoudness { addLoudness(base, stride: stride, count: n) }
            if needsPeaks { addPeaks(base, stride: stride, count: n) }
        }
        frameCount += n
    }

    /// Adds `count` frames of planar channels starting at `base`, `stride` floats apart.
    private mutating func addLoudness(_ base: UnsafePointer<Float>, stride: Int, count n: Int) {
        let sub = framesPerSubBlock
        let weighted = weightedChannels.count
        let k = coefficients
        var pos = 0
        while pos < n {
            let m = min(n - pos, sub - subBlockFill)
            let fill = subBlockFill
            filtered.withUnsafeMutableBufferPointer { rows in
                laneScratch.withUnsafeMutableBufferPointer { scratch in
                    let zeros = UnsafePointer(scratch.baseAddress!)
                    let trash = scratch.baseAddress! + sub
                    func lane(_ idx: Int) -> (UnsafePointer<Float>, UnsafeMutablePointer<Float>) {
                        guard idx < weighted else { return (zeros, trash) }
                        return (base + weightedChannels[idx] * stride + pos, rows.baseAddress! + idx * sub + fill)
                    }
                    for g in 0..<quadCount {
                        let l0 = lane(4 * g), l1 = lane(4 * g + 1), l2 = lane(4 * g + 2), l3 = lane(4 * g + 3)
                        KWeighting.filter(
                            k, state: &quadStates[g],
                            input: .init(l0.0, l1.0, l2.0, l3.0), output: .init(l0.1, l1.1, l2.1, l3.1), count: m)
                    }
                    if !pairStates.isEmpty {
                        let l0 = lane(4 * quadCount), l1 = lane(4 * quadCount + 1)
                        KWeighting.filter(k, state: &pairStates[0], input0: l0.0, input1: l1.0,
                                          output0: l0.1, output1: l1.1, count: m)
                    }
                }
            }
            subBlockFill += m
            pos += m
            if subBlockFill == sub {
                var energy = 0.0
                filtered.withUnsafeBufferPointer { rows in
                    for idx in 0..<weighted {
                        energy += weights[idx] * PowerSum.sumOfSquares(rows.baseAddress! + idx * sub, count: sub)
                    }
                }
                subBlockEnergies.append(energy)
                subBlockFill = 0
                for g in quadStates.indices { quadStates[g].flushTinyValues() }
                for g in pairStates.indices { pairStates[g].flushTinyValues() }
            }
        }
    }

    private mutating func addPeaks(_ base: UnsafePointer<Float>, stride: Int, count n: Int) {
        guard measures.contains(.history) else {
            addPeakPiece(base, stride: stride, count: n, bucket: false)
            return
        }
        // With a history, peaks are also kept per 100 ms bucket at fixed stream positions.
        var pos = 0
        while pos < n {
            let m = min(n - pos, framesPerSubBlock - peakBucketFill)
            if peakBucketFill == 0 {
                samplePeakBuckets.append(0)
                truePeakBuckets.append(0)
                for c in bucketTruePeaks.indices { bucketTruePeaks[c] = 0 }
            }
            addPeakPiece(base + pos, stride: stride, count: m, bucket: true)
            peakBucketFill += m
            if peakBucketFill == framesPerSubBlock { peakBucketFill = 0 }
            pos += m
        }
    }

    private mutating func addPeakPiece(_ base: UnsafePointer<Float>, stride: Int, count n: Int, bucket: Bool) {
        let filter = truePeakFilter
        let t1 = max(0, filter.tapsPerPhase - 1)
        for c in 0..<format.channelCount {
            let x = base + c * stride
            let piecePeak = PowerSum.absMax(x, count: n)
            samplePeaks[c] = max(samplePeaks[c], piecePeak)
            if bucket { samplePeakBuckets[samplePeakBuckets.count - 1] = max(samplePeakBuckets[samplePeakBuckets.count - 1], piecePeak) }
            guard filter.oversampling > 1 else { continue }
            // The running maximum lets the kernel skip windows that cannot beat it: the
            // channel's overall maximum, or in bucket mode the channel's maximum in this bucket.
            var best = bucket ? bucketTruePeaks[c] : interpolatedPeaks[c]
            truePeakHistory.withUnsafeMutableBufferPointer { hist in
                truePeakBoundary.withUnsafeMutableBufferPointer { boundary in
                    let h = hist.baseAddress! + c * t1
                    let b = boundary.baseAddress!
                    // Windows ending in this block's first T−1 frames straddle the previous block.
                    let m = min(n, t1)
                    b.update(from: h, count: t1)
                    (b + t1).update(from: x, count: m)
                    best = filter.maxInterpolated(b, windows: m, exceeding: best)
                    // Windows lying wholly inside this block.
                    if n > t1 { best = filter.maxInterpolated(x, windows: n - t1, exceeding: best) }
                    // Keep the last T−1 samples.
                    if n >= t1 {
                        h.update(from: x + (n - t1), count: t1)
                    } else {
                        h.update(from: b + n, count: t1)  // b holds history + the n new samples
                    }
                }
            }
            interpolatedPeaks[c] = max(interpolatedPeaks[c], best)
            if bucket {
                bucketTruePeaks[c] = best
                truePeakBuckets[truePeakBuckets.count - 1] = max(truePeakBuckets[truePeakBuckets.count - 1], best)
            }
        }
    }

    /// Integrated loudness if `gain` were applied to everything written so far.
    public func integrated(withGain gain: Decibels) -> LUFS {
        gatingBlocks().integrated(withGain: gain)
    }

    private func gatingBlocks() -> GatingBlocks {
        let s = subBlockEnergies
        let f = Double(framesPerSubBlock)
        var blocks = GatingBlocks()
        if measures.contains(.integrated) || measures.contains(.history), s.count >= 4 {
            blocks.momentaryEnergies.reserveCapacity(s.count - 3)
            for k in 3..<s.count { blocks.momentaryEnergies.append((s[k - 3] + s[k - 2] + s[k - 1] + s[k]) / (4 * f)) }
        }
        if measures.contains(.loudnessRange), s.count >= 30 {
            var k = 29
            while k < s.count {
                blocks.shortTermEnergies.append(Self.sum(s, k - 29 ... k) / (30 * f))
                k += 10
            }
        }
        return blocks
    }

    private static func sum(_ s: [Double], _ r: ClosedRange<Int>) -> Double {
        var t = 0.0
        for i in r { t += s[i] }
        return t
    }

    /// The measurements so far. Does not change the meter; costs O(blocks) plus, for true peak,
    /// interpolating the last few frames against the silence that follows the stream.
    public func report() -> LoudnessReport {
        let minusInf = Decibels(-.infinity)
        let channels = format.channelCount
        let blocks = gatingBlocks()
        let s = subBlockEnergies
        let f = Double(framesPerSubBlock)

        var momentary: [LUFS] = [], shortTerm: [LUFS] = []
        if measures.contains(.history) {
            momentary.reserveCapacity(s.count); shortTerm.reserveCapacity(s.count)
            for k in 0..<s.count {
                momentary.append(k >= 3 ? Gating.loudness(energy: blocks.momentaryEnergies[k - 3]) : LUFS(-.infinity))
                shortTerm.append(k >= 29 ? Gating.loudness(energy: Self.sum(s, k - 29 ... k) / (30 * f)) : LUFS(-.infinity))
            }
        }
        let maxMomentary = Gating.loudness(energy: blocks.momentaryEnergies.max() ?? 0)
        var maxShortTerm = Gating.loudness(energy: blocks.shortTermEnergies.max() ?? 0)
        if let m = shortTerm.max(), m > maxShortTerm { maxShortTerm = m }

        var sp = Array(repeating: minusInf, count: channels)
        var tp = Array(repeating: minusInf, count: channels)
        var lastBucketTail: Float = 0
        if needsPeaks {
            let filter = truePeakFilter
            let t1 = max(0, filter.tapsPerPhase - 1)
            for c in 0..<channels {
                sp[c] = Decibels(amplitude: Double(samplePeaks[c]))
                guard measures.contains(.truePeak) else { continue }
                var best = max(interpolatedPeaks[c], samplePeaks[c])
                if t1 > 0 && frameCount > 0 {
                    // The windows that reach past the last frame, against trailing silence.
                    var tail = Array(truePeakHistory[(c * t1)..<((c + 1) * t1)])
                    tail += Array(repeating: 0, count: t1)
                    let tailPeak = tail.withUnsafeBufferPointer { filter.maxInterpolated($0.baseAddress!, windows: t1, exceeding: 0) }
                    best = max(best, tailPeak)
                    if !truePeakBuckets.isEmpty { lastBucketTail = max(lastBucketTail, tailPeak) }
                }
                tp[c] = Decibels(amplitude: Double(best))
            }
        }
        var samplePeakHistory: [Decibels] = [], truePeakHistory: [Decibels] = []
        if measures.contains(.history) {
            if needsPeaks {
                samplePeakHistory = samplePeakBuckets.map { Decibels(amplitude: Double($0)) }
            }
            if measures.contains(.truePeak) {
                truePeakHistory = zip(truePeakBuckets, samplePeakBuckets).map { Decibels(amplitude: Double(max($0, $1))) }
                if let last = truePeakHistory.indices.last {
                    truePeakHistory[last] = max(truePeakHistory[last], Decibels(amplitude: Double(lastBucketTail)))
                }
            }
        }
        return LoudnessReport(
            integrated: measures.contains(.integrated) ? blocks.integrated() : LUFS(-.infinity),
            loudnessRange: measures.contains(.loudnessRange) ? blocks.loudnessRange() : 0,
            truePeak: measures.contains(.truePeak) ? (tp.max() ?? minusInf) : minusInf,
            truePeakPerChannel: measures.contains(.truePeak) ? tp : Array(repeating: minusInf, count: channels),
            samplePeak: measures.contains(.samplePeak) ? (sp.max() ?? minusInf) : minusInf,
            samplePeakPerChannel: measures.contains(.samplePeak) ? sp : Array(repeating: minusInf, count: channels),
            frameCount: frameCount,
            sampleRate: format.sampleRate,
            momentary: momentary,
            shortTerm: shortTerm,
            maxMomentary: maxMomentary,
            maxShortTerm: maxShortTerm,
            samplePeakHistory: samplePeakHistory,
            truePeakHistory: truePeakHistory,
            gating: blocks)
    }
}
