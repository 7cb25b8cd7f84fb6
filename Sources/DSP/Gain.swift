/// Multiplying samples by a constant gain.
public enum Gain {
    /// `samples[i] *= gain` for `count` samples, eight lanes at a time. Exact (one rounding per
    /// sample, the same as the scalar loop). No allocation.
    @inlinable
    public static func apply(_ gain: Float, to samples: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(samples)
        let g = SIMD8<Float>(repeating: gain)
        var i = 0
        while i + 16 <= count {
            let a = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let b = raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: a * g, toByteOffset: i &* 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: b * g, toByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
            i &+= 16
        }
        while i < count {
            samples[i] *= gain
            i &+= 1
        }
    }

    /// Scalar twin of `apply`.
    public static func applyReference(_ gain: Float, to samples: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { samples[i] *= gain }
    }

    /// `out[i] = input[i] * curve[i]` for `count` samples: a time-varying gain. Exact. No allocation.
    @inlinable
    public static func applyCurve(_ curve: UnsafePointer<Float>, to input: UnsafePointer<Float>,
                                  into out: UnsafeMutablePointer<Float>, count: Int) {
        let c = UnsafeRawPointer(curve), x = UnsafeRawPointer(input), y = UnsafeMutableRawPointer(out)
        var i = 0
        while i + 8 <= count {
            let v = x.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let g = c.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            y.storeBytes(of: v * g, toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            out[i] = input[i] * curve[i]
            i &+= 1
        }
    }

    /// Scalar twin of `applyCurve`.
    public static func applyCurveReference(_ curve: UnsafePointer<Float>, to input: UnsafePointer<Float>,
                                           into out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = input[i] * curve[i] }
    }
}
