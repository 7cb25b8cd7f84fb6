import RealModule

/// The polyphase interpolation filter that estimates true peak (ITU-R BS.1770-4 Annex 2).
///
/// The signal is oversampled by `oversampling` (4× below 96 kHz, 2× from 96 kHz to below
/// 192 kHz, none at 192 kHz and above, as libebur128 does: Annex 2 asks for at least 4× at
/// 48 kHz, i.e. an effective rate of ≥ 192 kHz) and the true peak is the largest |value| of the
/// oversampled signal. Phase 0 of the interpolator reproduces the input exactly (its taps are
/// zero except the centre 1), so only the `oversampling − 1` in-between phases are computed and
/// the sample peak stands for phase 0.
///
/// ## Design
/// A Hann-windowed sinc of 48 taps per input-rate window half-width ×2 at the oversampled rate:
/// the window spans ±(24/oversampling) input samples, giving `tapsPerPhase` = 48/oversampling
/// taps per phase (12 at 4×, 24 at 2×). Interpolating between x[n] and x[n+1] at fraction
/// p/L uses x[n − T/2 + 1 … n + T/2] with weights sinc(τ)·½(1 + cos(πτ/W)), τ = p/L − j.
///
/// ## Exact skipping
/// Most windows cannot beat the running maximum, and two cheap bounds prove it:
/// - every interpolated value is at most `gainBound` · max|x| over the window's inputs
///   (`gainBound` = the largest Σ|h| over the phases); checked on groups of 64 windows, it
///   skips quiet passages;
/// - by Cauchy–Schwarz, |Σ h·x| ≤ ‖h‖₂·‖x‖₂, so a window whose input energy Σx² times
///   `energyBound` (the largest Σh²) is at most the running maximum squared cannot win;
///   checked per window on groups of 16 (it costs a third of the interpolation), it skips
///   most of a steady loud signal, whose peaks stand well above its RMS.
/// Both bounds carry a margin (10⁻⁵, 10⁻⁴) far larger than the `Float` rounding of the sums,
/// so skipping is exact: the result equals computing every window, which the tests hold
/// against the scalar reference.
public struct TruePeakFilter: Sendable {
    /// Oversampling factor L (1, 2 or 4).
    public let oversampling: Int
    /// Taps per phase T (0 when `oversampling == 1`).
    public let tapsPerPhase: Int
    /// (L−1) phases of T taps each, phase-major: phase p (1…L−1) at `(p−1)·T`.
    public let coefficients: [Float]
    /// max over phases of Σ|h| (with margin): |interpolated| ≤ gainBound · max|inputs|.
    public let gainBound: Float
    /// max over phases of Σh² (with margin): |interpolated|² ≤ energyBound · Σ inputs².
    public let energyBound: Float

    /// The oversampling factor libebur128 and this meter use at `sampleRate`.
    public static func oversampling(forSampleRate sampleRate: Int) -> Int {
        sampleRate < 96_000 ? 4 : (sampleRate < 192_000 ? 2 : 1)
    }

    /// The filter for a stream at `sampleRate` frames per second.
    public init(sampleRate: Int) { self.init(oversampling: Self.oversampling(forSampleRate: sampleRate)) }

    /// The filter for an oversampling factor of 1, 2 or 4.
    public init(oversampling: Int) {
        precondition([1, 2, 4].contains(oversampling), "oversampling must be 1, 2 or 4")
        self.oversampling = oversampling
        guard oversampling > 1 else {
            tapsPerPhase = 0; coefficients = []; gainBound = 0; energyBound = 0
            return
        }
        let l = Double(oversampling)
        let taps = 48 / oversampling
        let halfWidth = Double(taps) / 2  // W, in input samples
        var h: [Float] = []
        var bound = 0.0, energy = 0.0
        for p in 1..<oversampling {
            var sumAbs = 0.0, sumSquares = 0.0
            for k in 0..<taps {
                let j = Double(k - (taps / 2 - 1))  // x[n + j]
                let tau = Double(p) / l - j
                let sinc = Double.sin(Double.pi * tau) / (Double.pi * tau)
                let window = 0.5 * (1 + Double.cos(Double.pi * tau / halfWidth))
                let c = Float(sinc * window)
                h.append(c)
                sumAbs += Double(c.magnitude)
                sumSquares += Double(c) * Double(c)
            }
            bound = Swift.max(bound, sumAbs)
            energy = Swift.max(energy, sumSquares)
        }
        tapsPerPhase = taps
        coefficients = h
        gainBound = Float(bound * (1 + 1e-5))
        energyBound = Float(energy * (1 + 1e-4))
    }

