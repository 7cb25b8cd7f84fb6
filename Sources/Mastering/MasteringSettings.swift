import AudioCore
import DSP

/// What the engine does to one signal: the loudness target, trimming, the delivered rate and
/// dither. Nothing here names a file, a format on disk or a command-line option.
public struct MasteringSettings: Sendable, Hashable {
    /// The loudness target and true-peak ceiling; nil leaves the loudness alone (trim,
    /// resample and dither only).
    public var target: LoudnessTarget?
    /// Silence trimming; nil keeps every frame.
    public var trim: TrimSettings?
    /// The delivered sample rate in Hz; nil keeps the input's. A rate other than the input's
    /// needs the ``Masterer``'s resampler factory.
    public var sampleRate: Int?
    /// TPDF dither to this many bits just before delivery (16 for 16-bit PCM); nil: none.
    public var ditherBitDepth: Int?
    /// How much limiting the gain search may spend to reach the target.
    public var limiting = LimitingPolicy()
    /// Level the programme before the limiter (a gentle compressor for peaky speech); nil: off.
    public var leveler: LevelerSettings?
    /// Frames per processing block (memory grows with it, not with the signal's length).
    public var blockSize = 4096
    /// Passes over the intermediate signal allowed to find the gain under the limiter.
    public var maxRenderPasses = 10
    /// Run each pass's last step (a meter, the destination's encoder) on a second thread
    /// beside the stages feeding it: less wall time when a core would otherwise idle (one
    /// signal at a time), a little more CPU. The results are the same either way.
    public var overlapsStages = false

    /// - Parameters:
    ///   - target: default -14 LUFS, -1 dBTP (the streaming preset).
    ///   - trim: default on, with ``TrimSettings``' defaults.
    ///   - sampleRate: default: keep the input's.
    ///   - ditherBitDepth: default: no dither.
    public init(target: LoudnessTarget? = Preset.streaming.target, trim: TrimSettings? = TrimSettings(),
                sampleRate: Int? = nil, ditherBitDepth: Int? = nil) {
        self.target = target
        self.trim = trim
        self.sampleRate = sampleRate
        self.ditherBitDepth = ditherBitDepth
    }
}

/// The leveler (`DSP.Leveler`) as the engine places it: after the gain, before the limiter,
/// its threshold relative to the loudness target, so it works the same whatever the input's
/// level. The defaults were chosen on the speech fixtures mastered to -14 LUFS (`MastererTests`,
/// README "Loudness without damage"): the limiting they need falls from 5 and 11 dB to 2 and
/// 5 dB.
public struct LevelerSettings: Sendable, Hashable {
    /// The threshold above the target's integrated loudness, LU. Default 4: speech read over a
    /// short window sits 2 to 4 LU above its integrated loudness while a syllable sounds, so the
    /// ordinary syllables pass and only the loud ones and the bursts in them are brought down.
    public var thresholdAboveTarget: Double
    /// Compression ratio above the threshold (soft knee of 6 dB). Default 4.
    public var ratio: Double
    /// Detection window, seconds. Default 20 ms: short enough to see a plosive or a shouted
    /// syllable's onset (what makes a limiter crunch on speech), two periods of a low voice.
    public var window: Double
    /// Attack, seconds. Default 3 ms, inside the look-ahead (window/2 + attack = 13 ms), so
    /// the gain is down before the burst arrives.
    public var attack: Double
    /// Release, seconds. Default 150 ms: back up within a syllable's gap, slow enough not to
    /// follow the waveform.
    public var release: Double

    public init(thresholdAboveTarget: Double = 4, ratio: Double = 4, window: Double = 0.020, attack: Double = 0.003,
                release: Double = 0.150) {
        self.thresholdAboveTarget = thresholdAboveTarget
        self.ratio = ratio
        self.window = window
        self.attack = attack
        self.release = release
    }

    /// The stage for a target.
    func stage(for target: LoudnessTarget) -> Leveler {
        Leveler(threshold: Decibels(target.integrated.value + thresholdAboveTarget), ratio: ratio, attack: attack,
                release: release, lookahead: window / 2 + attack, window: window)
    }
}
