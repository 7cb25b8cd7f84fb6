/// The container of a downloaded file, decided from its first bytes (never from a name or a
/// content type). This is file-type sniffing only; no audio is decoded here.
public enum AudioContainer: String, Sendable, Codable, CaseIterable {
    case wav, flac, ogg, mp3, aac, m4a
    /// Not a recognised audio container (e.g. an HTML error page).
    case unknown

    /// The file extension to use.
    public var fileExtension: String { self == .unknown ? "bin" : rawValue }

    /// Sniffs the container from the first bytes (16 are enough).
    public static func sniff(_ bytes: some Collection<UInt8>) -> AudioContainer {
        let b = Array(bytes.prefix(16))
        func ascii(_ range: Range<Int>, _ text: String) -> Bool {
            range.upperBound <= b.count && Array(b[range]) == Array(text.utf8)
        }
        if (ascii(0..<4, "RIFF") || ascii(0..<4, "RF64") || ascii(0..<4, "BW64")) && ascii(8..<12, "WAVE") { return .wav }
        if ascii(0..<4, "fLaC") { return .flac }
        if ascii(0..<4, "OggS") { return .ogg }
        if ascii(0..<3, "ID3") { return .mp3 }
        if ascii(4..<8, "ftyp") { return .m4a }
        if b.count >= 2, b[0] == 0xFF, b[1] & 0xE0 == 0xE0 {
            // Frame sync: MPEG audio layers I-III have non-zero layer bits; ADTS (AAC) has 00.
            let layer = (b[1] >> 1) & 0x03
            if layer != 0 { return .mp3 }
            if b[1] & 0xF6 == 0xF0 { return .aac }
        }
        return .unknown
    }

    /// A short, printable description of what the bytes look like, for error messages.
    public static func describe(_ bytes: some Collection<UInt8>) -> String {
        let head = String(decoding: bytes.prefix(64), as: UTF8.self).lowercased()
        if head.contains("<!doctype html") || head.contains("<html") { return "an HTML page" }
        if head.hasPrefix("{") || head.hasPrefix("[") { return "JSON text" }
        if bytes.isEmpty { return "an empty file" }
        let hex = bytes.prefix(8).map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
        return "unrecognised data (starts with \(hex))"
    }
}
