import Foundation
import Testing
import TestSupport

/// How the tool behaves as a Unix citizen: `--version`, `--quiet`/`--verbose`, colour only on
/// a terminal and never with NO_COLOR, usage errors (64) before any work, the summary's words.
@Suite struct ConventionsTests {
    let speech = Repository.fixtures + "/speech-22k-mono.wav"

    @Test func versionNamesTheToolAndTheCLibraries() throws {
        let r = try LTXAudioBinary.run(["--version"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r.stdout)")
        #expect(lines.first?.hasPrefix("ltx-audio ") == true)
        #expect(lines.contains { $0.hasPrefix("libsndfile-1.") }, "sf_version_string: \(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("libsamplerate-0.") }, "src_get_version: \(r.stdout)")
    }

    /// The same error, coloured on a terminal, plain with NO_COLOR and when not a terminal.
    @Test func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        let dir = try TemporaryFolder("colour")
        defer { dir.remove() }
        // `script` gives the tool a terminal; its transcript is the terminal's output.
        let onTerminal = "script -qec \"$0 analyze missing.wav\" /dev/null >&2"
        let coloured = try LTXAudioBinary.runThroughShell("cd \"$1\" && env -u NO_COLOR TERM=xterm " + onTerminal, arguments: [dir.path])
        #expect(coloured.stderr.contains("\u{1B}[1;31merror: \u{1B}[0m"), "\(coloured.stderr.debugDescription)")
        let noColour = try LTXAudioBinary.runThroughShell("cd \"$1\" && NO_COLOR=1 TERM=xterm " + onTerminal, arguments: [dir.path])
        #expect(noColour.stderr.contains("error: ") && !noColour.stderr.contains("\u{1B}["), "\(noColour.stderr.debugDescription)")
        let piped = try LTXAudioBinary.run(["analyze", "missing.wav"], in: dir.path, environment: ["TERM": "xterm"])
        #expect(piped.status == 1 && piped.stderr.contains("error: ") && !piped.allOutput.contains("\u{1B}"))
    }

    /// `--quiet` leaves errors only on stderr; the report on stdout is untouched.
    @Test func quietKeepsOnlyErrorsOnStderr() throws {
        let dir = try TemporaryFolder("quiet")
        defer { dir.remove() }
        // --max-gain 0 leaves the file under the target: a warning, which --quiet drops.
        let args = ["master", speech, "-o", dir.file("out.flac"), "--max-gain", "0", "--no-trim", "--quality", "fast"]
        let loud = try LTXAudioBinary.run(args)
        #expect(loud.status == 0 && loud.stderr.contains("warning: "), "\(loud.stderr)")
        let quiet = try LTXAudioBinary.run(args + ["--overwrite", "--quiet"])
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        #expect(quiet.stdout.contains("1 mastered, 0 skipped, 0 failed"))
        let failing = try LTXAudioBinary.run(["master", dir.file("missing.wav"), "-o", dir.path + "/o/", "-q"])
        #expect(failing.status == 1)
        #expect(failing.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("error: ") } && !failing.stderr.isEmpty, "\(failing.stderr)")
    }

    /// `--verbose` adds per-file detail on stderr; stdout stays one JSON document.
    @Test func verboseDetailGoesToStderrOnly() throws {
        let dir = try TemporaryFolder("verbose")
        defer { dir.remove() }
        let r = try LTXAudioBinary.run(["master", speech, "-o", dir.file("out.flac"), "--quality", "fast", "--json", "--verbose"])
        #expect(r.status == 0, "\(r.stderr)")
        for detail in ["speech-22k-mono.wav: pass 1 (measuring): gain +", "(delivery): gain +", "phases: analysis ", " s in all"] {
            #expect(r.stderr.contains(detail), "\(detail) in \(r.stderr)")
        }
        #expect((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) != nil, "stdout is the JSON document alone")
        let both = try LTXAudioBinary.run(["master", speech, "-o", dir.file("x.flac"), "--quiet", "--verbose"])
        #expect(both.status == 64 && both.stderr.contains("--quiet and --verbose"))
    }

    /// Output formats no input can change are usage errors (64), said before any work, and
    /// nothing is written.
    @Test(arguments: [
        (["-o", "take.xyz"], "unknown output format .xyz"),
        (["-o", "take.flac", "--bit-depth", "32"], "FLAC cannot store 32-bit"),
        (["-o", "take.mp3", "--bit-depth", "16"], "lossy and has no bit depth"),
        (["-o", "take.opus", "--sample-rate", "44100"], "cannot be written at 44.1 kHz"),
        (["-o", "out/", "--format", "mp3", "--bit-depth", "24"], "lossy and has no bit depth"),
        (["-o", "take.wav", "--format", "flac"], "--format flac contradicts the .wav extension"),
    ])
    func impossibleOutputsAreUsageErrors(options: [String], message: String) throws {
        let dir = try TemporaryFolder("usage")
        defer { dir.remove() }
        let r = try LTXAudioBinary.run(["master", speech] + options, in: dir.path)
        #expect(r.status == 64, "\(options): \(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(dir.contents().isEmpty, "nothing written")
    }

    /// `generate` refuses such an output before anything is sent (nothing paid for).
    @Test func generateRefusesAnImpossibleOutputBeforeSending() throws {
        let dir = try TemporaryFolder("generate-usage")
        defer { dir.remove() }
        for options in [["-o", "take.xyz"], ["-o", "take.flac", "--bit-depth", "32"]] {
            // Port 9 (discard) is closed here: had it tried to send, it would fail with 1, not 64.
            let r = try LTXAudioBinary.run(["generate", "rain", "--queue-url", "http://127.0.0.1:9"] + options, in: dir.path,
                                           environment: ["FAL_KEY": "test-key", "XDG_STATE_HOME": dir.path + "/state"])
            #expect(r.status == 64, "\(options): \(r.stderr)")
            #expect(!r.stderr.contains("submitting"), "nothing sent")
        }
    }

    /// The summary names the outputs only when something was written.
    @Test func summaryNamesTheOutputOnlyWhenSomethingWasWritten() throws {
        let dir = try TemporaryFolder("summary")
        defer { dir.remove() }
        let first = try LTXAudioBinary.run(["master", speech, "-o", dir.path + "/out/", "--quality", "fast", "--no-trim"])
        #expect(first.status == 0 && first.stdout.contains("1 mastered") && first.stdout.contains("outputs in \(dir.path)/out/"), "\(first.stdout)")
        let again = try LTXAudioBinary.run(["master", speech, "-o", dir.path + "/out/"])
        #expect(again.status == 0 && again.stdout.contains("0 mastered, 1 skipped, 0 failed"))
        #expect(again.stdout.contains("nothing written") && !again.stdout.contains("outputs in"), "\(again.stdout)")
        let failed = try LTXAudioBinary.run(["master", dir.file("missing.wav"), "-o", dir.file("missing.flac")])
        #expect(failed.status == 1 && failed.stdout.contains("nothing written") && !failed.stdout.contains("outputs in"))
    }
}