    /// The largest |interpolated value| over `windows` consecutive windows, or `currentMax`
    /// if that is larger.
    ///
    /// Window `i` covers `input[i ..< i + tapsPerPhase]` and yields the L−1 values between its
    /// middle samples `input[i + T/2 − 1]` and `input[i + T/2]`.
    /// - Parameters:
    ///   - input: `windows + tapsPerPhase − 1` readable floats (nothing read when `windows == 0`).
    ///   - windows: number of windows, ≥ 0.
    ///   - currentMax: the running maximum so far; windows that provably cannot beat it are skipped.
    /// - Returns: max(currentMax, max |interpolated|). No allocation.
    public func maxInterpolated(_ input: UnsafePointer<Float>, windows: Int, exceeding currentMax: Float) -> Float {
        precondition(windows >= 0)
        guard oversampling > 1, windows > 0 else { return currentMax }
        return coefficients.withUnsafeBufferPointer { h in
            switch oversampling {
            case 4: return Self.kernel3x12(h.baseAddress!, input, windows, currentMax, gainBound, energyBound)
            default: return Self.kernel1xN(h.baseAddress!, tapsPerPhase, input, windows, currentMax, gainBound, energyBound)
            }
        }
    }

    /// Scalar twin of `maxInterpolated` (without the running maximum): computes every window.
    public func maxInterpolatedReference(_ input: UnsafePointer<Float>, windows: Int) -> Float {
        guard oversampling > 1 else { return 0 }
        var m: Float = 0
        let t = tapsPerPhase
        for i in 0..<windows {
            for p in 0..<(oversampling - 1) {
                var acc: Float = 0
                for k in 0..<t { acc += coefficients[p * t + k] * input[i + k] }
                m = Swift.max(m, acc.magnitude)
            }
        }
        return m
    }

    // MARK: kernels

    /// 4× oversampling: three phases of 12 taps.
    @usableFromInline
    static func kernel3x12(
        _ h: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ windows: Int, _ currentMax: Float,
        _ gainBound: Float, _ energyBound: Float
    ) -> Float {
        let raw = UnsafeRawPointer(x)
        @inline(__always) func load(_ at: Int) -> SIMD8<Float> {
            raw.loadUnaligned(fromByteOffset: at &* 4, as: SIMD8<Float>.self)
        }
        // |interpolated| of windows i ..< i+16 (two rows of 8), three phases each; even and odd
        // taps go to separate accumulators: 12 independent add chains.
        @inline(__always) func rows16(_ i: Int) -> SIMD8<Float> {
            var p1a = SIMD8<Float>(), p1b = SIMD8<Float>(), p2a = SIMD8<Float>(), p2b = SIMD8<Float>()
            var p3a = SIMD8<Float>(), p3b = SIMD8<Float>()
            var q1a = SIMD8<Float>(), q1b = SIMD8<Float>(), q2a = SIMD8<Float>(), q2b = SIMD8<Float>()
            var q3a = SIMD8<Float>(), q3b = SIMD8<Float>()
            var k = 0
            while k < 12 {
                let xa = load(i &+ k), xb = load(i &+ k &+ 8)
                let ya = load(i &+ k &+ 1), yb = load(i &+ k &+ 9)
                let h1 = SIMD8(repeating: h[k]), h2 = SIMD8(repeating: h[12 &+ k]), h3 = SIMD8(repeating: h[24 &+ k])
                let g1 = SIMD8(repeating: h[k &+ 1]), g2 = SIMD8(repeating: h[13 &+ k]), g3 = SIMD8(repeating: h[25 &+ k])
                p1a += h1 * xa; p1b += h1 * xb; p2a += h2 * xa; p2b += h2 * xb; p3a += h3 * xa; p3b += h3 * xb
                q1a += g1 * ya; q1b += g1 * yb; q2a += g2 * ya; q2b += g2 * yb; q3a += g3 * ya; q3b += g3 * yb
                k &+= 2
            }
            let r1a = p1a + q1a, r1b = p1b + q1b, r2a = p2a + q2a, r2b = p2b + q2b, r3a = p3a + q3a, r3b = p3b + q3b
            let hi = lanesMax(lanesMax(lanesMax(r1a, r1b), lanesMax(r2a, r2b)), lanesMax(r3a, r3b))
            let lo = lanesMin(lanesMin(lanesMin(r1a, r1b), lanesMin(r2a, r2b)), lanesMin(r3a, r3b))
            return lanesMax(hi, -lo)
        }
        // Cauchy–Schwarz: |Σ h·x| ≤ ‖h‖₂·‖x‖₂ per window; skip 16 windows if none can win.
        @inline(__always) func group16(_ i: Int, _ best: Float) -> Float {
            var ea = SIMD8<Float>(), eb = SIMD8<Float>()
            for k in 0..<12 {
                let xa = load(i &+ k), xb = load(i &+ k &+ 8)
                ea += xa * xa; eb += xb * xb
            }
            if horizontalMax(lanesMax(ea, eb)) * energyBound <= best * best { return best }
            return Swift.max(best, horizontalMax(rows16(i)))
        }
        var best = currentMax
        var i = 0
        while i + 64 <= windows {
            // Inputs touched by windows i ..< i+64: x[i ..< i + 64 + 11].
            if PowerSum.absMax(x + i, count: 64 + 11) * gainBound > best {
                best = group16(i, best); best = group16(i &+ 16, best)
                best = group16(i &+ 32, best); best = group16(i &+ 48, best)
            }
            i &+= 64
        }
        while i + 16 <= windows {
            best = group16(i, best)
            i &+= 16
        }
        // Scalar tail, same tap pairing as the vector path.
        while i < windows {
            for p in 0..<3 {
                var even: Float = 0, odd: Float = 0
                var k = 0
                while k < 12 {
                    even += h[p &* 12 &+ k] * x[i &+ k]
                    odd += h[p &* 12 &+ k &+ 1] * x[i &+ k &+ 1]
                    k &+= 2
                }
                best = Swift.max(best, (even + odd).magnitude)
            }
            i &+= 1
        }
        return best
    }

