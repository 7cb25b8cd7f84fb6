import ArgumentParser
import LTXAudioApp

@main
struct LTXAudio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ltx-audio",
        abstract: "Turn text into finished, release-ready audio: generate with LTX-2.3 on fal.ai, then master.",
        discussion: """
            Exit status: 0 success (existing outputs skipped included), 1 one or more inputs failed, \
            64 usage error.
            """,
        version: LTXAudioVersion.version,
        subcommands: [Master.self, Generate.self, Resume.self, Requests.self])
}
