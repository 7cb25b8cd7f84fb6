import ArgumentParser
import Foundation
import LTXAudioApp

@main
enum Entry {
    static func main() async {
        // Ctrl-C, SIGTERM and SIGHUP remove the files being written before the process exits.
        Interrupts.install()
        // A file size limit (ulimit -f) must fail the write with EFBIG, which is reported and
        // cleaned up, rather than kill the process and leave a temporary file behind.
        signal(SIGXFSZ, SIG_IGN)
        await LTXAudio.main(nil)
    }
}

struct LTXAudio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ltx-audio",
        abstract: "Turn text into finished, release-ready audio: generate with LTX-2.3 on fal.ai, then master.",
        discussion: """
            Exit status: 0 success (existing outputs skipped included), 1 one or more inputs failed, \
            2 an output is out of tolerance, 64 usage error (before any work), 124 generate's \
            --timeout ran out, 130 interrupted (Ctrl-C), 143 or 129 stopped by SIGTERM or SIGHUP.

            Standard output carries only the report or the JSON document; errors, warnings, notes \
            and progress go to standard error (--quiet: errors only; --verbose: per-file detail). \
            Colour only on a terminal, never with NO_COLOR set.
            """,
        version: LTXAudioVersion.full,
        subcommands: [Master.self, Generate.self, Resume.self, Requests.self, Analyze.self, Presets.self, Manual.self])
}
