import AudioIO
import Foundation
import LTXAudioApp
import Mastering
import Testing

/// The app layer's share of the conventions, in-process: the console's verbosity and colour,
/// preset files, a preset with the command line over it, man pages from a dump.
@Suite struct ConventionsAppTests {
    final class Capture: @unchecked Sendable {
        let lock = NSLock()
        var out = "", err = ""
        func console(colour: Bool = false, verbosity: Verbosity = .normal) -> Console {
            Console(output: { t in self.lock.withLock { self.out += t } }, error: { t in self.lock.withLock { self.err += t } },
                    errorIsTerminal: true, colour: colour, verbosity: verbosity)
        }
    }

    @Test(arguments: Verbosity.allCases)
    func theConsoleFiltersStderrByVerbosityAndNeverStdout(verbosity: Verbosity) {
        let capture = Capture()
        let console = capture.console(verbosity: verbosity)
        console.line("report")
        console.error("bad")
        console.warning("careful")
        console.note("fyi")
        console.detail("gain +3 dB")
        console.status("[#] 1/1")
        #expect(capture.out == "report\n")
        var expected = "error: bad\n"
        if verbosity >= .normal { expected += "warning: careful\nfyi\n\r\u{1B}[K[#] 1/1" }
        if verbosity == .verbose { expected = "error: bad\nwarning: careful\nfyi\ngain +3 dB\n\r\u{1B}[K[#] 1/1" }
        #expect(capture.err == expected)
        #expect(console.showsProgress == (verbosity != .quiet))
    }

    @Test func colourOnlyOnATerminalWithoutNoColor() {
        #expect(Console.wantsColour(isTerminal: true, environment: ["TERM": "xterm"]))
        #expect(!Console.wantsColour(isTerminal: false, environment: ["TERM": "xterm"]))
        #expect(!Console.wantsColour(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]))
        #expect(Console.wantsColour(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": ""]), "no-color.org: an empty value is unset")
        #expect(!Console.wantsColour(isTerminal: true, environment: ["TERM": "dumb"]))
        let capture = Capture()
        capture.console(colour: true).error("bad")
        #expect(capture.err == "\u{1B}[1;31merror: \u{1B}[0mbad\n")
    }

    @Test func thePresetFolderFollowsXDG() {
        #expect(PresetCatalog.directory(environment: ["XDG_CONFIG_HOME": "/c", "HOME": "/h"]) == "/c/ltx-audio/presets")
        #expect(PresetCatalog.directory(environment: ["XDG_CONFIG_HOME": "rel", "HOME": "/h"]) == "/h/.config/ltx-audio/presets")
        #expect(PresetCatalog.directory(environment: ["HOME": "/h"]) == "/h/.config/ltx-audio/presets")
    }

    @Test func aPresetFileSetsEveryMasteringOption() throws {
        let text = """
            {"target-lufs": -18, "true-peak": -1.5, "max-gain": 20, "max-limiting": 6, "min-limiting-return": 0.3,
             "leveler": true, "trim": true, "trim-threshold": -60, "trim-pad": 0.1, "max-gap": 1.5, "dither": false,
             "sample-rate": 44100, "quality": "medium", "format": "vorbis", "bit-depth": 24, "description": "all"}
            """
        let preset = try PresetCatalog.parse(Data(text.utf8), name: "all", path: "/p/all.json")
        #expect(preset.description == "all")
        #expect(preset.choices.values.map(\.key) == MasteringChoices.Key.allCases, "every option can be set")
        var commandLine = MasteringChoices()
        commandLine.targetLUFS = -16
        commandLine.dither = true
        commandLine.format = .flac
        let s = MasterSettings(preset: .user(preset), commandLine: commandLine)
        #expect(s.presetName == "all, adjusted")
        #expect(s.target?.integrated.value == -16 && s.target?.truePeakCeiling.value == -1.5 && s.target?.maxGain.value == 20)
        #expect(s.limiting.maximumReduction?.value == 6 && s.limiting.minimumReturn == 0.3)
        #expect(s.leveler != nil && s.dither && s.container == .flac && s.bitDepth == 24)
        #expect(s.trim?.threshold.value == -60 && s.trim?.pad == 0.1 && s.trim?.maxGap == 1.5)
        #expect(s.sampleRate == 44100 && s.quality == .medium)
    }

    @Test func builtInPresetsKeepTheirMeaning() {
        let none = MasterSettings(preset: .builtIn(.none), commandLine: MasteringChoices())
        #expect(none.target == nil && none.presetName == "none")
        var noLeveler = MasteringChoices()
        noLeveler.leveler = false
        #expect(MasterSettings(preset: .builtIn(.podcast), commandLine: MasteringChoices()).leveler != nil)
        #expect(MasterSettings(preset: .builtIn(.podcast), commandLine: noLeveler).leveler == nil, "--no-leveler wins")
        let streaming = MasterSettings(preset: .builtIn(.streaming), commandLine: MasteringChoices())
        #expect(streaming.target == Preset.streaming.target && streaming.trim != nil && streaming.dither && streaming.sampleRate == 48000)
    }

    @Test func manPagesComeFromTheDump() throws {
        let dump = #"""
            {"serializationVersion": 0, "command": {"commandName": "tool", "abstract": "Does things.",
             "subcommands": [
               {"commandName": "run", "abstract": "Runs it.", "discussion": "First.\n\nExamples:\n  tool run -x .5",
                "arguments": [{"kind": "positional", "shouldDisplay": true, "isOptional": false, "isRepeating": true, "valueName": "file", "abstract": "Files."},
                              {"kind": "option", "shouldDisplay": true, "isOptional": true, "isRepeating": false, "valueName": "n",
                               "names": [{"kind": "long", "name": "max-gain"}], "defaultValue": "30", "abstract": "A \\ gain.", "sectionTitle": "Mastering"}]},
               {"commandName": "secret", "shouldDisplay": false}]}}
            """#
        let pages = try ManualPages.render(dump: Data(dump.utf8), footer: "tool 1.0")
        #expect(pages.map(\.fileName) == ["tool.1", "tool-run.1"], "hidden commands get no page")
        let run = pages[1].text
        #expect(run.hasPrefix(".TH TOOL\\-RUN 1 \"\" \"tool 1.0\" \"User Commands\"\n.nh\n.ad l\n.SH NAME\ntool\\-run \\- Runs it.\n"))
        #expect(run.contains(".SS Mastering\n.TP\n\\fB\\-\\-max\\-gain\\fR \\fIn\\fR\nA \\e gain. (default: 30)\n"))
        #expect(run.contains(".RS 2\n.nf\ntool run \\-x .5\n.fi\n.RE\n"), "examples kept as they are")
        #expect(pages[0].text.contains(".SH COMMANDS\n.TP\n\\fBrun\\fR\nRuns it."))
    }
}
