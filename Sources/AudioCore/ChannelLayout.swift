/// The role a channel plays in a layout.
///
/// BS.1770 weights channels by role (front 1.0, surround 1.41, LFE excluded), so the role is
/// named explicitly rather than guessed from a channel count at measurement time.
public enum ChannelRole: String, Sendable, Hashable, CaseIterable {
    case mono
    case left
    case right
    case center
    case lfe
    case leftSurround
    case rightSurround
    case leftBack
    case rightBack
    case centerBack
    case leftSide
    case rightSide
    /// A channel whose role is not known; measured like a front channel (weight 1.0).
    case unknown

    /// The ITU-R BS.1770-4 channel weight G_i (Table 3).
    ///
    /// Front channels and unknown channels weigh 1.0, surround/back/side channels 1.41
    /// (+1.5 dB), and the LFE channel is excluded (0).
    public var loudnessWeight: Double {
        switch self {
        case .mono, .left, .right, .center, .unknown: return 1.0
        case .lfe: return 0.0
        case .leftSurround, .rightSurround, .leftBack, .rightBack, .centerBack, .leftSide, .rightSide:
            return 1.41
        }
    }
}

/// The roles of the channels of a stream, in storage order.
public struct ChannelLayout: Sendable, Hashable, CustomStringConvertible {
    /// One role per channel, in the order the channels are stored.
    public let roles: [ChannelRole]

    /// Creates a layout from explicit roles.
    public init(roles: [ChannelRole]) {
        precondition(!roles.isEmpty, "a layout has at least one channel")
        self.roles = roles
    }

    /// Number of channels.
    public var channelCount: Int { roles.count }

    public static let mono = ChannelLayout(roles: [.mono])
    public static let stereo = ChannelLayout(roles: [.left, .right])
    /// 5.1 in WAVE/SMPTE order: L R C LFE Ls Rs.
    public static let surround51 = ChannelLayout(roles: [.left, .right, .center, .lfe, .leftSurround, .rightSurround])
    /// 7.1 in WAVE/SMPTE order: L R C LFE Lb Rb Ls Rs.
    public static let surround71 = ChannelLayout(
        roles: [.left, .right, .center, .lfe, .leftBack, .rightBack, .leftSide, .rightSide])

    /// The layout a file with `channelCount` channels and no channel map most likely has.
    ///
    /// Defaults follow the WAVE_FORMAT_EXTENSIBLE default masks: 1 mono, 2 L R, 3 L R C,
    /// 4 L R Ls Rs (quad), 5 L R C Ls Rs, 6 5.1 (L R C LFE Ls Rs), 8 7.1. Any other count
    /// gets `unknown` roles, which BS.1770 weights as front channels (1.0).
    public static func inferred(channelCount: Int) -> ChannelLayout {
        precondition(channelCount > 0, "a layout has at least one channel")
        switch channelCount {
        case 1: return .mono
        case 2: return .stereo
        case 3: return ChannelLayout(roles: [.left, .right, .center])
        case 4: return ChannelLayout(roles: [.left, .right, .leftSurround, .rightSurround])
        case 5: return ChannelLayout(roles: [.left, .right, .center, .leftSurround, .rightSurround])
        case 6: return .surround51
        case 8: return .surround71
        default: return ChannelLayout(roles: Array(repeating: .unknown, count: channelCount))
        }
    }

    /// A short human name: "mono", "stereo", "5.1", "7.1" or "N ch".
    public var description: String {
        switch self {
        case .mono: return "mono"
        case .stereo: return "stereo"
        case .surround51: return "5.1"
        case .surround71: return "7.1"
        default: return "\(channelCount) ch"
        }
    }
}

/// Sample rate and channel layout of a stream of planar `Float` audio.
public struct AudioFormat: Sendable, Hashable, CustomStringConvertible {
    /// Frames per second (a frame is one instant across all channels).
    public var sampleRate: Int
    /// The channels' roles.
    public var layout: ChannelLayout

    public init(sampleRate: Int, layout: ChannelLayout) {
        precondition(sampleRate > 0, "sample rate must be positive")
        self.sampleRate = sampleRate
        self.layout = layout
    }

    /// Convenience: a format with the layout inferred from the channel count.
    public init(sampleRate: Int, channelCount: Int) {
        self.init(sampleRate: sampleRate, layout: .inferred(channelCount: channelCount))
    }

    public var channelCount: Int { layout.channelCount }

    /// Seconds spanned by `frameCount` frames at this rate.
    public func seconds(frames frameCount: Int) -> Double { Double(frameCount) / Double(sampleRate) }

    /// Frames spanned by `seconds` at this rate, rounded to the nearest frame.
    public func frames(seconds: Double) -> Int { Int((seconds * Double(sampleRate)).rounded()) }

    public var description: String { "\(sampleRate) Hz \(layout)" }
}
