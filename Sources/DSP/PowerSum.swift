/// Sums of squares and absolute maxima over planar `Float` samples: the power sums behind
/// the gating blocks (BS.1770-4, 100 ms sub-blocks) and the sample peak.
public enum PowerSum {
    /// Σ x² over `count` samples.
    ///
    /// Four `SIMD8<Float>` accumulators (32 independent lanes, so the loop is not bound by
    /// the latency of one add chain) sum the squares in `Float`; the lanes are combined in
    /// `Double` at the end. The meter calls this once per 100 ms sub-block and per channel
    /// (≤ 9600 samples at 96 kHz, so ≤ 300 adds per lane) and sums the sub-blocks in `Double`.
    /// All terms are non-negative, so the relative error is at most about
    /// (count/32 + 5)·2⁻²⁴ (≤ 2·10⁻⁵ for a sub-block, 10⁻⁴ dB), and typically far less.
    ///
    /// - Parameters:
    ///   - samples: `count` readable floats; no alignment assumed.
    ///   - count: samples, ≥ 0.
    /// - Returns: the sum of squares. No allocation.
    @inlinable
    public static func sumOfSquares(_ samples: UnsafePointer<Float>, count: Int) -> Double {
        precondition(count >= 0)
        let raw = UnsafeRawPointer(samples)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i + 32 <= count {
            let v0 = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let v1 = raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
            let v2 = raw.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD8<Float>.self)
            let v3 = raw.loadUnaligned(fromByteOffset: (i &+ 24) &* 4, as: SIMD8<Float>.self)
            a0 += v0 * v0; a1 += v1 * v1; a2 += v2 * v2; a3 += v3 * v3
            i &+= 32
        }
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            a0 += v * v
            i &+= 8
        }
        var tail: Double = 0
        while i < count {
            let x = Double(samples[i])
            tail += x * x
            i &+= 1
        }
        return tail + lanesSum(a0) + lanesSum(a1) + lanesSum(a2) + lanesSum(a3)
    }

    @inlinable @inline(__always)
    static func lanesSum(_ v: SIMD8<Float>) -> Double {
        var s: Double = 0
        for j in 0..<8 { s += Double(v[j]) }
        return s
    }

    /// Scalar twin of `sumOfSquares`: a plain loop accumulating in `Double`.
    public static func sumOfSquaresReference(_ samples: UnsafePointer<Float>, count: Int) -> Double {
        var s: Double = 0
        for i in 0..<count {
            let x = Double(samples[i])
            s += x * x
        }
        return s
    }

    /// max |x| over `count` samples (0 for `count == 0`). Exact: max is order-independent.
    ///
    /// - Parameters:
    ///   - samples: `count` readable floats; no alignment assumed.
    ///   - count: samples, ≥ 0.
    /// No allocation.
    @inlinable
    public static func absMax(_ samples: UnsafePointer<Float>, count: Int) -> Float {
        precondition(count >= 0)
        let raw = UnsafeRawPointer(samples)
        var hi0 = SIMD8<Float>(), lo0 = SIMD8<Float>(), hi1 = SIMD8<Float>(), lo1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            let v0 = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let v1 = raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
            hi0 = lanesMax(hi0, v0); lo0 = lanesMin(lo0, v0)
            hi1 = lanesMax(hi1, v1); lo1 = lanesMin(lo1, v1)
            i &+= 16
        }
        if i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            hi0 = lanesMax(hi0, v); lo0 = lanesMin(lo0, v)
            i &+= 8
        }
        var m = Swift.max(horizontalMax(lanesMax(hi0, hi1)), -horizontalMin(lanesMin(lo0, lo1)))
        while i < count {
            m = Swift.max(m, samples[i].magnitude)
            i &+= 1
        }
        return m
    }

    /// Scalar twin of `absMax`.
    public static func absMaxReference(_ samples: UnsafePointer<Float>, count: Int) -> Float {
        var m: Float = 0
        for i in 0..<count { m = Swift.max(m, samples[i].magnitude) }
        return m
    }
}
