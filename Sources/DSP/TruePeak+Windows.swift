extension TruePeakFilter {
    /// For each of `windows` consecutive windows, the largest |interpolated value| between the
    /// window's two middle samples, over all in-between phases, maxed into `output[i]`
    /// (so several channels can be combined in one buffer).
    ///
    /// Eight windows per step in `SIMD8<Float>` lanes (loads at successive offsets), even and
    /// odd taps in separate accumulators; the scalar tail uses the same pairing. Used by the
    /// limiter, which needs the peak of every frame rather than one maximum.
    /// - Parameters:
    ///   - input: `windows + tapsPerPhase − 1` readable floats (nothing read when `windows == 0`).
    ///   - windows: ≥ 0.
    ///   - output: `windows` floats, updated to max(output[i], peak of window i).
    /// No allocation.
    public func windowPeaks(_ input: UnsafePointer<Float>, windows: Int, maxInto output: UnsafeMutablePointer<Float>) {
        precondition(windows >= 0)
        guard oversampling > 1, windows > 0 else { return }
        let t = tapsPerPhase, phases = oversampling - 1
        let raw = UnsafeRawPointer(input)
        let out = UnsafeMutableRawPointer(output)
        coefficients.withUnsafeBufferPointer { hb in
            let h = hb.baseAddress!
            var i = 0
            while i + 8 <= windows {
                var m = SIMD8<Float>()
                for p in 0..<phases {
                    let hp = h + p &* t
                    var even = SIMD8<Float>(), odd = SIMD8<Float>()
                    var k = 0
                    while k + 1 < t {
                        even += SIMD8(repeating: hp[k]) * raw.loadUnaligned(fromByteOffset: (i &+ k) &* 4, as: SIMD8<Float>.self)
                        odd += SIMD8(repeating: hp[k &+ 1]) * raw.loadUnaligned(fromByteOffset: (i &+ k &+ 1) &* 4, as: SIMD8<Float>.self)
                        k &+= 2
                    }
                    if k < t { even += SIMD8(repeating: hp[k]) * raw.loadUnaligned(fromByteOffset: (i &+ k) &* 4, as: SIMD8<Float>.self) }
                    let r = even + odd
                    m = lanesMax(m, lanesAbs(r))
                }
                let previous = out.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                out.storeBytes(of: lanesMax(previous, m), toByteOffset: i &* 4, as: SIMD8<Float>.self)
                i &+= 8
            }
            while i < windows {
                var m: Float = 0
                for p in 0..<phases {
                    let hp = h + p &* t
                    var even: Float = 0, odd: Float = 0
                    var k = 0
                    while k + 1 < t {
                        even += hp[k] * input[i &+ k]
                        odd += hp[k &+ 1] * input[i &+ k &+ 1]
                        k &+= 2
                    }
                    if k < t { even += hp[k] * input[i &+ k] }
                    m = Swift.max(m, (even + odd).magnitude)
                }
                output[i] = Swift.max(output[i], m)
                i &+= 1
            }
        }
    }

    /// Scalar twin of `windowPeaks`: each tap in order into one accumulator.
    public func windowPeaksReference(_ input: UnsafePointer<Float>, windows: Int, maxInto output: UnsafeMutablePointer<Float>) {
        guard oversampling > 1 else { return }
        let t = tapsPerPhase
        for i in 0..<windows {
            var m: Float = 0
            for p in 0..<(oversampling - 1) {
                var acc: Float = 0
                for k in 0..<t { acc += coefficients[p * t + k] * input[i + k] }
                m = Swift.max(m, acc.magnitude)
            }
            output[i] = Swift.max(output[i], m)
        }
    }
}
