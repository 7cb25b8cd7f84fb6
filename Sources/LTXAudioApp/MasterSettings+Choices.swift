import AudioCore
import AudioIO
import Mastering

extension Preset {
    /// A built-in preset as choices: its target and its leveler (`none` sets nothing).
    package var choices: MasteringChoices {
        var c = MasteringChoices()
        c.targetLUFS = target?.integrated.value
        c.truePeak = target?.truePeakCeiling.value
        if usesLeveler { c.leveler = true }
        return c
    }
}

extension ResolvedPreset {
    /// The preset's own choices.
    package var choices: MasteringChoices {
        switch self {
        case .builtIn(let p): return p.choices
        case .user(let u): return u.choices
        }
    }
}

extension MasterSettings {
    /// The settings of a preset with the command line's choices over it; what neither sets
    /// takes the defaults (a user preset without a target aims at the streaming preset's).
    /// - Parameters:
    ///   - preset: the preset named by `--preset` (default `streaming`).
    ///   - commandLine: the options given on the command line; each wins over the preset.
    package init(preset: ResolvedPreset, commandLine: MasteringChoices) {
        self.init()
        let c = preset.choices.overridden(by: commandLine)
        presetName = preset.name
        if case .builtIn(.none) = preset, c.targetLUFS == nil, c.truePeak == nil {
            target = nil
        } else {
            let base = Preset.streaming.target!
            target = LoudnessTarget(integrated: LUFS(c.targetLUFS ?? base.integrated.value),
                                    truePeakCeiling: Decibels(c.truePeak ?? base.truePeakCeiling.value),
                                    maxGain: Decibels(c.maxGain ?? 30))
            if commandLine.targetLUFS != nil || commandLine.truePeak != nil {
                presetName = preset == .builtIn(.none) ? "custom" : "\(preset.name), adjusted"
            }
        }
        let defaults = LimitingPolicy()
        limiting = LimitingPolicy(maximumReduction: Decibels(c.maxLimiting ?? defaults.maximumReduction!.value),
                                  minimumReturn: c.minLimitingReturn ?? defaults.minimumReturn)
        leveler = c.leveler == true ? LevelerSettings() : nil
        if c.trim == false {
            trim = nil
        } else {
            var t = TrimSettings()
            t.threshold = c.trimThreshold.map { Decibels($0) } ?? t.threshold
            t.pad = c.trimPad ?? t.pad
            t.maxGap = c.maxGap
            trim = t
        }
        dither = c.dither ?? true
        sampleRate = c.sampleRate ?? 48000
        quality = c.quality ?? .best
        container = c.format
        bitDepth = c.bitDepth
        formatFromPreset = commandLine.format == nil && c.format != nil
        bitDepthFromPreset = commandLine.bitDepth == nil && c.bitDepth != nil
    }
}
