import AudioCore

/// What a `LoudnessMeter` measured. A value: safe to keep, send and compare.
///
/// Quantities that were not asked for in `LoudnessMeter.Measures` are `-infinity` (levels),
/// 0 (loudness range) or empty (histories).
public struct LoudnessReport: Sendable, Equatable {
    /// Integrated (programme) loudness, BS.1770-4 gated; `-infinity` for silence or a signal
    /// shorter than one 400 ms block.
    public var integrated: LUFS
    /// Loudness range (EBU Tech 3342) in LU; 0 when fewer than one 3 s block passes the gates
    /// (silence, or less than 3 s of signal). Always finite.
    public var loudnessRange: Double
    /// Largest true peak (BS.1770-4 Annex 2) over all channels, dBTP; never below the sample
    /// peak. `-infinity` for silence.
    public var truePeak: Decibels
    /// True peak of each channel (LFE included), dBTP.
    public var truePeakPerChannel: [Decibels]
    /// Largest |sample| over all channels, dBFS.
    public var samplePeak: Decibels
    /// Largest |sample| of each channel, dBFS.
    public var samplePeakPerChannel: [Decibels]
    /// Frames measured (a frame is one instant across all channels).
    public var frameCount: Int
    /// Frames per second.
    public var sampleRate: Int
    /// Spacing of `momentary` and `shortTerm`: 0.1 s (one value per 100 ms sub-block).
    public var historyInterval: Double { 0.1 }
    /// Momentary loudness (400 ms window) at 0.1 s, 0.2 s, …: entry k is the window ending at
    /// (k+1)·0.1 s, `-infinity` while less than 400 ms has elapsed. Empty unless `.history`.
    public var momentary: [LUFS]
    /// Short-term loudness (3 s window), same times as `momentary`, `-infinity` before 3 s.
    /// Empty unless `.history`.
    public var shortTerm: [LUFS]
    /// Largest momentary loudness, `-infinity` if none (needs `.integrated` or `.history`).
    public var maxMomentary: LUFS
    /// Largest short-term loudness, `-infinity` if none: over the 100 ms history with
    /// `.history`, else over the 1 s-hop blocks of the loudness range (needs one of the two).
    public var maxShortTerm: LUFS
    /// Largest |sample| over the channels in each 100 ms of the stream (entry k covers frames
    /// k·F ..< (k+1)·F, F = round(rate/10); the last entry may cover less), dBFS: a waveform
    /// envelope. Empty unless `.history` with `.samplePeak` or `.truePeak`.
    public var samplePeakHistory: [Decibels]
    /// Largest true peak over the channels in each 100 ms (as `samplePeakHistory`; an
    /// interpolated value belongs to the bucket of the last sample of its window), dBTP: where
    /// the overs are. Empty unless `.history` with `.truePeak`.
    public var truePeakHistory: [Decibels]
    /// The gating blocks, for "what if" questions: `gating.integrated(withGain:)`.
    public var gating: GatingBlocks

    /// Duration in seconds.
    public var duration: Double { sampleRate > 0 ? Double(frameCount) / Double(sampleRate) : 0 }
}

/// The block energies behind integrated loudness and loudness range, kept so that a mastering
/// step can ask what the measurement would be after a gain, without measuring again.
///
/// Energies are channel-weighted mean squares of the K-weighted signal (see `Gating`). A gain
/// scales every energy by 10^(g/10); the gates move relative to the blocks, so the answer is
/// recomputed exactly from the stored blocks (O(blocks), ~6000 for 10 minutes).
public struct GatingBlocks: Sendable, Equatable {
    /// 400 ms blocks at a 100 ms hop (75 % overlap, BS.1770-4).
    public var momentaryEnergies: [Double]
    /// 3 s blocks at a 1 s hop (the short-term values Tech 3342 uses; libebur128's hop).
    public var shortTermEnergies: [Double]

    public init(momentaryEnergies: [Double] = [], shortTermEnergies: [Double] = []) {
        self.momentaryEnergies = momentaryEnergies
        self.shortTermEnergies = shortTermEnergies
    }

    /// Integrated loudness if `gain` were applied to the whole signal first.
    public func integrated(withGain gain: Decibels = Decibels(0)) -> LUFS {
        momentaryEnergies.withUnsafeBufferPointer {
            Gating.integrated(blockEnergies: $0, energyScale: Gating.energyScale(gain))
        }
    }

    /// Loudness range if `gain` were applied first (a pure gain shifts all blocks alike, so this
    /// only changes when blocks cross the −70 LUFS absolute gate).
    public func loudnessRange(withGain gain: Decibels = Decibels(0)) -> Double {
        Gating.loudnessRange(shortTermEnergies: shortTermEnergies, energyScale: Gating.energyScale(gain))
    }
}

extension Gating {
    /// The energy factor of a gain: 10^(g/10); 0 for `-infinity` dB.
    @inlinable
    public static func energyScale(_ gain: Decibels) -> Double {
        let a = gain.amplitude
        return a * a
    }
}
