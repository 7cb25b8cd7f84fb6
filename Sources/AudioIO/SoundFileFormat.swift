import CSndFile

/// A file container libsndfile can read or write.
public enum Container: String, Sendable, CaseIterable, Hashable {
    case wav, flac, vorbis, opus, mp3, aiff, caf, w64, rf64

    /// The file name extension written for this container.
    public var fileExtension: String {
        switch self {
        case .wav: return "wav"
        case .flac: return "flac"
        case .vorbis: return "ogg"
        case .opus: return "opus"
        case .mp3: return "mp3"
        case .aiff: return "aiff"
        case .caf: return "caf"
        case .w64: return "w64"
        case .rf64: return "rf64"
        }
    }

    /// Human name for messages.
    public var displayName: String {
        switch self {
        case .wav: return "WAV"
        case .flac: return "FLAC"
        case .vorbis: return "Ogg Vorbis"
        case .opus: return "Ogg Opus"
        case .mp3: return "MP3"
        case .aiff: return "AIFF"
        case .caf: return "CAF"
        case .w64: return "W64"
        case .rf64: return "RF64"
        }
    }

    /// Whether the encoding discards information (measurements after encoding drift a little).
    public var isLossy: Bool { self == .vorbis || self == .opus || self == .mp3 }

    /// Whether a bit depth can be chosen for this container.
    public var hasBitDepth: Bool { !isLossy }

    /// The container a file name's extension names, or nil for an unknown extension.
    public init?(fileExtension ext: String) {
        switch ext.lowercased() {
        case "wav", "wave": self = .wav
        case "flac": self = .flac
        case "ogg", "oga": self = .vorbis
        case "opus": self = .opus
        case "mp3": self = .mp3
        case "aif", "aiff": self = .aiff
        case "caf": self = .caf
        case "w64": self = .w64
        case "rf64": self = .rf64
        default: return nil
        }
    }

    /// The container a `--format` name names ("wav", "flac", "ogg"/"vorbis", "opus", "mp3", ...).
    public init?(name: String) {
        if name.lowercased() == "vorbis" { self = .vorbis; return }
        self.init(fileExtension: name)
    }

    /// The sample rates this container's encoder accepts, or nil when any rate is fine.
    public var allowedSampleRates: [Int]? {
        switch self {
        case .opus: return [8000, 12000, 16000, 24000, 48000]
        case .mp3: return [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]
        default: return nil
        }
    }

    /// The most channels this container's encoder accepts.
    public var maxChannels: Int {
        switch self {
        case .mp3: return 2
        case .flac: return 8
        case .opus, .vorbis: return 255
        default: return 1024
        }
    }

    /// Bit depths this container can store (32 means 32-bit float).
    public var allowedBitDepths: [Int] {
        switch self {
        case .flac: return [16, 24]
        case .wav, .aiff, .caf, .w64, .rf64: return [16, 24, 32]
        case .vorbis, .opus, .mp3: return []
        }
    }

    var majorFormat: Int32 {
        switch self {
        case .wav: return Int32(SF_FORMAT_WAV)
        case .flac: return Int32(SF_FORMAT_FLAC)
        case .vorbis, .opus: return Int32(SF_FORMAT_OGG)
        case .mp3: return Int32(SF_FORMAT_MPEG)
        case .aiff: return Int32(SF_FORMAT_AIFF)
        case .caf: return Int32(SF_FORMAT_CAF)
        case .w64: return Int32(SF_FORMAT_W64)
        case .rf64: return Int32(SF_FORMAT_RF64)
        }
    }
}

/// What to write: a container and, for lossless containers, a bit depth.
public struct OutputEncoding: Sendable, Hashable, CustomStringConvertible {
    public var container: Container
    /// 16 or 24 (integer PCM) or 32 (float) for lossless containers; nil for lossy ones.
    public var bitDepth: Int?

    /// Creates an encoding, checking that the container can store `bitDepth`.
    /// - Throws: `AudioIOError.unsupportedOutput` naming what would work.
    public init(container: Container, bitDepth: Int?, path: String = "output") throws {
        self.container = container
        if container.isLossy {
            if bitDepth != nil {
                throw AudioIOError(.unsupportedOutput, path: path,
                    "\(container.displayName) is lossy and has no bit depth", remedy: .noBitDepth)
            }
            self.bitDepth = nil
        } else {
            let depth = bitDepth ?? 24
            guard container.allowedBitDepths.contains(depth) else {
                let hint = container == .flac && depth == 32 ? " (WAV stores 32-bit float)" : ""
                throw AudioIOError(.unsupportedOutput, path: path,
                    "\(container.displayName) cannot store \(depth)-bit audio\(hint)", remedy: .bitDepth(allowed: container.allowedBitDepths))
            }
            self.bitDepth = depth
        }
    }

