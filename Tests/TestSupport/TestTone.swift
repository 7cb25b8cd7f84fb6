import AudioCore
import Foundation

/// Deterministic test signals.
public enum TestTone {
    /// A sine of `frequency` Hz and peak `amplitude`, `frames` long, in every channel.
    /// - Parameter phase: start phase in radians.
    public static func sine(frequency: Double, amplitude: Double, frames: Int, sampleRate: Int,
                            channels: Int = 1, phase: Double = 0) -> AudioBlock {
        let one = Signal.sine(frequency: frequency, amplitude: amplitude, phase: phase, sampleRate: sampleRate, frames: frames)
        return AudioBlock(channels: Array(repeating: one, count: channels))
    }

    /// Uniform white noise in ±`amplitude` in every channel (each its own fixed seed), as a block.
    public static func noise(amplitude: Double, frames: Int, channels: Int, seed: UInt64 = 1) -> AudioBlock {
        AudioBlock(channels: (0..<channels).map { Signal.noise(count: frames, amplitude: amplitude, seed: seed &+ UInt64($0)) })
    }

    /// Root-mean-square of a channel's valid frames.
    public static func rms(_ samples: [Float]) -> Double {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }

    /// Estimated frequency of a sine from its positive-going zero crossings (interpolated).
    public static func frequency(_ samples: [Float], sampleRate: Int) -> Double {
        var crossings: [Double] = []
        for i in 1..<samples.count where samples[i - 1] < 0 && samples[i] >= 0 {
            let a = Double(samples[i - 1]), b = Double(samples[i])
            crossings.append(Double(i - 1) + (-a) / (b - a))
        }
        guard crossings.count >= 2 else { return 0 }
        return Double(crossings.count - 1) / (crossings.last! - crossings.first!) * Double(sampleRate)
    }
}

/// A fresh temporary folder per test, removed by `remove()`.
public struct TemporaryFolder {
    public let path: String
    public init(_ label: String = "test") throws {
        path = NSTemporaryDirectory() + "ltx-audio-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    /// `path/name`.
    public func file(_ name: String) -> String { path + "/" + name }
    /// Names of the entries in the folder (recursively), sorted; includes hidden files.
    public func contents() -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []).sorted()
    }
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Where the repository's files are: found from this source file's location.
public enum Repository {
    /// The package root (the folder holding Package.swift).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TestSupport/TestTone.swift
        return url.path
    }()
    /// `Fixtures/` in the package root.
    public static var fixtures: String { root + "/Fixtures" }
}
