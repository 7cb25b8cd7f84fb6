import AudioCore

/// TPDF (triangular probability density) dither before quantising to `bitDepth` integer PCM.
///
/// Adds the difference of two independent uniform values in [0, 1) LSB, a triangular noise
/// spanning ±1 LSB that makes the quantisation error independent of the signal (no distortion
/// on quiet fades). The LSB is 1/(2^(bits−1) − 1), the scale libsndfile uses to convert float
/// to integers. The generator is a fixed-seed xorshift, so the same input gives the same
/// output. No allocation after `prepare`.
public struct TPDFDither: AudioStage, Sendable {
    public let bitDepth: Int
    private var state: UInt32
    private let lsb: Float

    /// - Parameters:
    ///   - bitDepth: the integer PCM depth the output is quantised to (16 or 24).
    ///   - seed: generator seed; any non-zero value.
    public init(bitDepth: Int, seed: UInt32 = 0x9E37_79B9) {
        precondition(bitDepth >= 8 && bitDepth <= 24, "dither is for integer PCM of 8 to 24 bits")
        self.bitDepth = bitDepth
        state = seed == 0 ? 1 : seed
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
            output.withMutableChannel(c) { ch in
                var s = state
                let scale = lsb / 4_294_967_296
                for i in 0..<n {
                    s ^= s << 13; s ^= s >> 17; s ^= s << 5
                    let u1 = s
                    s ^= s << 13; s ^= s >> 17; s ^= s << 5
                    let u2 = s
                    ch[i] += (Float(u1) - Float(u2)) * scale
                }
                state = s
            }
        }
    }

    public mutating func flush(into output: inout AudioBlock) throws {}
}
