// Signal generators and tolerance helpers for the tests.
import AudioCore
import Foundation

/// A small deterministic PRNG (SplitMix64), so test signals are the same on every run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Test signal generators. Amplitudes are peak values relative to full scale (1.0).
public enum Signal {
    /// The linear amplitude of a level in dBFS (peak): 10^(dB/20).
    public static func amplitude(dBFS: Double) -> Double { pow(10, dBFS / 20) }

    /// `frames` samples of a sine of `frequency` Hz, peak `amplitude`, starting at `phase`
    /// radians (sin(2πft + phase)), computed in `Double`.
    public static func sine(
        frequency: Double, amplitude: Double, phase: Double = 0, sampleRate: Int, frames: Int, startFrame: Int = 0
    ) -> [Float] {
        let w = 2 * Double.pi * frequency / Double(sampleRate)
        return (0..<frames).map { Float(amplitude * sin(w * Double($0 + startFrame) + phase)) }
    }

    /// A 1 kHz test tone made of segments (level dBFS, seconds), phase-continuous across segments,
    /// as the EBU Tech 3341/3342 sequences are.
    public static func toneSequence(
        _ segments: [(dBFS: Double, seconds: Double)], frequency: Double = 1000, sampleRate: Int
    ) -> [Float] {
        var out: [Float] = []
        var start = 0
        for seg in segments {
            let n = Int((seg.seconds * Double(sampleRate)).rounded())
            out += sine(frequency: frequency, amplitude: amplitude(dBFS: seg.dBFS), sampleRate: sampleRate,
                        frames: n, startFrame: start)
            start += n
        }
        return out
    }

    /// Uniform white noise in [-amplitude, amplitude).
    public static func noise(count: Int, amplitude: Double = 1, seed: UInt64) -> [Float] {
        var g = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(Double.random(in: -amplitude..<amplitude, using: &g)) }
    }

    /// A mix that exercises gating: noise whose level changes every `segmentSeconds`, plus tones.
    public static func noiseAndTones(sampleRate: Int, seconds: Double, seed: UInt64) -> [Float] {
        var g = SplitMix64(seed: seed)
        let n = Int(seconds * Double(sampleRate))
        let seg = max(1, sampleRate / 2)
        var out = [Float](repeating: 0, count: n)
        var level = 0.1
        let f1 = Double.random(in: 50...5000, using: &g), f2 = Double.random(in: 100...15000, using: &g)
        for i in 0..<n {
            if i % seg == 0 { level = pow(10, Double.random(in: -45 ... -6, using: &g) / 20) }
            let t = Double(i) / Double(sampleRate)
            let tone = 0.2 * sin(2 * .pi * f1 * t) + 0.1 * sin(2 * .pi * min(f2, 0.45 * Double(sampleRate)) * t)
            out[i] = Float(level * (Double.random(in: -1..<1, using: &g) + tone))
        }
        return out
    }

    /// A block holding `channels` (equal lengths).
    public static func block(_ channels: [[Float]]) -> AudioBlock { AudioBlock(channels: channels) }
}

/// Tolerance helpers.
public enum Tolerance {
    /// |a − b| ≤ tolerance, treating two equal infinities as equal.
    public static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        if a == b { return true }
        return abs(a - b) <= tolerance
    }
}

/// Feeds `block` to `sink` in pieces of the given sizes (cycled), for block-size invariance tests.
public func feed<S: AudioSink>(_ block: AudioBlock, to sink: inout S, pieces: [Int]) throws {
    var piece = AudioBlock(channelCount: block.channelCount, capacity: max(1, pieces.max() ?? 1))
    var pos = 0, j = 0
    while pos < block.frameCount {
        let n = min(pieces[j % pieces.count], block.frameCount - pos)
        piece.frameCount = 0
        piece.append(block, from: pos, count: n)
        try sink.write(piece)
        pos += n; j += 1
    }
}
