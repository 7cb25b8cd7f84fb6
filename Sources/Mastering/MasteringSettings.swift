import AudioCore

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
    /// Frames per processing block (memory grows with it, not with the signal's length).
    public var blockSize = 4096
    /// Passes over the intermediate signal allowed to find the gain under the limiter.
    public var maxRenderPasses = 10

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