    /// One phase of `t` taps (2× oversampling, t = 24). 16 windows per step, even/odd taps apart.
    @usableFromInline
    static func kernel1xN(
        _ h: UnsafePointer<Float>, _ t: Int, _ x: UnsafePointer<Float>, _ windows: Int, _ currentMax: Float,
        _ gainBound: Float, _ energyBound: Float
    ) -> Float {
        let raw = UnsafeRawPointer(x)
        @inline(__always) func load(_ at: Int) -> SIMD8<Float> {
            raw.loadUnaligned(fromByteOffset: at &* 4, as: SIMD8<Float>.self)
        }
        @inline(__always) func rows16(_ i: Int) -> SIMD8<Float> {
            var pa = SIMD8<Float>(), pb = SIMD8<Float>(), qa = SIMD8<Float>(), qb = SIMD8<Float>()
            var k = 0
            while k < t {
                let h0 = SIMD8(repeating: h[k]), h1 = SIMD8(repeating: h[k &+ 1])
                pa += h0 * load(i &+ k); pb += h0 * load(i &+ k &+ 8)
                qa += h1 * load(i &+ k &+ 1); qb += h1 * load(i &+ k &+ 9)
                k &+= 2
            }
            let ra = pa + qa, rb = pb + qb
            return lanesMax(lanesMax(ra, rb), -lanesMin(ra, rb))
        }
        @inline(__always) func group16(_ i: Int, _ best: Float) -> Float {
            var ea = SIMD8<Float>(), eb = SIMD8<Float>()
            for k in 0..<t {
                let xa = load(i &+ k), xb = load(i &+ k &+ 8)
                ea += xa * xa; eb += xb * xb
            }
            if horizontalMax(lanesMax(ea, eb)) * energyBound <= best * best { return best }
            return Swift.max(best, horizontalMax(rows16(i)))
        }
        var best = currentMax
        var i = 0
        while i + 64 <= windows {
            if PowerSum.absMax(x + i, count: 64 + t - 1) * gainBound > best {
                best = group16(i, best); best = group16(i &+ 16, best)
                best = group16(i &+ 32, best); best = group16(i &+ 48, best)
            }
            i &+= 64
        }
        while i + 16 <= windows {
            best = group16(i, best)
            i &+= 16
        }
        while i < windows {
            var even: Float = 0, odd: Float = 0
            var k = 0
            while k < t {
                even += h[k] * x[i &+ k]
                odd += h[k &+ 1] * x[i &+ k &+ 1]
                k &+= 2
            }
            best = Swift.max(best, (even + odd).magnitude)
            i &+= 1
        }
        return best
    }
}
