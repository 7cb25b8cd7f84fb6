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

            With --prompts FILE (one prompt per line, or JSON Lines with "prompt", card fields and \
            "name"), -o is a folder; each finished clip gets a line in FOLDER/manifest.jsonl, and \
            running the same command again resumes the batch without submitting anything twice.

            Examples:
              ltx-audio generate "rain on a tin roof, close mic" -o rain.wav --duration 8
              ltx-audio generate "a door creaks open" -o sfx/ --count 4 --concurrency 2 --seed 10
              ltx-audio generate --prompts sounds.jsonl -o library/ --concurrency 4
              ltx-audio generate "thunder" -o thunder.wav --no-wait
            """)

    @Argument(help: "What to generate (or give --prompts FILE).")
    var prompt: String?

    @Option(name: .shortAndLong, help: "Output file (one clip), or a folder (names from the prompt and the seed).")
    var output: String

    @Option(help: "A file of prompts ('-': standard input): one per line, or JSON Lines objects; -o is then a folder.")
    var prompts: String?

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

    @Option(name: .customLong("start-timeout"), help: "Seconds the request may wait to start on fal (X-Fal-Request-Timeout; more than 1).")
    var startTimeout: Double?

    @Option(help: "Queue priority: normal or low (X-Fal-Queue-Priority).")
    var priority: FalSubmitOptions.Priority?

    @Option(help: "An https URL fal calls when the request finishes (fal_webhook); recorded in the journal.")
    var webhook: String?

    @Flag(name: .customLong("no-wait"), help: "Submit, record and print the request id, then exit; fetch later with `resume`.")
    var noWait = false

    @Flag(help: "Poll the status instead of following fal's status stream.")
    var poll = false

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

    @OptionGroup(title: "Output") var conventions: OutputOptions

    @OptionGroup(title: "Mastering")
    var mastering: MasteringOptions

    /// The model input from the options; with --prompts, the defaults of every line (the
    /// prompt is a placeholder, replaced by each line's).
    func makeInput() throws -> LTXTextToAudioInput {
        var input = LTXTextToAudioInput(prompt: prompt ?? "(prompt file)")
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

    /// An output format that mastering could not write (an unknown extension, a bit depth or
    /// rate the format cannot take) is a usage error before anything is paid for.
    func checkOutputFormat() throws {
        var isDir: ObjCBool = false
        let isFile = prompts == nil && count == 1 && !output.hasSuffix("/")
            && !(FileManager.default.fileExists(atPath: output, isDirectory: &isDir) && isDir.boolValue)
            && !(output as NSString).pathExtension.isEmpty
        do {
            try MasterCommand.checkOutputFormat(output: output, outputIsFile: isFile, settings: try mastering.settings())
        } catch let error as UsageError {
            throw ValidationError(error.description)
        }
    }

    func submitOptions() -> FalSubmitOptions {
        FalSubmitOptions(
            startTimeout: startTimeout.map { .milliseconds(Int(($0 * 1000).rounded())) }, priority: priority, webhookURL: webhook)
    }

    func validate() throws {
        switch (prompt, prompts) {
        case (nil, nil): throw ValidationError("give a prompt, or --prompts FILE")
        case (.some, .some): throw ValidationError("give either a prompt or --prompts FILE, not both")
        default: break
        }
        if prompts != nil && count != 1 { throw ValidationError("--count cannot be combined with --prompts (one clip per line)") }
        if let startTimeout, !(startTimeout.isFinite && startTimeout > 1 && startTimeout <= 86_400) {
            throw ValidationError("--start-timeout must be more than 1 second (and at most 86400)")
        }
        do {
            try submitOptions().validate()
        } catch let e as FalError {
            throw ValidationError(e.field == "webhook" ? "--webhook: \(e.description)" : e.description)
        }
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

    /// The prompt file's lines; a bad file is a one-line error naming the line and the field.
    func readPromptFile(_ path: String, defaults: LTXTextToAudioInput, console: Console) throws -> [PromptLine] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: path) else {
                console.error("cannot read the prompt file \(path)")
                throw ExitCode.validationFailure
            }
            data = d
        }
        do {
            return try PromptFile.parse(data, defaults: defaults)
        } catch {
            console.error("\(path == "-" ? "standard input" : path): \(error)")
            throw ExitCode.validationFailure
        }
    }

    func run() async throws {
        conventions.apply()
        let console = Console.standard
        let input = try makeInput()
        if !noMaster { try checkOutputFormat() }
        let lines = try prompts.map { try readPromptFile($0, defaults: input, console: console) }
        var setup = GenerationSetup(journal: .standard(), mastering: noMaster ? nil : try mastering.settings())
        setup.queueURL = queueURL
        setup.maxDownloadBytes = download.maxDownloadBytes
        setup.statusStream = !poll
        var requests = ClipRequestOptions()
        requests.concurrency = concurrency
        requests.timeout = timeout.map { Duration.milliseconds(Int($0 * 1000)) }
        requests.masterExtension = GenerationSetup.outputExtension(try mastering.settings())
        requests.overwriteOutput = mastering.overwrite
        requests.submitOptions = submitOptions()
        requests.noWait = noWait
        let reports: [ClipReport]?
        if let lines {
            var plan = PromptBatchPlan(lines: lines, folder: output)
            plan.requests = requests
            let finalPlan = plan
            reports = await setup.run { await $0.generate(batch: finalPlan) }
        } else {
            var plan = GenerationPlan(input: input, output: output)
            plan.count = count
            plan.requests = requests
            let finalPlan = plan
            reports = await setup.run { await $0.generate(finalPlan) }
        }
        guard let reports else { throw ExitCode.failure }
        setup.print(reports, json: json)
        if let code = GenerationSetup.exitCode(reports) { throw ExitCode(code) }
    }
}

extension FalSubmitOptions.Priority: ExpressibleByArgument {}
