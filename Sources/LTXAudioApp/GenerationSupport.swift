import FalClient
import Foundation

/// What the mastering step reports back to a generation.
package struct MasterOutcome: Sendable {
    package var output: String
    /// Integrated loudness before and after, in LUFS, when measured.
    package var loudnessBefore: Double?
    package var loudnessAfter: Double?
    package init(output: String, loudnessBefore: Double? = nil, loudnessAfter: Double? = nil) {
        self.output = output
        self.loudnessBefore = loudnessBefore
        self.loudnessAfter = loudnessAfter
    }
}

/// The metadata a generated clip's tags carry.
package struct ClipTags: Sendable, Equatable {
    package var prompt: String
    package var seed: Int?
    package var requestID: String

    /// Plain tag values: `title` (the prompt, shortened), `comment` (prompt, seed, request id),
    /// `software`.
    package var values: [String: String] {
        // Tags are read by players and terminals: no control characters or escape sequences.
        let prompt = Terminal.sanitize(self.prompt)
        let title = prompt.count > 120 ? String(prompt.prefix(119)) + "…" : prompt
        var comment = "prompt: \(prompt)"
        if let seed { comment += "; seed: \(seed)" }
        comment += "; fal request: \(Terminal.sanitize(requestID)); model: fal-ai/ltx-2.3-quality/text-to-audio"
        return ["title": title, "comment": comment, "software": LTXAudioVersion.software]
    }
}

/// Masters `original` into `output` (never overwriting), tagging it. Throws a readable error.
package typealias ClipMasterer = @Sendable (_ original: String, _ output: String, _ tags: ClipTags) async throws -> MasterOutcome

/// One line of `--json` output, and the summary of a clip.
package struct ClipReport: Sendable, Codable, Equatable {
    /// What became of the clip. `submitted`: sent with `--no-wait`, not fetched yet.
    package enum Status: String, Sendable, Codable {
        case mastered, downloaded, failed, cancelled, interrupted, timedOut = "timed_out", submitted
    }
    package var requestID: String?
    /// The output stem of a prompt-file line (`--prompts`), nil otherwise.
    package var name: String?
    package var seed: Int?
    package var prompt: String
    package var output: String?
    package var original: String?
    package var loudnessBefore: Double?
    package var loudnessAfter: Double?
    package var status: Status
    package var error: String?

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id", name, seed, prompt, output, original, loudnessBefore = "loudness_before_lufs"
        case loudnessAfter = "loudness_after_lufs", status, error
    }

    package init(prompt: String, status: Status) {
        self.prompt = prompt
        self.status = status
    }

    /// The line of `manifest.jsonl`: every key present (`null` when there is no value).
    package var manifestLine: String {
        func v(_ x: Any?) -> Any { x ?? NSNull() }
        let object: [String: Any] = [
            "request_id": v(requestID), "name": v(name), "seed": v(seed), "prompt": prompt, "output": v(output),
            "original": v(original), "loudness_before_lufs": v(loudnessBefore), "loudness_after_lufs": v(loudnessAfter),
            "status": status.rawValue, "error": v(error),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The JSON line for `--json`.
    package var jsonLine: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// File names for generated clips.
package enum ClipNaming {
    /// A file-name-safe slug of the prompt: lower-case ASCII letters and digits joined by `-`,
    /// at most 48 characters, `clip` when nothing is left.
    package static func slug(_ prompt: String) -> String {
        var out = ""
        var dash = false
        for scalar in prompt.lowercased().unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                out.unicodeScalars.append(scalar)
                dash = false
            } else if !dash && !out.isEmpty {
                out += "-"
                dash = true
            }
            if out.count >= 48 { break }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "clip" : out
    }

    /// Splits `path` into (directory, name without extension, extension).
    package static func split(_ path: String) -> (dir: String, stem: String, ext: String) {
        let ns = path as NSString
        let dirPart = ns.deletingLastPathComponent
        let dir = dirPart.isEmpty ? "." : dirPart
        let name = ns.lastPathComponent
        let ext = (name as NSString).pathExtension
        let stem = ext.isEmpty ? name : (name as NSString).deletingPathExtension
        return (dir, stem, ext)
    }

    /// `stem.original.EXT` in `dir` (with `-2`, `-3`… if taken).
    package static func originalName(stem: String, in dir: String, container: AudioContainer) -> String {
        let ext = container.fileExtension
        var candidate = "\(stem).original.\(ext)"
        var n = 2
        while FileManager.default.fileExists(atPath: dir + "/" + candidate) {
            candidate = "\(stem).original-\(n).\(ext)"
            n += 1
        }
        return candidate
    }

    /// A stem `base` (or `base-2`, …) for which neither `stem.ext` nor `stem.original.*` exists.
    package static func freeStem(_ base: String, ext: String, in dir: String) -> String {
        var stem = base
        var n = 2
        while exists(stem: stem, ext: ext, in: dir) {
            stem = "\(base)-\(n)"
            n += 1
        }
        return stem
    }

    static func exists(stem: String, ext: String, in dir: String) -> Bool {
        if FileManager.default.fileExists(atPath: "\(dir)/\(stem).\(ext)") { return true }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.contains { $0.hasPrefix(stem + ".original.") }
    }
}
