import AudioCore
import DSP

/// Multiplies every sample by a constant gain.
public struct GainStage: AudioStage, Sendable {
    public let gain: Decibels
    private let linear: Float

    public init(_ gain: Decibels) {
        self.gain = gain
        linear = Float(gain.amplitude)
    }

    public var name: String { "gain \(gain)" }

    public mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
        StreamSpec(format: format, maxFrames: maxFrames)
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        output.append(input)
        let n = output.frameCount, g = linear
        for c in 0..<output.channelCount {
            output.withMutableChannel(c) { Gain.apply(g, to: $0.baseAddress!, count: n) }
        }
    }

    public mutating func flush(into output: inout AudioBlock) throws {}
}
