import FalClient
import Foundation
import Testing

/// The parsers behind every fal answer take arbitrary bytes without trapping (the fuzz target
/// `FuzzFalResponses` drives the same entry point with libFuzzer).
@Suite struct ParsingRobustnessTests {
    static let inputs: [String] = [
        "", "{", "[]", "null", "{\"status\":\"COMPLETED\",\"error\":{}}", "{\"detail\":[{\"loc\":null}]}",
        "{\"detail\":[{\"loc\":[\"body\",\"num_frames\"],\"msg\":\"too big\"}]}", "{\"request_id\":7}",
        "{\"audio\":{\"url\":\"data:,\"},\"seed\":1,\"prompt\":\"p\"}", "data:", "data:;base64,", "data:a,b",
        "data:audio/wav;base64,UklGRg==", "data:x;base64,@@@@", ",data:", "\u{1B}[2J\u{7}",
        String(repeating: "[", count: 5000), "{\"queue_position\":-1,\"logs\":[{\"message\":null}]}",
        "Sun, 06 Nov 1994 08:49:37 GMT", "99999999999999999999999",
    ]

    @Test func arbitraryAnswersNeverTrap() {
        for text in Self.inputs {
            _ = FalResponseParsing.exercise(Array(text.utf8))
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let n = Int.random(in: 0..<200, using: &rng)
            _ = FalResponseParsing.exercise((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
    }

    /// The fuzz target's committed seeds and every input it found (Fuzz/corpus/fal/,
    /// Fuzz/regressions/fal/), replayed through the same entry point.
    static let fuzzFiles: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        return ["Fuzz/corpus/fal", "Fuzz/regressions/fal"].flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []).sorted()
                .map { root + "/" + folder + "/" + $0 }
        }
    }()

    @Test func theFuzzersSeedsAndFindingsNeverTrap() throws {
        #expect(Self.fuzzFiles.contains { $0.contains("/regressions/fal/") }, "Fuzz/regressions/fal/ is empty or missing")
        for path in Self.fuzzFiles {
            _ = FalResponseParsing.exercise([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }

    @Test func absurdRetryAfterValuesAreClampedNotFatal() {
        // Found by the parsing test above: a huge Retry-After trapped converting to Duration.
        #expect(parseRetryAfter("99999999999999999999999", now: 0) == .seconds(365 * 86_400))
        #expect(parseRetryAfter("1e300", now: 0) == .seconds(365 * 86_400))
        #expect(parseRetryAfter("Sun, 06 Nov 99999999999999 08:49:37 GMT", now: 0) == nil)
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_770) == .seconds(7))
    }

    @Test func dataURIs() throws {
        #expect(try FalDataURI.decode("data:audio/wav;base64,UklGRg==", maxBytes: 100) == Array("RIFF".utf8))
        for bad in ["", "data:", "data:abc", "data:audio/wav,UklGRg==", "data:;base64,***", "xdata:;base64,AA=="] {
            #expect(throws: FalError.self, "\(bad)") { try FalDataURI.decode(bad, maxBytes: 100) }
        }
        let big = "data:;base64," + String(repeating: "A", count: 400)
        let e = #expect(throws: FalError.self) { try FalDataURI.decode(big, maxBytes: 100) }
        #expect(e?.description.contains("larger than the cap") == true)
    }
}
