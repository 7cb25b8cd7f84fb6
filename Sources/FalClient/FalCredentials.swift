/// The fal API key. It is only ever put in the `Authorization` header of requests to the queue
/// host; `description` never shows it, and `redact(_:)` removes it from any text.
public struct FalCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let token: String
    /// The strings that must never be shown: the token and, for `id:secret` keys, each half.
    let secrets: [String]

    /// A key given directly (`FAL_KEY` form, which may itself be `id:secret`).
    public init(key: String) throws {
        let trimmed = key.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw FalError(.missingKey, "the fal API key is empty: set FAL_KEY (or FAL_KEY_ID and FAL_KEY_SECRET)")
        }
        guard trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw FalError(.missingKey, "the fal API key contains spaces or non-ASCII characters: check FAL_KEY")
        }
        self.token = trimmed
        var parts = [trimmed]
        for half in trimmed.split(separator: ":") where half.count >= 8 && half.count < trimmed.count {
            parts.append(String(half))
        }
        self.secrets = parts.sorted { $0.count > $1.count }
    }

    /// Reads `FAL_KEY`, or else `FAL_KEY_ID` + `FAL_KEY_SECRET` (sent as `id:secret`).
    /// - Throws: `FalError.missingKey` when neither is set.
    public static func fromEnvironment(_ environment: [String: String]) throws -> FalCredentials {
        if let key = environment["FAL_KEY"], !key.trimmingWhitespace().isEmpty {
            return try FalCredentials(key: key)
        }
        let id = environment["FAL_KEY_ID"]?.trimmingWhitespace() ?? ""
        let secret = environment["FAL_KEY_SECRET"]?.trimmingWhitespace() ?? ""
        if !id.isEmpty && !secret.isEmpty {
            return try FalCredentials(key: id + ":" + secret)
        }
        if !id.isEmpty || !secret.isEmpty {
            throw FalError(.missingKey, "only one of FAL_KEY_ID and FAL_KEY_SECRET is set: set both, or set FAL_KEY")
        }
        throw FalError(.missingKey, "no fal API key: set FAL_KEY (or FAL_KEY_ID and FAL_KEY_SECRET); nothing was sent")
    }

    /// The value of the `Authorization` header.
    package var authorizationHeader: String { "Key " + token }

    /// `text` with the key (and its halves) replaced by `[redacted]`.
    public func redact(_ text: String) -> String {
        var s = text
        for secret in secrets { s = s.replacing(secret, with: "[redacted]") }
        return s
    }

    public var description: String { "FalCredentials([redacted])" }
    public var debugDescription: String { description }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
