import AudioCore
import DSP
import Testing
import TestSupport

/// Each SIMD kernel against its scalar `…Reference` twin, on random signals of awkward lengths
/// and at unaligned offsets (the kernels use unaligned loads and scalar tails).
struct KernelTests {
    static let lengths = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1000, 4801]
    static let offsets = [0, 1, 3]

    @Test(arguments: lengths)
    func kWeightingMatchesReference(length: Int) {
        for rate in [16_000.0, 44_100, 96_000] {
            let k = KWeighting.Coefficients(sampleRate: rate)
            for offset in Self.offsets {
                // Five planar channels in one buffer, `stride` apart: one full group of four
                // lanes and a group with three idle lanes.
                let stride = length + offset + 1
                var input = [Float](repeating: 0, count: 5 * stride)
                for c in 0..<5 {
                    let x = Signal.noise(count: length, amplitude: 0.9, seed: UInt64(100 * c + length))
                    for i in 0..<length { input[c * stride + offset + i] = x[i] }
                }
                var simdOut = [Float](repeating: 0, count: 5 * stride), refOut = simdOut
                var scratch = [Float](repeating: 0, count: 2 * stride)
                // Two calls (split at length/2) so that carrying the state across calls is tested too.
                var states = [KWeighting.State(), KWeighting.State()]
                input.withUnsafeBufferPointer { ins in
                    simdOut.withUnsafeMutableBufferPointer { outs in
                        scratch.withUnsafeMutableBufferPointer { sc in
                            for (start, count) in [(0, length / 2), (length / 2, length - length / 2)] {
                                for g in 0..<2 {
                                    func lane(_ j: Int) -> (UnsafePointer<Float>, UnsafeMutablePointer<Float>) {
                                        let c = 4 * g + j
                                        let at = c * stride + offset + start
                                        return c < 5 ? (ins.baseAddress! + at, outs.baseAddress! + at)
                                                     : (UnsafePointer(sc.baseAddress!), sc.baseAddress! + stride)
                                    }
                                    let l = (0..<4).map(lane)
                                    KWeighting.filter(k, state: &states[g],
                                                      input: .init(l[0].0, l[1].0, l[2].0, l[3].0),
                                                      output: .init(l[0].1, l[1].1, l[2].1, l[3].1), count: count)
                                }
                            }
                        }
                    }
                }
                input.withUnsafeBufferPointer { ins in
                    refOut.withUnsafeMutableBufferPointer { outs in
                        for c in 0..<5 {
                            var st = KWeighting.ChannelState()
                            KWeighting.filterReference(k, state: &st, input: ins.baseAddress! + c * stride + offset,
                                                       output: outs.baseAddress! + c * stride + offset, count: length)
                        }
                    }
                }
                // Same Double arithmetic in the same order in both; only the compiler's
                // instruction choice (e.g. fused multiply-add) could differ, by about an ulp of
                // Double (~1e-16), which the filter's noise gain (< 1e5) keeps far below one
                // Float ulp of the output (|y| < 2, ulp ≤ 1.2e-7). Allow 2.5e-7 absolute.
                var worst: Float = 0
                for i in 0..<(5 * stride) { worst = max(worst, abs(simdOut[i] - refOut[i])) }
                #expect(worst <= 2.5e-7, "rate \(rate) offset \(offset): max diff \(worst)")
                if length > 0 { #expect(refOut.contains { $0 != 0 }) }
            }
        }
    }

    @Test(arguments: lengths)
    func kWeightingPairMatchesReference(length: Int) {
        for rate in [22_050.0, 48_000, 96_000] {
            let k = KWeighting.Coefficients(sampleRate: rate)
            for offset in Self.offsets {
                let l = Signal.noise(count: length + offset, amplitude: 0.9, seed: UInt64(length + 1))
                let r = Signal.noise(count: length + offset, amplitude: 0.3, seed: UInt64(length + 2))
                var outL = [Float](repeating: 0, count: length + offset), outR = outL, refL = outL, refR = outL
                var state = KWeighting.PairState()
                var sl = KWeighting.ChannelState(), sr = KWeighting.ChannelState()
                l.withUnsafeBufferPointer { l in r.withUnsafeBufferPointer { r in
                    outL.withUnsafeMutableBufferPointer { ol in outR.withUnsafeMutableBufferPointer { or in
                        // Two calls, so the state is carried across a call boundary.
                        for (start, count) in [(0, length / 3), (length / 3, length - length / 3)] {
                            KWeighting.filter(k, state: &state,
                                              input0: l.baseAddress! + offset + start, input1: r.baseAddress! + offset + start,
                                              output0: ol.baseAddress! + offset + start, output1: or.baseAddress! + offset + start,
                                              count: count)
                        }
                    } }
                    refL.withUnsafeMutableBufferPointer { o in
                        KWeighting.filterReference(k, state: &sl, input: l.baseAddress! + offset, output: o.baseAddress! + offset, count: length)
                    }
                    refR.withUnsafeMutableBufferPointer { o in
                        KWeighting.filterReference(k, state: &sr, input: r.baseAddress! + offset, output: o.baseAddress! + offset, count: length)
                    }
                } }
                // Same tolerance and reasoning as the four-lane test.
                let worst = zip(outL + outR, refL + refR).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 2.5e-7, "rate \(rate) offset \(offset): max diff \(worst)")
            }
        }
    }

    @Test(arguments: lengths)
    func sumOfSquaresMatchesReference(length: Int) {
        for offset in Self.offsets {
            let x = Signal.noise(count: length + offset, amplitude: 1, seed: UInt64(7 + length))
            let (fast, slow) = x.withUnsafeBufferPointer { p in
                (PowerSum.sumOfSquares(p.baseAddress! + offset, count: length),
                 PowerSum.sumOfSquaresReference(p.baseAddress! + offset, count: length))
            }
            // Float lanes: each of the 32 lanes adds ≤ length/32 non-negative terms, so the
            // relative error is ≤ (length/32 + 5)·2⁻²⁴ against the Double reference.
            let tolerance = (Double(length) / 32 + 5) * 0x1p-24 * slow
            #expect(abs(fast - slow) <= tolerance, "length \(length) offset \(offset): \(fast) vs \(slow)")
        }
    }

    @Test(arguments: lengths)
    func absMaxMatchesReference(length: Int) {
        for offset in Self.offsets {
            var x = Signal.noise(count: length + offset, amplitude: 0.5, seed: UInt64(11 + length))
            if length > 0 { x[offset + (length * 7) / 11] = -0.75 }  // a negative extreme somewhere
            let (fast, slow) = x.withUnsafeBufferPointer { p in
                (PowerSum.absMax(p.baseAddress! + offset, count: length),
                 PowerSum.absMaxReference(p.baseAddress! + offset, count: length))
            }
            #expect(fast == slow)  // max is exact whatever the order
        }
    }

    @Test(arguments: [4, 2])
    func truePeakMatchesReference(oversampling: Int) {
        let filter = TruePeakFilter(oversampling: oversampling)
        let t = filter.tapsPerPhase
        for windows in Self.lengths + [200, 1031] {
            for offset in Self.offsets {
                // Noise with a few isolated large samples, so that most 64-window groups are
                // skipped by the bound and a few are not: the skipping must not change the result.
                var x = Signal.noise(count: windows + t - 1 + offset, amplitude: 0.05, seed: UInt64(windows * 10 + offset))
                var g = SplitMix64(seed: UInt64(windows))
                for _ in 0..<(x.count / 300 + 1) { x[Int.random(in: 0..<x.count, using: &g)] = Float.random(in: -1...1, using: &g) }
                let (fast, slow, seeded) = x.withUnsafeBufferPointer { p in
                    (filter.maxInterpolated(p.baseAddress! + offset, windows: windows, exceeding: 0),
                     filter.maxInterpolatedReference(p.baseAddress! + offset, windows: windows),
                     filter.maxInterpolated(p.baseAddress! + offset, windows: windows, exceeding: 0.3))
                }
                // The kernels pair even and odd taps into two sums; the reference adds taps in
                // order. Both are T products of |h|·|x| ≤ gainBound·max|x|, so they differ by
                // at most ~T·2⁻²⁴·gainBound·max|x| (< 4e-6 for T = 24, max|x| ≤ 1).
                #expect(abs(fast - slow) <= 4e-6, "L=\(oversampling) windows \(windows) offset \(offset): \(fast) vs \(slow)")
                #expect(abs(seeded - max(0.3, slow)) <= 4e-6)
            }
        }
    }

    @Test func truePeakSkipIsExactOnLoudSignals() {
        // A full-scale signal: the bound rarely allows a skip; many groups are computed.
        let filter = TruePeakFilter(oversampling: 4)
        let x = Signal.noise(count: 10_000, amplitude: 1, seed: 5)
        let (fast, slow) = x.withUnsafeBufferPointer { p in
            (filter.maxInterpolated(p.baseAddress!, windows: 10_000 - 11, exceeding: 0),
             filter.maxInterpolatedReference(p.baseAddress!, windows: 10_000 - 11))
        }
        #expect(abs(fast - slow) <= 4e-6)
        #expect(fast > 1)  // white noise at full scale has inter-sample overs
    }
}

