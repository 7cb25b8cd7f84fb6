import Foundation
import Testing
import TestSupport

/// `make install` into a temporary DESTDIR, with the binary the tests run (nothing is built):
/// the binary, a man page per command that `man -l` renders, and completions for bash, zsh
/// and fish that name every command and option; then `make uninstall` removes them all.
@Suite struct InstallTests {
    /// The visible commands and, for each (the tool itself as ""), its long option names,
    /// from the argument parser's own dump.
    func commandsAndOptions() throws -> [String: [String]] {
        let dump = try LTXAudioBinary.run(["--experimental-dump-help"])
        #expect(dump.status == 0)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let command = try #require(root["command"] as? [String: Any])
        func options(_ c: [String: Any]) -> [String] {
            ((c["arguments"] as? [[String: Any]]) ?? []).filter { ($0["shouldDisplay"] as? Bool) != false }
                .flatMap { (($0["names"] as? [[String: Any]]) ?? []).filter { $0["kind"] as? String == "long" } }
                .compactMap { $0["name"] as? String }
        }
        var result = ["": options(command)]
        for sub in (command["subcommands"] as? [[String: Any]]) ?? [] where (sub["shouldDisplay"] as? Bool) != false && sub["commandName"] as? String != "help" {
            result[sub["commandName"] as! String] = options(sub)
        }
        return result
    }

    func make(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/make")
        process.arguments = ["-s", "-C", Repository.root] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        // Not the flags or variables of a make that runs the suite (`make suite`).
        process.environment = ProcessInfo.processInfo.environment.filter { !["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"].contains($0.key) }
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    func files(under folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &isDir) && !isDir.boolValue
        }.sorted()
    }

    @Test func installPutsBinaryManPagesAndCompletionsInTheirPlacesAndUninstallRemovesThem() throws {
        let dest = try TemporaryFolder("install")
        defer { dest.remove() }
        let installed = try make(["install", "DESTDIR=\(dest.path)", "PREFIX=/opt/lt", "BIN=\(LTXAudioBinary.path)"])
        #expect(installed.status == 0, "\(installed.output)")

        let commands = try commandsAndOptions()
        let subcommands = commands.keys.filter { !$0.isEmpty }.sorted()
        #expect(subcommands == ["analyze", "generate", "master", "presets", "requests", "resume"])
        let pages = ["ltx-audio.1"] + subcommands.map { "ltx-audio-\($0).1" }
        let expected = (["bin/ltx-audio", "share/bash-completion/completions/ltx-audio", "share/fish/vendor_completions.d/ltx-audio.fish",
                         "share/zsh/site-functions/_ltx-audio"] + pages.map { "share/man/man1/" + $0 }).sorted()
        #expect(files(under: dest.path + "/opt/lt") == expected)

        let version = try LTXAudioBinary.run(["--version"])
        let bin = Process()
        bin.executableURL = URL(fileURLWithPath: dest.path + "/opt/lt/bin/ltx-audio")
        bin.arguments = ["--version"]
        let out = Pipe()
        bin.standardOutput = out
        try bin.run()
        let installedVersion = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        bin.waitUntilExit()
        #expect(installedVersion == version.stdout, "the installed binary is the one tested")

        // Each page renders, and names its command's options.
        for page in pages {
            let command = page == "ltx-audio.1" ? "" : String(page.dropFirst("ltx-audio-".count).dropLast(2))
            let rendered = try LTXAudioBinary.runThroughShell("MANWIDTH=100 man -l \"$1\" 2>&1", arguments: [dest.path + "/opt/lt/share/man/man1/" + page])
            #expect(rendered.status == 0, "man -l \(page)")
            let text = try String(contentsOfFile: dest.path + "/opt/lt/share/man/man1/" + page, encoding: .utf8)
            #expect(text.hasPrefix(".TH "), "\(page) is man(7) markup")
            for option in commands[command] ?? [] {
                #expect(text.contains("\\-\\-" + option.replacingOccurrences(of: "-", with: "\\-")), "\(page) describes --\(option)")
            }
        }
        // The rendered text, through man itself.
        let master = try LTXAudioBinary.runThroughShell("MANWIDTH=100 man -l \"$1\" >&2", arguments: [dest.path + "/opt/lt/share/man/man1/ltx-audio-master.1"])
        #expect(master.stderr.contains("LTX-AUDIO-MASTER(1)") && master.stderr.contains("Master audio files already on disk")
                && master.stderr.contains("--target-lufs lufs"),
                "\(master.stderr.prefix(400))")

        // Every command and every option in every shell's completions.
        for (shell, file) in [("bash", "share/bash-completion/completions/ltx-audio"), ("zsh", "share/zsh/site-functions/_ltx-audio"),
                              ("fish", "share/fish/vendor_completions.d/ltx-audio.fish")] {
            let script = try String(contentsOfFile: dest.path + "/opt/lt/" + file, encoding: .utf8)
            for command in subcommands { #expect(script.contains(command), "\(shell) completes \(command)") }
            for option in Set(commands.values.flatMap { $0 }) { #expect(script.contains(option), "\(shell) completes --\(option)") }
        }

        let removed = try make(["uninstall", "DESTDIR=\(dest.path)", "PREFIX=/opt/lt"])
        #expect(removed.status == 0, "\(removed.output)")
        #expect(files(under: dest.path).isEmpty, "uninstall leaves no file")
    }
}
