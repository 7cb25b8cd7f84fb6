import Foundation
import NIOHTTP1

/// `data:` URIs as fal returns them in sync mode: `data:<mime>;base64,<payload>`.
package enum FalDataURI {
    /// The decoded bytes of `uri`.
    /// - Throws: `FalError` `.badResponse` (no data, not base64, invalid base64) or
    ///   `.responseTooLarge` (the payload would decode to more than `maxBytes`).
    package static func decode(_ uri: String, maxBytes: Int) throws -> [UInt8] {
        guard uri.hasPrefix("data:"), let comma = uri.firstIndex(of: ",") else {
            throw FalError(.badResponse, "the result's data: URI has no data")
        }
        let meta = uri[uri.index(uri.startIndex, offsetBy: 5)..<comma]
        guard meta.split(separator: ";").contains("base64") else {
            throw FalError(.badResponse, "the result's data: URI is not base64-encoded")
        }
        let payload = uri[uri.index(after: comma)...]
        if payload.utf8.count / 4 * 3 > maxBytes {
            throw FalError(.responseTooLarge, "the inline audio (data: URI) is larger than the cap of \(maxBytes) bytes")
        }
        guard let data = Data(base64Encoded: String(payload), options: [.ignoreUnknownCharacters]) else {
            throw FalError(.badResponse, "the result's data: URI is not valid base64")
        }
        return Array(data)
    }
}

/// Every parser a fal answer goes through, on arbitrary bytes, without a network: the entry
/// point of the `FuzzFalResponses` libFuzzer target (Fuzz/run-fuzz.sh fal). Parsers must
/// throw or return, never trap, whatever the bytes.
package enum FalResponseParsing {
    /// Runs `bytes` through the submit, status, result and error-body parsers (as JSON), the
    /// `data:` URI decoder (as text), the server-sent-events parser (in two chunks), and the
    /// container sniffer; returns how many parsed, so
    /// the work cannot be optimised away.
    @discardableResult
    package static func exercise(_ bytes: [UInt8]) -> Int {
        var parsed = 0
        let data = Data(bytes)
        let decoder = JSONDecoder()
        if (try? decoder.decode(SubmitAnswer.self, from: data)) != nil { parsed += 1 }
        if (try? decoder.decode(FalQueueStatus.self, from: data)) != nil { parsed += 1 }
        if (try? decoder.decode(LTXTextToAudioOutput.self, from: data)) != nil { parsed += 1 }
        if (try? decoder.decode(JSONValue.self, from: data)) != nil { parsed += 1 }
        var headers = HTTPHeaders()
        headers.add(name: "x-fal-error-type", value: FalText.sanitize(String(decoding: bytes.prefix(64), as: UTF8.self)))
        let body = ErrorBody(bytes, headers: headers, clean: { FalText.sanitize($0, limit: $1) })
        parsed += body.summary.isEmpty ? 0 : 1
        let text = String(decoding: bytes, as: UTF8.self)
        if let decoded = try? FalDataURI.decode(text.hasPrefix("data:") ? text : "data:audio/wav;base64," + text,
                                                maxBytes: 1 << 20) {
            parsed += AudioContainer.sniff(decoded) == .unknown ? 0 : 1
        }
        var sse = ServerSentEventParser(maxLineBytes: 4096)
        let half = bytes.count / 2
        if let first = try? sse.feed(bytes[..<half]), let second = try? sse.feed(bytes[half...]) {
            parsed += (first + second).count
        }
        _ = FalText.excerpt(bytes, redacting: ["fuzz-secret"])
        _ = parseRetryAfter(text, now: 0)
        return parsed
    }
}
