import ArgumentParser
import Foundation
import LTXAudioApp

/// `ltx-audio manual --output-directory DIR` (hidden): writes the man pages, rendered from the
/// argument parser's own description of every command (`make install` uses it).
struct Manual: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a man page per command into a folder (used by make install).",
        shouldDisplay: false)

    @Option(help: ArgumentHelp("Folder for ltx-audio.1 and ltx-audio-COMMAND.1 (created if missing).", valueName: "dir"))
    var outputDirectory: String

    func run() throws {
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        do {
            let pages = try ManualPages.render(dump: try ManualPages.dumpHelp(executable: executable),
                                               footer: LTXAudioVersion.software)
            try ManualPages.write(pages, to: outputDirectory)
        } catch {
            Console.standard.error("cannot write the man pages into \(outputDirectory): \(error)")
            throw ExitCode.failure
        }
    }
}
