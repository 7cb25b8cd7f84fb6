import FalClient
import Foundation
import LTXAudioApp
import Testing

/// The prompt-file parser in process: formats, defaults, stems, errors.
@Suite struct PromptFileTests {
    let defaults = LTXTextToAudioInput(prompt: "(file)", numFrames: 49, numInferenceSteps: 20, seed: 5)

    func parse(_ text: String) throws -> [PromptLine] {
        try PromptFile.parse(Data(text.utf8), defaults: defaults)
    }

    @Test func plainTextWithCRLFAndBlankLines() throws {
        let lines = try parse("\r\n  rain  \r\n\r\n{not json: a prompt in a plain file}\r\nrain\r\n")
        #expect(lines.map(\.lineNumber) == [2, 4, 5])
        #expect(lines.map(\.input.prompt) == ["rain", "{not json: a prompt in a plain file}", "rain"])
        #expect(lines.map(\.stem) == ["rain-seed5", "not-json-a-prompt-in-a-plain-file-seed5", "rain-seed5-2"])
        #expect(lines.allSatisfy { $0.input.numFrames == 49 && $0.input.numInferenceSteps == 20 && $0.input.seed == 5 })
    }

    @Test func jsonLinesOverrideTheDefaults() throws {
        let lines = try parse(#"""
            {"prompt":"a","seed":9,"num_frames":121,"guidance_scale":2,"negative_prompt":"hum"}
            {"prompt":"b","name":"bee","enable_prompt_expansion":true,"enable_safety_checker":false,"seed":null}
            """#)
        #expect(lines[0].input == LTXTextToAudioInput(
            prompt: "a", numFrames: 121, numInferenceSteps: 20, guidanceScale: 2, negativePrompt: "hum", seed: 9))
        #expect(lines[0].stem == "a-seed9")
        #expect(lines[1].stem == "bee" && lines[1].name == "bee")
        #expect(lines[1].input.seed == 5, "null keeps the default")
        #expect(lines[1].input.enablePromptExpansion == true && lines[1].input.enableSafetyChecker == false)
    }

    @Test func aGeneratedStemNeverTakesAGivenName() throws {
        let lines = try parse(#"""
            {"prompt":"x","seed":1}
            {"prompt":"other","name":"x-seed1"}
            """#)
        #expect(lines.map(\.stem) == ["x-seed1-2", "x-seed1"])
    }

    @Test(arguments: [
        ("{\"prompt\":\"a\",\"num_inference_steps\":31}", "line 1: num_inference_steps 31 is out of range"),
        ("{\"prompt\":\"a\",\"frames_per_second\":true}", "line 1: field 'frames_per_second' must be a number"),
        ("{\"prompt\":\"a\",\"enable_safety_checker\":\"no\"}", "line 1: field 'enable_safety_checker' must be true or false"),
        ("{\"prompt\":7}", "line 1: field 'prompt' must be a string"),
        ("{\"prompt\":\"  \"}", "line 1: prompt is empty"),
        ("{\"prompt\":\"a\"}\n[1,2]", "line 2: not a JSON object"),
        ("{\"prompt\":\"a\",\"name\":\".hidden\"}", "line 1: field 'name' must be a plain file name"),
        ("{\"prompt\":\"a\",\"sync_mode\":true}", "line 1: unknown field 'sync_mode'"),
    ])
    func errorsNameTheLineAndTheField(text: String, message: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            "\(error)".hasPrefix(message) && !"\(error)".contains("\n")
        }
    }

    @Test func notUTF8() {
        #expect(throws: PromptFileError.self) { _ = try PromptFile.parse(Data([0x66, 0xFF, 0xFE, 0x0A]), defaults: defaults) }
    }
}
