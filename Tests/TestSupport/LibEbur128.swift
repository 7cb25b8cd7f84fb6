import AudioCore
import Foundation
import CEBUR128

/// libebur128 (the reference implementation most tools use) measuring planar `Float` audio,
/// with its channel map set explicitly from the layout's roles. Test-only oracle.
public struct LibEbur128Figures {
    public var integrated: Double
    public var loudnessRange: Double
    public var truePeak: [Double]   // linear, per channel
    public var samplePeak: [Double]  // linear, per channel

    public static func channelCode(_ role: ChannelRole) -> Int32 {
        switch role {
        case .lfe: return Int32(EBUR128_UNUSED.rawValue)
        case .left, .mono, .unknown: return Int32(EBUR128_LEFT.rawValue)
        case .right: return Int32(EBUR128_RIGHT.rawValue)
        case .center: return Int32(EBUR128_CENTER.rawValue)
        case .leftSurround, .leftBack, .leftSide, .centerBack: return Int32(EBUR128_LEFT_SURROUND.rawValue)
        case .rightSurround, .rightBack, .rightSide: return Int32(EBUR128_RIGHT_SURROUND.rawValue)
        }
    }

    /// Measures `channels` (planar, equal lengths) in I | LRA | TRUE_PEAK mode.
    public init(channels: [[Float]], format: AudioFormat, chunkFrames: Int = 65_536) {
        let n = channels[0].count, cc = channels.count
        let mode = Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_LRA.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue)
        var st: UnsafeMutablePointer<ebur128_state>? = ebur128_init(UInt32(cc), UInt(format.sampleRate), mode)
        precondition(st != nil, "ebur128_init failed")
        defer { ebur128_destroy(&st) }
        for (c, role) in format.layout.roles.enumerated() {
            precondition(ebur128_set_channel(st, UInt32(c), Self.channelCode(role)) == 0)
        }
        var interleaved = [Float](repeating: 0, count: min(n, chunkFrames) * cc)
        var pos = 0
        while pos < n {
            let m = min(chunkFrames, n - pos)
            for i in 0..<m { for c in 0..<cc { interleaved[i * cc + c] = channels[c][pos + i] } }
            precondition(ebur128_add_frames_float(st, interleaved, m) == 0)
            pos += m
        }
        var out = 0.0
        _ = ebur128_loudness_global(st, &out); integrated = out
        _ = ebur128_loudness_range(st, &out); loudnessRange = out
        truePeak = (0..<cc).map { c in var v = 0.0; _ = ebur128_true_peak(st, UInt32(c), &v); return v }
        samplePeak = (0..<cc).map { c in var v = 0.0; _ = ebur128_sample_peak(st, UInt32(c), &v); return v }
    }
}

extension LibEbur128Figures {
    /// The largest true peak over channels, in dBTP.
    public var truePeakDB: Double {
        let m = truePeak.max() ?? 0
        return m > 0 ? 20 * log10(m) : -.infinity
    }
}

extension LibEbur128Figures {
    /// Integrated loudness of several signals measured together (an album): one libebur128
    /// state per signal, then `ebur128_loudness_global_multiple` over all of them, which gates
    /// the union of their blocks.
    /// - Parameter signals: each signal's planar channels and format.
    public static func integratedTogether(_ signals: [(channels: [[Float]], format: AudioFormat)]) -> Double {
        var states: [UnsafeMutablePointer<ebur128_state>?] = signals.map { signal in
            let st = ebur128_init(UInt32(signal.channels.count), UInt(signal.format.sampleRate), Int32(EBUR128_MODE_I.rawValue))
            precondition(st != nil, "ebur128_init failed")
            for (c, role) in signal.format.layout.roles.enumerated() {
                precondition(ebur128_set_channel(st, UInt32(c), channelCode(role)) == 0)
            }
            let n = signal.channels[0].count, cc = signal.channels.count
            var interleaved = [Float](repeating: 0, count: n * cc)
            for i in 0..<n { for c in 0..<cc { interleaved[i * cc + c] = signal.channels[c][i] } }
            precondition(ebur128_add_frames_float(st, interleaved, n) == 0)
            return st
        }
        defer { for i in states.indices { ebur128_destroy(&states[i]) } }
        var out = 0.0
        _ = states.withUnsafeMutableBufferPointer { ebur128_loudness_global_multiple($0.baseAddress, $0.count, &out) }
        return out
    }
}
