import AudioCore

/// TPDF (triangular probability density) dither before quantising to `bitDepth` integer PCM.
///
/// Adds the difference of two independent uniform values in [0, 1) LSB, a triangular noise
/// spanning ±1 LSB that makes the quantisation error independent of the signal (no distortion
/// on quiet fades). The LSB is 1/(2^(bits−1) − 1), the scale libsndfile uses to convert float
/// to integers. The generators are fixed-seed xorshifts (eight SIMD lanes), so the same input
/// gives the same output. No allocation after `prepare`.
public struct TPDFDither: AudioStage, Sendable {
    public let bitDepth: Int
    /// Eight independent xorshift32 generators, one per SIMD lane.
    private var state: SIMD8<UInt32>
    private let lsb: Float

    /// - Parameters:
    ///   - bitDepth: the integer PCM depth the output is quantised to (16 or 24).
    ///   - seed: generator seed.
    public init(bitDepth: Int, seed: UInt32 = 0x9E37_79B9) {
        precondition(bitDepth >= 8 && bitDepth <= 24, "dither is for integer PCM of 8 to 24 bits")
        self.bitDepth = bitDepth
        // Distinct non-zero lane seeds from a multiplicative hash of the seed.
        var lanes = SIMD8<UInt32>()
        for i in 0..<8 { lanes[i] = (seed &+ UInt32(i) &* 0x85EB_CA6B) | 1 }
        state = lanes
        lsb = 1 / Float((1 << (bitDepth - 1)) - 1)
    }

    public var name: String { "TPDF dither to \(bitDepth) bits" }

    public mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
        StreamSpec(format: format, maxFrames: maxFrames)
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        output.append(input)
        let n = output.frameCount
        for c in 0..<output.channelCount {
            output.withMutableChannel(c) { Self.addNoise($0.baseAddress!, count: n, state: &state, lsb: lsb) }
        }
    }

    public mutating func flush(into output: inout AudioBlock) throws {}

    /// Adds TPDF noise of ±`lsb` to `count` samples, eight lanes at a time (each lane its own
    /// xorshift32 generator; two draws per sample). No allocation.
    @inline(__always)
    static func addNoise(_ x: UnsafeMutablePointer<Float>, count: Int, state: inout SIMD8<UInt32>, lsb: Float) {
        let raw = UnsafeMutableRawPointer(x)
        let scale = SIMD8<Float>(repeating: lsb / 4_294_967_296)
        var s = state
        @inline(__always) func step(_ s: inout SIMD8<UInt32>) -> SIMD8<Float> {
            s ^= s &<< 13; s ^= s &>> 17; s ^= s &<< 5
            return SIMD8<Float>(s)
        }
        var i = 0
        while i + 8 <= count {
            let u1 = step(&s), u2 = step(&s)
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: v + (u1 - u2) * scale, toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        if i < count {
            let u1 = step(&s), u2 = step(&s)
            let noise = (u1 - u2) * scale
            var lane = 0
            while i < count {
                x[i] += noise[lane]
                i &+= 1
                lane &+= 1
            }
        }
        state = s
    }
}
