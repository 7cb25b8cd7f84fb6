/// An error reading, writing or converting an audio file.
///
/// `description` is one line naming the file and the reason, ready for stderr:
/// `take3.flac: truncated: the header promises 1323000 frames, the data ends at frame 88200 (2.00 s); re-download it`.
public struct AudioIOError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is; compare with the static members (`.missing`, ...).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: String, Sendable {
            case missing, unreadable, notAudio, unsupportedEncoding, malformed, truncated, empty
            case readFailed, unsupportedOutput, outputExists, writeFailed, resampleFailed
        }
        fileprivate let kind: Kind
        public var description: String { kind.rawValue }

        /// The path does not exist.
        public static let missing = Code(kind: .missing)
        /// The path exists but cannot be read (permissions, a folder, a device).
        public static let unreadable = Code(kind: .unreadable)
        /// libsndfile does not recognise the bytes as audio.
        public static let notAudio = Code(kind: .notAudio)
        /// The container is known but its encoding (codec) is not supported.
        public static let unsupportedEncoding = Code(kind: .unsupportedEncoding)
        /// The header or data is malformed.
        public static let malformed = Code(kind: .malformed)
        /// The file ends before the audio its header promises.
        public static let truncated = Code(kind: .truncated)
        /// The file holds no audio frames (zero bytes, or a header with no data).
        public static let empty = Code(kind: .empty)
        /// Decoding failed part way.
        public static let readFailed = Code(kind: .readFailed)
        /// The requested output format, encoding, rate or channel count cannot be written.
        public static let unsupportedOutput = Code(kind: .unsupportedOutput)
        /// The output exists and overwriting was not asked for.
        public static let outputExists = Code(kind: .outputExists)
        /// Creating, writing, or renaming the output failed (disk full, permissions, ...).
        public static let writeFailed = Code(kind: .writeFailed)
        /// libsamplerate refused the conversion.
        public static let resampleFailed = Code(kind: .resampleFailed)
    }

    /// What the caller can change so the same call succeeds; a command-line tool words it
    /// with its own options, `description` in plain terms.
    public enum Remedy: Sendable, Hashable {
        /// An existing file is in the way: allow replacing it.
        case overwrite
        /// The container has no bit depth (lossy): ask for none, or choose a lossless container.
        case noBitDepth
        /// Ask for one of these bit depths.
        case bitDepth(allowed: [Int])
        /// Ask for this sample rate, or choose a container that takes any rate.
        case sampleRate(Int)
    }

    public let code: Code
    /// The file concerned.
    public let path: String
    /// What went wrong: facts, no option names.
    public let message: String
    /// The underlying library's or system's own text (libsndfile's `sf_strerror`, `strerror`), if any.
    public let cause: String?
    /// What would make it work, when there is one thing to change.
    public let remedy: Remedy?

    public init(_ code: Code, path: String, _ message: String, cause: String? = nil, remedy: Remedy? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.cause = cause
        self.remedy = remedy
    }

    /// One line: the path, what went wrong, the library's reason, and the remedy in plain terms.
    public var description: String { describe(remedy: remedy.map(Self.plainText)) }

    /// The line with the remedy worded by the caller (a command-line tool names its options).
    /// - Parameter remedy: the remedy's words, or nil for none.
    public func describe(remedy words: String?) -> String {
        var text = "\(path): \(message)"
        if let cause, !cause.isEmpty, !message.contains(cause) { text += " (\(cause))" }
        if let words { text += "; " + words }
        return text.replacingNewlines()
    }

    /// A remedy in words that name no command-line option.
    public static func plainText(_ remedy: Remedy) -> String {
        switch remedy {
        case .overwrite: return "allow overwriting to replace it"
        case .noBitDepth: return "ask for no bit depth, or choose FLAC or WAV"
        case .bitDepth(let allowed): return "use a bit depth of \(allowed.map(String.init).joined(separator: " or "))"
        case .sampleRate(let rate): return "use a sample rate of \(rate) Hz, or choose FLAC or WAV"
        }
    }
}

extension String {
    /// The string on one line: newlines and tabs become spaces.
    func replacingNewlines() -> String {
        String(map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
    }
}
