// The leveler's two hot loops beside their scalar twins: the detector's per-hop power sums and
// the gain ramp between two hop anchors. Applying the ramp to the samples is `Gain.applyCurve`.

extension Leveler {
    /// `energies[k] += weight · Σ x[k·hopFrames + i]²` (i < `hopFrames`) for each of `hops`
    /// consecutive hops: the detector's power accumulation for one channel.
    ///
    /// Per hop, two `SIMD8<Float>` accumulators sum the squares (a hop is ~1 ms: 44–96 frames,
    /// so each lane adds ≤ 6 terms); the lanes and the scalar tail are combined in `Double`.
    /// All terms are non-negative, so the relative error against an exact sum is at most about
    /// (hopFrames/16 + 5)·2⁻²⁴ (≤ 7·10⁻⁷ for 96-frame hops, 3·10⁻⁶ dB).
    ///
    /// - Parameters:
    ///   - x: `hops · hopFrames` readable floats (K-weighted samples); no alignment assumed.
    ///   - hopFrames: frames per hop, ≥ 1.
    ///   - hops: hops, ≥ 0.
    ///   - weight: the channel's BS.1770 weight (1.0 front, 1.41 surround).
    ///   - energies: `hops` writable doubles, added to.
    /// No allocation.
    @inlinable
    public static func accumulateHopEnergies(_ x: UnsafePointer<Float>, hopFrames: Int, hops: Int, weight: Double,
                                             into energies: UnsafeMutablePointer<Double>) {
        precondition(hopFrames >= 1 && hops >= 0)
        let raw = UnsafeRawPointer(x)
        for k in 0..<hops {
            let start = k &* hopFrames, end = start &+ hopFrames
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
            var i = start
            while i &+ 16 <= end {
                let v0 = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                let v1 = raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
                a0 += v0 * v0; a1 += v1 * v1
                i &+= 16
            }
            if i &+ 8 <= end {
                let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                a0 += v * v
                i &+= 8
            }
            let lanes = a0 + a1
            var s: Double = 0
            for j in 0..<8 { s += Double(lanes[j]) }
            while i < end {
                let v = Double(x[i])
                s += v * v
                i &+= 1
            }
            energies[k] += weight * s
        }
    }

    /// Scalar twin of `accumulateHopEnergies`: each hop summed in order in `Double`.
    public static func accumulateHopEnergiesReference(_ x: UnsafePointer<Float>, hopFrames: Int, hops: Int, weight: Double,
                                                      into energies: UnsafeMutablePointer<Double>) {
        for k in 0..<hops {
            var s: Double = 0
            for i in (k * hopFrames)..<((k + 1) * hopFrames) {
                let v = Double(x[i])
                s += v * v
            }
            energies[k] += weight * s
        }
    }

    /// `curve[i] = start + Float(i) · step` for `count` frames: the linear gain ramp between two
    /// hop anchors, eight lanes at a time.
    ///
    /// Exact: `Float(i + lane)` is exact below 2²⁴, and each value takes the same two roundings
    /// (one multiply, one add) as the scalar twin, so the results are bit-identical.
    ///
    /// - Parameters:
    ///   - start: the gain of the first frame (linear, 0...1 in the leveler).
    ///   - step: the gain change per frame.
    ///   - curve: `count` writable floats; no alignment assumed.
    ///   - count: frames, 0 ..< 2²⁴.
    /// No allocation.
    @inlinable
    public static func fillRamp(from start: Float, step: Float, into curve: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count >= 0 && count < 1 << 24)
        let raw = UnsafeMutableRawPointer(curve)
        let iota = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        let s = SIMD8<Float>(repeating: step), g0 = SIMD8<Float>(repeating: start)
        var i = 0
        while i &+ 8 <= count {
            let index = SIMD8<Float>(repeating: Float(i)) + iota
            raw.storeBytes(of: index * s + g0, toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            curve[i] = Float(i) * step + start
            i &+= 1
        }
    }

    /// Scalar twin of `fillRamp`.
    public static func fillRampReference(from start: Float, step: Float, into curve: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { curve[i] = Float(i) * step + start }
    }
}