    /// Checks that this encoding can hold `format`, with a message that says what would work.
    public func check(_ format: AudioFormatLimits, path: String) throws {
        if let rates = container.allowedSampleRates, !rates.contains(format.sampleRate) {
            let list = rates.map { rateText($0) }.joined(separator: ", ")
            throw AudioIOError(.unsupportedOutput, path: path,
                "\(container.displayName) cannot be written at \(rateText(format.sampleRate)); it takes \(list)",
                remedy: .sampleRate(rates.contains(48000) ? 48000 : rates.last!))
        }
        if format.channelCount > container.maxChannels {
            throw AudioIOError(.unsupportedOutput, path: path,
                "\(container.displayName) holds at most \(container.maxChannels) channels, the audio has \(format.channelCount); choose WAV or FLAC")
        }
    }

    /// libsndfile's format word.
    var sndfileFormat: Int32 {
        let sub: Int32
        switch container {
        case .vorbis: sub = Int32(SF_FORMAT_VORBIS)
        case .opus: sub = Int32(SF_FORMAT_OPUS)
        case .mp3: sub = Int32(SF_FORMAT_MPEG_LAYER_III)
        default:
            switch bitDepth {
            case 16: sub = Int32(SF_FORMAT_PCM_16)
            case 32: sub = Int32(SF_FORMAT_FLOAT)
            default: sub = Int32(SF_FORMAT_PCM_24)
            }
        }
        return container.majorFormat | sub
    }

    public var description: String {
        if let bitDepth { return "\(container.displayName) \(bitDepth == 32 ? "32-bit float" : "\(bitDepth)-bit")" }
        return container.displayName
    }
}

/// The parts of a format an encoder cares about.
public struct AudioFormatLimits: Sendable {
    public var sampleRate: Int
    public var channelCount: Int
    public init(sampleRate: Int, channelCount: Int) {
        self.sampleRate = sampleRate
        self.channelCount = channelCount
    }
}

func rateText(_ rate: Int) -> String {
    rate % 1000 == 0 ? "\(rate / 1000) kHz" : "\(Double(rate) / 1000) kHz"
}

/// Names of libsndfile's major formats and encodings, for reports.
enum SndFileNames {
    static func container(_ format: Int32) -> (Container?, String) {
        let major = format & Int32(SF_FORMAT_TYPEMASK)
        let sub = format & Int32(SF_FORMAT_SUBMASK)
        switch major {
        case Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_WAVEX): return (.wav, "WAV")
        case Int32(SF_FORMAT_FLAC): return (.flac, "FLAC")
        case Int32(SF_FORMAT_OGG):
            return sub == Int32(SF_FORMAT_OPUS) ? (.opus, "Ogg Opus") : (.vorbis, "Ogg Vorbis")
        case Int32(SF_FORMAT_MPEG): return (.mp3, "MPEG audio")
        case Int32(SF_FORMAT_AIFF): return (.aiff, "AIFF")
        case Int32(SF_FORMAT_CAF): return (.caf, "CAF")
        case Int32(SF_FORMAT_W64): return (.w64, "W64")
        case Int32(SF_FORMAT_RF64): return (.rf64, "RF64")
        default:
            var info = SF_FORMAT_INFO(format: major, name: nil, extension: nil)
            if sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
               let name = info.name {
                return (nil, String(cString: name))
            }
            return (nil, "unknown container")
        }
    }

    /// The encoding's name and, for PCM/float encodings, its bit depth (32 = float).
    static func encoding(_ format: Int32) -> (String, Int?) {
        let sub = format & Int32(SF_FORMAT_SUBMASK)
        switch sub {
        case Int32(SF_FORMAT_PCM_S8), Int32(SF_FORMAT_PCM_U8): return ("8-bit PCM", nil)
        case Int32(SF_FORMAT_PCM_16): return ("16-bit PCM", 16)
        case Int32(SF_FORMAT_PCM_24): return ("24-bit PCM", 24)
        case Int32(SF_FORMAT_PCM_32): return ("32-bit PCM", nil)
        case Int32(SF_FORMAT_FLOAT): return ("32-bit float", 32)
        case Int32(SF_FORMAT_DOUBLE): return ("64-bit float", nil)
        case Int32(SF_FORMAT_VORBIS): return ("Vorbis", nil)
        case Int32(SF_FORMAT_OPUS): return ("Opus", nil)
        case Int32(SF_FORMAT_MPEG_LAYER_I): return ("MPEG Layer I", nil)
        case Int32(SF_FORMAT_MPEG_LAYER_II): return ("MPEG Layer II", nil)
        case Int32(SF_FORMAT_MPEG_LAYER_III): return ("MPEG Layer III", nil)
        default:
            var info = SF_FORMAT_INFO(format: sub, name: nil, extension: nil)
            if sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
               let name = info.name {
                return (String(cString: name), nil)
            }
            return ("unknown encoding", nil)
        }
    }
}
