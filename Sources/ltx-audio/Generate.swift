import ArgumentParser
import FalClient
import Foundation
import LTXAudioApp

/// `ltx-audio generate`: text to a mastered file in one command.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate audio with fal.ai's LTX-2.3 text-to-audio, then master it.",
        discussion: """
            Needs FAL_KEY (or FAL_KEY_ID and FAL_KEY_SECRET). The downloaded original is always kept \
            beside the output as NAME.original.EXT. Each request is recorded in \
            $XDG_STATE_HOME/ltx-audio/requests.json, so an interrupted run can be finished with \
            `ltx-audio resume REQUEST_ID`. Ctrl-C while waiting cancels the request on fal.

            Examples:
              ltx-audio generate "rain on a tin roof, close mic" -o rain.wav --duration 8
              ltx-audio generate "a door creaks open" -o sfx/ --count 4 --concurrency 2 --seed 10
            """)

    @Argument(help: "What to generate.")
    var prompt: String

    @Option(name: .shortAndLong, help: "Output file (one clip), or a folder (names from the prompt and the seed).")
    var output: String

    @Option(name: .customLong("num-frames"), help: "Length in LTX frame units, 9...481 (default 121; ≈ frames / fps seconds).")
    var numFrames: Int?

    @Option(help: "Frame rate used to derive the duration, 1...60 (default 24).")
    var fps: Double?

    @Option(help: "Length in seconds: picks --num-frames of the form 8k+1 for the frame rate.")
    var duration: Double?

    @Option(help: "Inference steps, 8...30 (default 15).")
    var steps: Int?

    @Option(help: "Guidance scale, 1...20 (default 1).")
    var guidance: Double?

    @Option(name: .customLong("negative-prompt"), help: "What to steer away from.")
    var negativePrompt: String?

    @Option(help: "Random seed (clip i of --count gets seed + i).")
    var seed: Int?

    @Flag(name: .customLong("expand-prompt"), help: "Let fal expand the prompt.")
    var expandPrompt = false

    @Flag(name: .customLong("no-safety-checker"), help: "Disable fal's safety checker.")
    var noSafetyChecker = false

    @Flag(name: .customLong("sync-mode"), help: "Ask fal to return the audio inline (data: URI).")
    var syncMode = false

    @Option(name: .customLong("lora"), help: "A LoRA as https-URL[:SCALE] (up to 3; uses the /lora endpoint).")
    var loras: [String] = []

    @Option(name: .customLong("queue-url"), help: "fal queue base URL (default: $FAL_QUEUE_URL, else https://queue.fal.run).")
    var queueURL: String?

    @OptionGroup var download: DownloadOptions

    @Option(help: "Seconds to wait for each clip; when they run out the request is cancelled.")
    var timeout: Double?

    @Option(help: "Number of clips to generate.")
    var count = 1

    @Option(help: "At most this many requests in flight.")
    var concurrency = 1

    @Flag(name: .customLong("no-master"), help: "Keep only the downloaded original; do not master.")
    var noMaster = false

    @Flag(help: "Print one JSON object per clip on standard output.")
    var json = false

    @OptionGroup(title: "Mastering")
    var mastering: MasteringOptions

    func makeInput() throws -> LTXTextToAudioInput {
        var input = LTXTextToAudioInput(prompt: prompt)
        input.numFrames = numFrames
        input.framesPerSecond = fps
        if let duration {
            input.numFrames = try LTXTextToAudioInput.numFrames(duration: duration, fps: fps ?? 24)
        }
        input.numInferenceSteps = steps
        input.guidanceScale = guidance
        input.negativePrompt = negativePrompt
        input.seed = seed
        if expandPrompt { input.enablePromptExpansion = true }
        if noSafetyChecker { input.enableSafetyChecker = false }
        if syncMode { input.syncMode = true }
        if !loras.isEmpty { input.loras = try loras.map(LTXLoRA.parse) }
        try input.validate()
        return input
    }

    func validate() throws {
        if duration != nil && numFrames != nil {
            throw ValidationError("give either --duration or --num-frames, not both")
        }
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        do {
            _ = try makeInput()
        } catch let e as FalError {
            throw ValidationError(e.description)
        }
    }

    func run() async throws {
        let progress = ProgressLog()
        let environment = ProcessInfo.processInfo.environment
        let input = try makeInput()
        let client: FalQueueClient
        let masterer: ClipMasterer?
        do {
            let credentials = try FalCredentials.fromEnvironment(environment)
            var configuration = try FalConfiguration(queueURL: queueURL, environment: environment)
            configuration.maxDownloadBytes = download.maxDownloadBytes
            masterer = noMaster ? nil : try GenerationMastering.masterer(mastering)
            client = FalQueueClient(credentials: credentials, configuration: configuration)
        } catch {
            progress.line("error: \(error)")
            throw ExitCode.failure
        }
        var plan = GenerationPlan(input: input, output: output)
        plan.count = count
        plan.concurrency = concurrency
        plan.timeout = timeout.map { .milliseconds(Int($0 * 1000)) }
        plan.masterExtension = GenerationMastering.outputExtension(mastering)
        plan.overwriteOutput = mastering.overwrite
        let service = GenerationService(client: client, journal: .standard(), progress: progress, masterer: masterer)
        let finalPlan = plan
        let reports = await Interrupts.run(progress: progress) { await service.generate(finalPlan) }
        await client.shutdown()
        GenerationOutput.print(reports, json: json)
        if let code = GenerationOutput.exitCode(reports) { throw ExitCode(code) }
    }
}

/// Printing reports and choosing the exit status.
enum GenerationOutput {
    static func print(_ reports: [ClipReport], json: Bool) {
        for r in reports {
            if json {
                Swift.print(r.jsonLine)
            } else if r.status == .mastered || r.status == .downloaded, let out = r.output {
                var line = out
                if let o = r.original, o != out { line += "  (original: \(o))" }
                if let id = r.requestID { line += "  request \(id)" }
                if let s = r.seed { line += "  seed \(s)" }
                if let b = r.loudnessBefore, let a = r.loudnessAfter {
                    line += "  " + String(format: "%.1f → %.1f LUFS", b, a)
                }
                Swift.print(line)
            }
        }
    }

    /// nil when every clip succeeded; 130 after Ctrl-C, 124 after a time-out, else 1.
    static func exitCode(_ reports: [ClipReport]) -> Int32? {
        if reports.contains(where: { $0.status == .interrupted }) || Interrupts.happened { return 130 }
        if reports.contains(where: { $0.status == .timedOut }) { return 124 }
        if reports.contains(where: { $0.status == .failed || $0.status == .cancelled }) { return 1 }
        return nil
    }
}
