import RealModule

/// The K-weighting filter of ITU-R BS.1770-4: a high-shelf "pre-filter" (+4 dB above ~1.7 kHz,
/// modelling the head) followed by the "RLB" high-pass (~38 Hz), both second-order sections.
///
/// Coefficients are derived for the actual sample rate from the filters' analog definitions by
/// the bilinear transform with pre-warping, so that 16, 22.05, 24, 44.1, 48 and 96 kHz all
/// measure right (BS.1770 tabulates only 48 kHz; derived coefficients reproduce that table).
///
/// ## Precision
/// The filters run in `Double`. The high-pass has its poles at radius ≈ 1 − 2π·38 Hz/fs
/// (0.995 at 48 kHz, 0.9975 at 96 kHz); in `Float` its round-off noise gain (≈ 1/(1−r)²,
/// 10⁴–10⁵) would raise the noise floor to ~10⁻³ of the signal and quantise the coefficients
/// enough to move the pole, i.e. errors of hundredths of a LU at 96 kHz, too close to the
/// ±0.05 LU budget. In `Double` the same error is ~10⁻¹¹, far below anything measurable.
/// Output samples are rounded to `Float` only for the power sums.
///
/// ## Structure and SIMD strategy
/// Direct form I, cascaded. In that form the second section's input history *is* the first
/// section's output history, so the state of both is six values per channel. Each recursion
/// needs only one multiply-add on its critical path (`y = t − a1·y[n−1]`, where `t` collects
/// every term that does not depend on `y[n−1]`), which halves the latency of the transposed
/// form. Channels are processed in the lanes of a `SIMD4<Double>` (four channels per pass),
/// since the recursion is serial in time but independent across channels.
public enum KWeighting {
    /// One second-order section: `y = b0·x + b1·x[n−1] + b2·x[n−2] − a1·y[n−1] − a2·y[n−2]`.
    public struct Biquad: Sendable, Hashable {
        public var b0: Double, b1: Double, b2: Double, a1: Double, a2: Double
        public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
            self.b0 = b0; self.b1 = b1; self.b2 = b2; self.a1 = a1; self.a2 = a2
        }
    }

    /// The two sections for one sample rate.
    public struct Coefficients: Sendable, Hashable {
        /// The high-shelf pre-filter (BS.1770-4 stage 1).
        public var shelf: Biquad
        /// The RLB high-pass (BS.1770-4 stage 2). Its numerator is always 1, −2, 1: the kernels
        /// rely on that and use only `a1` and `a2`.
        public var highPass: Biquad

        /// Derives both sections for `sampleRate` (frames per second, > 0).
        ///
        /// Analog prototypes (the values that reproduce BS.1770-4's 48 kHz table):
        /// shelf f0 = 1681.974 Hz, gain 3.999844 dB, Q = 0.7071752;
        /// high-pass f0 = 38.13547 Hz, Q = 0.5003270.
        public init(sampleRate: Double) {
            precondition(sampleRate > 0, "sample rate must be positive")
            // Stage 1: high shelf.
            do {
                let f0 = 1681.974450955533, gainDB = 3.999843853973347, q = 0.7071752369554196
                let k = Double.tan(Double.pi * f0 / sampleRate)
                let vh = Double.pow(10, gainDB / 20)
                // The band gain of the shelf's numerator is set so that the mid-point of the
                // transition lies where the prototype has it.
                let vb = Double.pow(vh, 0.4996667741545416)
                let a0 = 1 + k / q + k * k
                shelf = Biquad(
                    b0: (vh + vb * k / q + k * k) / a0,
                    b1: 2 * (k * k - vh) / a0,
                    b2: (vh - vb * k / q + k * k) / a0,
                    a1: 2 * (k * k - 1) / a0,
                    a2: (1 - k / q + k * k) / a0)
            }
            // Stage 2: RLB high-pass; numerator 1, −2, 1 (double zero at DC). The kernels use
            // that numerator as (u − u1) − (u1 − u2): exact for these values, and it saves work.
            do {
                let f0 = 38.13547087602444, q = 0.5003270373238773
                let k = Double.tan(Double.pi * f0 / sampleRate)
                let a0 = 1 + k / q + k * k
                highPass = Biquad(
                    b0: 1, b1: -2, b2: 1,
                    a1: 2 * (k * k - 1) / a0,
                    a2: (1 - k / q + k * k) / a0)
            }
        }
    }

    /// Filter memory for up to four channels, one per lane (direct form I, cascaded).
    public struct State: Sendable {
        /// Input history x[n−1], x[n−2].
        public var x1 = SIMD4<Double>(), x2 = SIMD4<Double>()
        /// Shelf output history (the high-pass input history).
        public var u1 = SIMD4<Double>(), u2 = SIMD4<Double>()
        /// High-pass output history.
        public var v1 = SIMD4<Double>(), v2 = SIMD4<Double>()
        public init() {}

        /// Sets state values below `1e-30` in magnitude to zero.
        ///
        /// A decaying tail would otherwise keep shrinking toward subnormal numbers (slow on most
        /// CPUs). 1e-30 is 600 dB below full scale, so this cannot change any measurement.
        /// The meter calls it at fixed positions of the stream (every 100 ms sub-block), so the
        /// result does not depend on how the stream was cut into blocks.
        public mutating func flushTinyValues() {
            func flush(_ v: inout SIMD4<Double>) {
                v.replace(with: 0, where: (v .< 1e-30) .& (v .> -1e-30))
            }
            flush(&x1); flush(&x2); flush(&u1); flush(&u2); flush(&v1); flush(&v2)
        }
    }

    /// The filter memory of one channel, for the scalar reference.
    public struct ChannelState: Sendable {
        public var x1 = 0.0, x2 = 0.0, u1 = 0.0, u2 = 0.0, v1 = 0.0, v2 = 0.0
        public init() {}
    }

    /// Four channel pointers (planar), one per lane. Unused lanes may point at any buffer of
    /// `count` readable (input) or writable (output) floats, e.g. shared scratch.
    public struct Lanes<Pointer> {
        public var p0: Pointer, p1: Pointer, p2: Pointer, p3: Pointer
        public init(_ p0: Pointer, _ p1: Pointer, _ p2: Pointer, _ p3: Pointer) {
            self.p0 = p0; self.p1 = p1; self.p2 = p2; self.p3 = p3
        }
    }

    /// K-weights `count` frames of four planar channels at once (one channel per SIMD lane).
    ///
    /// - Parameters:
    ///   - k: coefficients for the stream's sample rate.
    ///   - state: filter memory, carried from one call to the next.
    ///   - input: four channels of `count` readable samples.
    ///   - output: four channels of `count` writable samples (may alias `input` lane by lane).
    ///   - count: frames, ≥ 0.
    /// No allocation. Lanes are independent: a lane's output depends only on its own input.
    @inlinable
    public static func filter(
        _ k: Coefficients, state: inout State,
        input: Lanes<UnsafePointer<Float>>, output: Lanes<UnsafeMutablePointer<Float>>, count: Int
    ) {
        precondition(count >= 0)
        let sb0 = SIMD4(repeating: k.shelf.b0), sb1 = SIMD4(repeating: k.shelf.b1)
        let sb2 = SIMD4(repeating: k.shelf.b2), sa1 = SIMD4(repeating: k.shelf.a1)
        let sa2 = SIMD4(repeating: k.shelf.a2)
        let ha1 = SIMD4(repeating: k.highPass.a1), ha2 = SIMD4(repeating: k.highPass.a2)
        var x1 = state.x1, x2 = state.x2, u1 = state.u1, u2 = state.u2, v1 = state.v1, v2 = state.v2
        let i0 = input.p0, i1 = input.p1, i2 = input.p2, i3 = input.p3
        let o0 = output.p0, o1 = output.p1, o2 = output.p2, o3 = output.p3
        for n in 0..<count {
            let x = SIMD4<Double>(Double(i0[n]), Double(i1[n]), Double(i2[n]), Double(i3[n]))
            // Terms independent of u[n−1] first; the recursion then costs one multiply-add.
            let tu = sb0 * x + sb1 * x1 + sb2 * x2 - sa2 * u2
            let u = tu - sa1 * u1
            let tv = (u - u1) - (u1 - u2) - ha2 * v2
            let v = tv - ha1 * v1
            x2 = x1; x1 = x; u2 = u1; u1 = u; v2 = v1; v1 = v
            o0[n] = Float(v[0]); o1[n] = Float(v[1]); o2[n] = Float(v[2]); o3[n] = Float(v[3])
        }
        state.x1 = x1; state.x2 = x2; state.u1 = u1; state.u2 = u2; state.v1 = v1; state.v2 = v2
    }

    /// Filter memory for two channels, one per lane of a `SIMD2<Double>` (stereo, or mono
    /// with an idle lane): half the work of the four-lane kernel when there are ≤ 2 channels.
    public struct PairState: Sendable {
        public var x1 = SIMD2<Double>(), x2 = SIMD2<Double>()
        public var u1 = SIMD2<Double>(), u2 = SIMD2<Double>()
        public var v1 = SIMD2<Double>(), v2 = SIMD2<Double>()
        public init() {}

        /// As `State.flushTinyValues()`.
        public mutating func flushTinyValues() {
            func flush(_ v: inout SIMD2<Double>) {
                v.replace(with: 0, where: (v .< 1e-30) .& (v .> -1e-30))
            }
            flush(&x1); flush(&x2); flush(&u1); flush(&u2); flush(&v1); flush(&v2)
        }
    }

    /// K-weights `count` frames of two planar channels at once (one per `SIMD2<Double>` lane).
    /// Same arithmetic as the four-lane `filter`; see there for the parameters.
    @inlinable
    public static func filter(
        _ k: Coefficients, state: inout PairState,
        input0: UnsafePointer<Float>, input1: UnsafePointer<Float>,
        output0: UnsafeMutablePointer<Float>, output1: UnsafeMutablePointer<Float>, count: Int
    ) {
        precondition(count >= 0)
        let sb0 = SIMD2(repeating: k.shelf.b0), sb1 = SIMD2(repeating: k.shelf.b1)
        let sb2 = SIMD2(repeating: k.shelf.b2), sa1 = SIMD2(repeating: k.shelf.a1)
        let sa2 = SIMD2(repeating: k.shelf.a2)
        let ha1 = SIMD2(repeating: k.highPass.a1), ha2 = SIMD2(repeating: k.highPass.a2)
        var x1 = state.x1, x2 = state.x2, u1 = state.u1, u2 = state.u2, v1 = state.v1, v2 = state.v2
        for n in 0..<count {
            let x = SIMD2<Double>(Double(input0[n]), Double(input1[n]))
            let tu = sb0 * x + sb1 * x1 + sb2 * x2 - sa2 * u2
            let u = tu - sa1 * u1
            let tv = (u - u1) - (u1 - u2) - ha2 * v2
            let v = tv - ha1 * v1
            x2 = x1; x1 = x; u2 = u1; u1 = u; v2 = v1; v1 = v
            output0[n] = Float(v[0]); output1[n] = Float(v[1])
        }
        state.x1 = x1; state.x2 = x2; state.u1 = u1; state.u2 = u2; state.v1 = v1; state.v2 = v2
    }

    /// Scalar twin of both `filter`s: one channel, the same arithmetic in the same order.
    public static func filterReference(
        _ k: Coefficients, state: inout ChannelState,
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int
    ) {
        let s = k.shelf, h = k.highPass
        for n in 0..<count {
            let x = Double(input[n])
            let u = (s.b0 * x + s.b1 * state.x1 + s.b2 * state.x2 - s.a2 * state.u2) - s.a1 * state.u1
            let v = ((u - state.u1) - (state.u1 - state.u2) - h.a2 * state.v2) - h.a1 * state.v1
            state.x2 = state.x1; state.x1 = x
            state.u2 = state.u1; state.u1 = u
            state.v2 = state.v1; state.v1 = v
            output[n] = Float(v)
        }
    }
}
