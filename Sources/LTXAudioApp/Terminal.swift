/// Text safe for a terminal.
package enum Terminal {
    /// Replaces control characters (escape sequences, carriage returns, bells...) and bidi
    /// overrides with "?" so that file names and server strings cannot rewrite the screen.
    package static func sanitize(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            ($0.value < 0x20 && $0 != "\t") || (0x7F...0x9F).contains($0.value) || isBidiControl($0.value) ? "?" : $0
        }))
    }

    /// Unicode bidirectional formatting characters, which can make text display in another order.
    static func isBidiControl(_ v: UInt32) -> Bool {
        (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
    }
}
