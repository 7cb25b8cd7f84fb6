/// A fal endpoint id such as `fal-ai/ltx-2.3-quality/text-to-audio`.
///
/// The queue's status, result and cancel URLs use only the app id (`owner/app`, here
/// `fal-ai/ltx-2.3-quality`), without the endpoint's sub-path.
public struct FalEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// The full id, e.g. `fal-ai/ltx-2.3-quality/text-to-audio/lora`.
    public let id: String

    /// - Throws: `FalError.invalidConfiguration` unless the id is `owner/app[/path...]` made of
    ///   letters, digits, `-`, `_` and `.`.
    public init(_ id: String) throws {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.allSatisfy(FalEndpoint.isIDCharacter) })
        else {
            throw FalError(.invalidConfiguration, "invalid fal endpoint id '\(FalText.sanitize(id, limit: 80))': expected owner/app[/path]")
        }
        self.id = id
    }

    private init(unchecked id: String) { self.id = id }

    /// `owner/app`: the part used by status, result and cancel URLs.
    public var appID: String { id.split(separator: "/").prefix(2).joined(separator: "/") }

    public var description: String { id }

    /// `fal-ai/ltx-2.3-quality/text-to-audio`.
    public static let ltxTextToAudio = FalEndpoint(unchecked: "fal-ai/ltx-2.3-quality/text-to-audio")
    /// `fal-ai/ltx-2.3-quality/text-to-audio/lora`.
    public static let ltxTextToAudioLoRA = FalEndpoint(unchecked: "fal-ai/ltx-2.3-quality/text-to-audio/lora")

    static func isIDCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".")
    }

    /// Whether `id` is safe to put in a URL path as a request id.
    static func isValidRequestID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 128 && id != "." && id != ".." && id.allSatisfy(isIDCharacter)
    }
}
