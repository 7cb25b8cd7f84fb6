import Foundation
import Testing
import TestSupport

/// User presets in `$XDG_CONFIG_HOME/ltx-audio/presets/`: found by `--preset NAME`, overridden
/// by the command line, refused with one line naming the file and the key, listed by `presets`.
@Suite struct UserPresetTests {
    let speech = Repository.fixtures + "/speech-22k-mono.wav"

    /// A config folder holding `presets/NAME.json` files.
    func config(_ presets: [String: String]) throws -> TemporaryFolder {
        let dir = try TemporaryFolder("presets")
        try FileManager.default.createDirectory(atPath: dir.file("ltx-audio/presets"), withIntermediateDirectories: true)
        for (name, text) in presets {
            try Data(text.utf8).write(to: URL(fileURLWithPath: dir.file("ltx-audio/presets/\(name).json")))
        }
        return dir
    }

    let delivery = """
        {"description": "our delivery spec", "target-lufs": -18, "true-peak": -1.5, "sample-rate": 44100,
         "format": "flac", "bit-depth": 16, "leveler": true, "quality": "fast", "trim": false}
        """

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aUserPresetSetsItsOptionsAndTheCommandLineWins() throws {
        let dir = try config(["delivery": delivery])
        defer { dir.remove() }
        let env = ["XDG_CONFIG_HOME": dir.path]
        let r = try LTXAudioBinary.run(["master", speech, "-o", dir.path + "/out/", "--preset", "delivery", "--json"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let file = try #require((try json(r.stdout)["files"] as? [[String: Any]])?.first)
        #expect(file["preset"] as? String == "delivery")
        #expect(file["target_lufs"] as? Double == -18 && file["ceiling_dbtp"] as? Double == -1.5)
        #expect(file["output_sample_rate"] as? Int == 44100)
        #expect(file["output_format"] as? String == "FLAC 16-bit")
        #expect(file["output"] as? String == dir.path + "/out/speech-22k-mono.flac")
        #expect(file["leveler_reduction_db"] is Double, "the preset's leveler is on")
        #expect(file["input_duration_s"] as? Double == file["output_duration_s"] as? Double, "trim: false keeps the length")

        // Options on the command line win over the preset's (a dry run: what would be done).
        let o = try LTXAudioBinary.run(["master", speech, "-o", dir.file("o.wav"), "--preset", "delivery", "--json", "--dry-run",
                                        "--target-lufs", "-20", "--sample-rate", "48000", "--bit-depth", "24", "--no-leveler"],
                                       environment: env)
        #expect(o.status == 0, "\(o.stderr)")
        let planned = try #require((try json(o.stdout)["files"] as? [[String: Any]])?.first)
        #expect(planned["preset"] as? String == "delivery, adjusted")
        #expect(planned["target_lufs"] as? Double == -20 && planned["ceiling_dbtp"] as? Double == -1.5)
        #expect(planned["output_sample_rate"] as? Int == 48000)
        #expect(planned["output_format"] as? String == "WAV 24-bit", "the extension wins over the preset's format")
        let mp3 = try LTXAudioBinary.run(["master", speech, "-o", dir.file("o.mp3"), "--preset", "delivery", "--json", "--dry-run"],
                                         environment: env)
        #expect(mp3.status == 0, "the preset's bit depth is for lossless outputs: \(mp3.stderr)")
        #expect(mp3.stdout.contains("\"output_format\" : \"MP3\""), "\(mp3.stdout)")
    }

    @Test(arguments: [
        (#"{"target-luf": -18}"#, #"unknown key "target-luf"; known keys: description, target-lufs"#),
        (#"{"target-lufs": 5}"#, #"key "target-lufs": 5 is outside -70...0 LUFS"#),
        (#"{"target-lufs": "loud"}"#, #"key "target-lufs": "loud" is not a number"#),
        (#"{"leveler": 1}"#, #"key "leveler": 1 is not true or false"#),
        (#"{"bit-depth": 20}"#, #"key "bit-depth": 20 is not 16, 24 or 32"#),
        (#"{"quality": "great"}"#, #"key "quality": "great" is not one of "best", "medium", "fast""#),
        (#"{"format": "xyz"}"#, #"key "format": "xyz" is not a format"#),
        (#"{"sample-rate": 44100.5}"#, #"key "sample-rate": 44100.5 is not a whole number"#),
        (#"["target-lufs", -18]"#, #"not a JSON object"#),
    ])
    func aBadPresetFileIsOneLineNamingTheFileAndTheKey(text: String, message: String) throws {
        let dir = try config(["bad": text])
        defer { dir.remove() }
        let r = try LTXAudioBinary.run(["master", speech, "-o", dir.file("out.flac"), "--preset", "bad"], environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(r.status == 64)
        let path = dir.path + "/ltx-audio/presets/bad.json"
        #expect(r.stderr == "error: \(path): " + r.stderr.dropFirst("error: \(path): ".count), "names the file: \(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out.flac")))
    }

    @Test func anUnknownPresetIsAUsageErrorNamingWhatThereIs() throws {
        let dir = try config(["delivery": delivery])
        defer { dir.remove() }
        let r = try LTXAudioBinary.run(["master", speech, "-o", dir.file("out.flac"), "--preset", "nope"], environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--preset nope: no such preset; built in: streaming, podcast, broadcast, atsc, none; user presets"))
        #expect(r.stderr.contains("delivery"))
    }

    @Test func presetsListsBuiltInAndUserPresetsWithTheirValues() throws {
        let dir = try config(["delivery": delivery, "broken": #"{"nope": 1}"#])
        defer { dir.remove() }
        let env = ["XDG_CONFIG_HOME": dir.path]
        let text = try LTXAudioBinary.run(["presets"], environment: env)
        #expect(text.status == 1, "a broken file is named, the others listed")
        #expect(text.stderr.contains("broken.json: unknown key \"nope\""))
        #expect(text.stdout.contains("streaming  target-lufs -14, true-peak -1"), "\(text.stdout)")
        #expect(text.stdout.contains("podcast    target-lufs -16, true-peak -1, leveler true"))
        #expect(text.stdout.contains("none       no loudness change"))
        #expect(text.stdout.contains("user presets (\(dir.path)/ltx-audio/presets/):"))
        #expect(text.stdout.contains("delivery  target-lufs -18, true-peak -1.5, leveler true, trim false, sample-rate 44100, quality \"fast\", format \"flac\", bit-depth 16; our delivery spec"), "\(text.stdout)")

        try FileManager.default.removeItem(atPath: dir.file("ltx-audio/presets/broken.json"))
        let j = try LTXAudioBinary.run(["presets", "--json"], environment: env)
        #expect(j.status == 0 && j.stderr.isEmpty)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["name"] as? String } == ["streaming", "podcast", "broadcast", "atsc", "none", "delivery"])
        let user = try #require(list.last)
        #expect(user["source"] as? String == "user" && user["path"] as? String == dir.path + "/ltx-audio/presets/delivery.json")
        let settings = try #require(user["settings"] as? [String: Any])
        #expect(settings["target-lufs"] as? Int == -18 && settings["true-peak"] as? Double == -1.5 && settings["leveler"] as? Bool == true)
        #expect(settings["format"] as? String == "flac" && settings["bit-depth"] as? Int == 16)
        #expect((list.first?["settings"] as? [String: Any])?["target-lufs"] as? Int == -14)

        let empty = try LTXAudioBinary.run(["presets"], environment: ["XDG_CONFIG_HOME": dir.path + "/nowhere"])
        #expect(empty.status == 0 && empty.stdout.contains("user presets: none in \(dir.path)/nowhere/ltx-audio/presets/"))
    }
}
