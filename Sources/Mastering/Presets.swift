import AudioCore

/// A loudness target: integrated loudness and a true-peak ceiling.
public struct LoudnessTarget: Sendable, Hashable {
    /// Integrated loudness to reach (ITU-R BS.1770-4).
    public var integrated: LUFS
    /// Largest true peak allowed (dBTP).
    public var truePeakCeiling: Decibels
    /// Largest gain applied, so near-silent noise is not blown up.
    public var maxGain: Decibels

    public init(integrated: LUFS, truePeakCeiling: Decibels, maxGain: Decibels = Decibels(30)) {
        self.integrated = integrated
        self.truePeakCeiling = truePeakCeiling
        self.maxGain = maxGain
    }
}

/// Named delivery targets (`--preset`).
public enum Preset: String, Sendable, CaseIterable, Hashable {
    /// Streaming services: -14 LUFS, -1 dBTP. The default.
    case streaming
    /// Podcasts: -16 LUFS, -1 dBTP.
    case podcast
    /// EBU R 128 broadcast: -23 LUFS, -1 dBTP.
    case broadcast
    /// ATSC A/85 (US television): -24 LUFS, -2 dBTP.
    case atsc
    /// No loudness change (trim, resample, dither and encode only).
    case none

    /// The target, or nil for `none`.
    public var target: LoudnessTarget? {
        switch self {
        case .streaming: return LoudnessTarget(integrated: LUFS(-14), truePeakCeiling: Decibels(-1))
        case .podcast: return LoudnessTarget(integrated: LUFS(-16), truePeakCeiling: Decibels(-1))
        case .broadcast: return LoudnessTarget(integrated: LUFS(-23), truePeakCeiling: Decibels(-1))
        case .atsc: return LoudnessTarget(integrated: LUFS(-24), truePeakCeiling: Decibels(-2))
        case .none: return nil
        }
    }

    /// What the preset is for, in a few words (listings).
    public var purpose: String {
        switch self {
        case .streaming: return "music and streaming services"
        case .podcast: return "spoken word (with the leveler)"
        case .broadcast: return "EBU R 128"
        case .atsc: return "ATSC A/85 (US television)"
        case .none: return "trim, resample, dither and encode only"
        }
    }

    /// Whether the preset levels the programme before limiting (spoken word: `podcast`).
    public var usesLeveler: Bool { self == .podcast }

    /// One line for help texts: "streaming (-14 LUFS, -1 dBTP)".
    public var summary: String {
        guard let t = target else { return "\(rawValue) (no loudness change)" }
        return "\(rawValue) (\(Int(t.integrated.value)) LUFS, \(Int(t.truePeakCeiling.value)) dBTP\(usesLeveler ? ", leveler" : ""))"
    }
}

/// Silence trimming settings.
public struct TrimSettings: Sendable, Hashable {
    /// Windows quieter than this (RMS, dBFS) are silence.
    public var threshold = Decibels(-50)
    /// Silence kept next to the sound, seconds.
    public var pad = 0.050
    /// Fade at each cut, seconds.
    public var fade = 0.005
    /// Inner silences longer than this are shortened to it; nil leaves them.
    public var maxGap: Double?

    public init() {}
}

/// How the gain for a target is chosen (the search under the limiter is `Masterer`'s).
public enum LoudnessNormalization {
    /// How close the result must be to the target (lossless outputs).
    public static let tolerance = 0.1
    /// What the iteration aims for, inside the tolerance (the rest is room for dither and
    /// quantisation, which move the loudness by far less).
    public static let aim = 0.045

    /// The first gain for a measured loudness: target − measured, capped at `maxGain`.
    /// - Returns: the gain and whether the cap bound it; nil when the loudness has no value
    ///   (silence, or shorter than one 400 ms gating block).
    public static func initialGain(measured: LUFS, target: LoudnessTarget) -> (gain: Decibels, capped: Bool)? {
        guard measured.isFinite else { return nil }
        let wanted = target.integrated.value - measured.value
        return wanted > target.maxGain.value ? (target.maxGain, true) : (Decibels(wanted), false)
    }
}
