import ArgumentParser
import FalClient
import Foundation
import LTXAudioApp

/// `ltx-audio resume`: finish a request submitted earlier.
struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch and master a fal request submitted earlier (e.g. by an interrupted generate).",
        discussion: """
            The request's endpoint, input, queue URL and output come from the journal \
            ($XDG_STATE_HOME/ltx-audio/requests.json); -o overrides the output, and is needed for \
            a request that is not in the journal.

            Example:
              ltx-audio resume 0199aa01-… -o rain.wav
            """)

    @Argument(help: "The fal request id (see `ltx-audio requests`).")
    var requestID: String

    @Option(name: .shortAndLong, help: "Output file or folder (default: the one recorded in the journal).")
    var output: String?

    @Option(name: .customLong("queue-url"), help: "fal queue base URL (default: the one the request was sent to).")
    var queueURL: String?

    @OptionGroup var download: DownloadOptions

    @Option(help: "Seconds to wait for the request; when they run out it is cancelled.")
    var timeout: Double?

    @Flag(help: "Poll the status instead of following fal's status stream.")
    var poll = false

    @Flag(name: .customLong("no-master"), help: "Keep only the downloaded original; do not master.")
    var noMaster = false

    @Flag(help: "Print a JSON object on standard output.")
    var json = false

    @OptionGroup(title: "Output") var conventions: OutputOptions

    @OptionGroup(title: "Mastering")
    var mastering: MasteringOptions

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        conventions.apply()
        let journal = Journal.standard()
        let entry: JournalEntry?
        do {
            entry = try journal.entry(requestID)
        } catch {
            Console.standard.error("\(error)")
            throw ExitCode.failure
        }
        var setup = GenerationSetup(journal: journal, mastering: noMaster ? nil : try mastering.settings())
        setup.queueURL = queueURL ?? entry?.queueURL
        setup.maxDownloadBytes = download.maxDownloadBytes
        setup.statusStream = !poll
        let (id, out) = (requestID, output)
        let limit = timeout.map { Duration.milliseconds(Int($0 * 1000)) }
        let ext = GenerationSetup.outputExtension(try mastering.settings())
        let overwrite = mastering.overwrite
        let report = await setup.run {
            await $0.resume(requestID: id, entry: entry, output: out, timeout: limit, masterExtension: ext, overwrite: overwrite)
        }
        guard let report else { throw ExitCode.failure }
        setup.print([report], json: json)
        if let code = GenerationSetup.exitCode([report]) { throw ExitCode(code) }
    }
}
