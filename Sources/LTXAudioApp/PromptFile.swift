import FalClient
import Foundation

/// A prompt file for `generate --prompts`.
///
/// Either plain text, one prompt per line, or JSON Lines, one object per line with `prompt`
/// and any of the card's fields (`num_frames`, `frames_per_second`, `num_inference_steps`,
/// `guidance_scale`, `negative_prompt`, `seed`, `enable_prompt_expansion`,
/// `enable_safety_checker`) plus an optional `name` (the output's stem). The file is JSON
/// Lines when its first non-blank line starts with `{`. Blank lines are skipped. The
/// command's options are the defaults of every line.
package enum PromptFile {
    /// The fields a JSON line may carry.
    package static let fields = [
        "prompt", "name", "num_frames", "frames_per_second", "num_inference_steps", "guidance_scale", "negative_prompt",
        "seed", "enable_prompt_expansion", "enable_safety_checker",
    ]

    /// Parses and validates every line; nothing is sent before this succeeds.
    /// - Parameter defaults: the command's options (its `prompt` is ignored).
    /// - Throws: ``PromptFileError`` naming the line number and the field.
    package static func parse(_ data: Data, defaults: LTXTextToAudioInput) throws -> [PromptLine] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw PromptFileError("the prompt file is not valid UTF-8 text")
        }
        let rawLines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        var lines: [PromptLine] = []
        var jsonMode: Bool?
        for (index, raw) in rawLines.enumerated() {
            let number = index + 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if trimmed.isEmpty { continue }
            if jsonMode == nil { jsonMode = trimmed.hasPrefix("{") }
            var input = defaults
            var name: String?
            if jsonMode == true {
                (input, name) = try parseJSONLine(trimmed, number: number, defaults: defaults)
            } else {
                input.prompt = trimmed
            }
            do {
                try input.validate()
            } catch let e as FalError {
                throw PromptFileError("line \(number): \(e.message)")
            }
            lines.append(PromptLine(lineNumber: number, input: input, name: name, stem: ""))
        }
        guard !lines.isEmpty else { throw PromptFileError("the prompt file has no prompts") }
        return try assignStems(lines)
    }

    static func parseJSONLine(_ text: String, number: Int, defaults: LTXTextToAudioInput) throws -> (LTXTextToAudioInput, String?) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case .object(let object) = value else {
            throw PromptFileError("line \(number): not a JSON object (a JSON Lines prompt file needs one object per line)")
        }
        for key in object.keys.sorted() where !fields.contains(key) {
            throw PromptFileError("line \(number): unknown field '\(Terminal.sanitize(String(key.prefix(60))))' (allowed: \(fields.joined(separator: ", ")))")
        }
        func stringField(_ key: String) throws -> String? {
            guard let v = object[key], v != .null else { return nil }
            guard case .string(let s) = v else { throw PromptFileError("line \(number): field '\(key)' must be a string") }
            return s
        }
        func numberField(_ key: String) throws -> Double? {
            guard let v = object[key], v != .null else { return nil }
            guard case .number(let d) = v, d.isFinite else { throw PromptFileError("line \(number): field '\(key)' must be a number") }
            return d
        }
        func integerField(_ key: String) throws -> Int? {
            guard let d = try numberField(key) else { return nil }
            guard d == d.rounded(), abs(d) < 9.0e15 else { throw PromptFileError("line \(number): field '\(key)' must be an integer") }
            return Int(d)
        }
        func boolField(_ key: String) throws -> Bool? {
            guard let v = object[key], v != .null else { return nil }
            guard case .bool(let b) = v else { throw PromptFileError("line \(number): field '\(key)' must be true or false") }
            return b
        }
        var input = defaults
        guard let prompt = try stringField("prompt") else { throw PromptFileError("line \(number): field 'prompt' is missing") }
        input.prompt = prompt
        if let v = try integerField("num_frames") { input.numFrames = v }
        if let v = try numberField("frames_per_second") { input.framesPerSecond = v }
        if let v = try integerField("num_inference_steps") { input.numInferenceSteps = v }
        if let v = try numberField("guidance_scale") { input.guidanceScale = v }
        if let v = try stringField("negative_prompt") { input.negativePrompt = v }
        if let v = try integerField("seed") { input.seed = v }
        if let v = try boolField("enable_prompt_expansion") { input.enablePromptExpansion = v }
        if let v = try boolField("enable_safety_checker") { input.enableSafetyChecker = v }
        let name = try stringField("name")
        if let name {
            let bad = name.isEmpty || name.count > 120 || name.hasPrefix(".") || name.contains("/") || name.contains("\\")
                || name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            if bad {
                throw PromptFileError(
                    "line \(number): field 'name' must be a plain file name stem (1 to 120 characters, no '/', not starting with '.')")
            }
        }
        return (input, name)
    }

    /// Output stems, unique in the file; a `name` given twice is an error.
    static func assignStems(_ lines: [PromptLine]) throws -> [PromptLine] {
        var named: [String: Int] = [:]
        for l in lines {
            guard let n = l.name else { continue }
            if let first = named[n.lowercased()] {
                throw PromptFileError("line \(l.lineNumber): field 'name' \"\(Terminal.sanitize(n))\" is already used on line \(first)")
            }
            named[n.lowercased()] = l.lineNumber
        }
        var taken = Set(named.keys)
        return lines.map { line in
            var l = line
            if let n = l.name {
                l.stem = n
                return l
            }
            let base = ClipNaming.slug(l.input.prompt) + (l.input.seed.map { "-seed\($0)" } ?? "")
            var stem = base
            var k = 2
            while taken.contains(stem.lowercased()) {
                stem = "\(base)-\(k)"
                k += 1
            }
            taken.insert(stem.lowercased())
            l.stem = stem
            return l
        }
    }
}

/// A prompt file that cannot be used; the message names the line and the field.
package struct PromptFileError: Error, CustomStringConvertible, Sendable {
    /// `line N: …`, one line.
    package let description: String
    init(_ description: String) { self.description = description }
}
