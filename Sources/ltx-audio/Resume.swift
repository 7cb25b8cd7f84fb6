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

    @OptionGroup(title: "Mastering")
    var mastering: MasteringOptions

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        let progress = ProgressLog()
        let environment = ProcessInfo.processInfo.environment
        let journal = Journal.standard()
        let entry: JournalEntry?
        let client: FalQueueClient
        let masterer: ClipMasterer?
        do {
            entry = try journal.entry(requestID)
            let credentials = try FalCredentials.fromEnvironment(environment)
            var configuration = try FalConfiguration(queueURL: queueURL ?? entry?.queueURL, environment: environment)
            configuration.maxDownloadBytes = download.maxDownloadBytes
            configuration.statusStream = !poll
            masterer = noMaster ? nil : try GenerationMastering.masterer(mastering)
            client = FalQueueClient(credentials: credentials, configuration: configuration)
        } catch {
            progress.line("error: \(error)")
            throw ExitCode.failure
        }
        let service = GenerationService(client: client, journal: journal, progress: progress, masterer: masterer)
        let id = requestID
        let out = output
        let limit = timeout.map { Duration.milliseconds(Int($0 * 1000)) }
        let ext = GenerationMastering.outputExtension(mastering)
        let overwrite = mastering.overwrite
        let report = await Interrupts.run(progress: progress) {
            await service.resume(requestID: id, entry: entry, output: out, timeout: limit, masterExtension: ext, overwrite: overwrite)
        }
        await client.shutdown()
        GenerationOutput.print([report], json: json)
        if let code = GenerationOutput.exitCode([report]) { throw ExitCode(code) }
    }
}
