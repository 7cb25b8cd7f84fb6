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
            2 an output is out of tolerance, 64 usage error.
            """,
        version: LTXAudioVersion.full,
        subcommands: [Master.self, Generate.self, Resume.self, Requests.self, Analyze.self, Presets.self, Manual.self])
}
