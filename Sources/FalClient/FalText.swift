/// Cleaning of text that came from a server before it reaches a terminal, a log or a file.
package enum FalText {
    /// Removes control and bidi-formatting characters, folds whitespace runs into one space,
    /// removes every `secret`, and shortens the result to `limit` characters (with an ellipsis).
    package static func sanitize(_ text: String, redacting secrets: [String] = [], limit: Int = 300) -> String {
        var s = text
        for secret in secrets where !secret.isEmpty {
            s = s.replacing(secret, with: "[redacted]")
        }
        var out = ""
        var lastWasSpace = false
        for scalar in s.unicodeScalars {
            let v = scalar.value
            let isControl = v < 0x20 || (v >= 0x7F && v < 0xA0)
            let isFormat = (0x200B...0x200F).contains(v) || (0x202A...0x202E).contains(v)
                || (0x2066...0x2069).contains(v) || v == 0xFEFF
            if isControl || isFormat || scalar.properties.isWhitespace {
                if (isControl && !scalar.properties.isWhitespace) || isFormat { continue }
                if !lastWasSpace && !out.isEmpty { out.append(" ") }
                lastWasSpace = true
                continue
            }
            out.unicodeScalars.append(scalar)
            lastWasSpace = false
        }
        while out.hasSuffix(" ") { out.removeLast() }
        // Redact again: removing control characters could have joined a split secret.
        for secret in secrets where !secret.isEmpty {
            out = out.replacing(secret, with: "[redacted]")
        }
        if out.count > limit {
            out = String(out.prefix(max(0, limit - 1))) + "…"
        }
        return out
    }

    /// A short printable excerpt of a body that is not the expected JSON.
    package static func excerpt(_ bytes: some Collection<UInt8>, redacting secrets: [String], limit: Int = 120) -> String {
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        let cleaned = sanitize(text, redacting: secrets, limit: limit)
        return cleaned.isEmpty ? "(empty body)" : "\"\(cleaned)\""
    }
}
