import ArgumentParser
import Foundation
import LTXAudioApp

struct Master: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Master audio files already on disk: trim, resample, normalise loudness under a true-peak ceiling, dither, encode, verify.",
        discussion: """
            Inputs are files or folders. Folders are searched recursively for audio, recognised by \
            content (and by audio extensions, so a broken .wav is reported rather than skipped); \
            hidden files and links to folders are skipped. With one input file, OUTPUT may be a file \
            whose extension picks the format; otherwise it is a folder (created if missing) that \
            mirrors the inputs' relative paths. Outputs appear only when complete; existing ones are \
            skipped unless --overwrite, so re-running a batch finishes what is missing.

            Examples:
              ltx-audio master take.wav -o take.flac
              ltx-audio master take.wav -o take.wav --preset broadcast --bit-depth 16
              ltx-audio master downloads/ -o mastered/ --target-lufs -16 --true-peak -1.5 --dry-run
              ltx-audio master downloads/ -o mastered/ --format flac --bit-depth 24
              ltx-audio master a.mp3 b.ogg -o out/ --sample-rate 44100 --json
              find lib -name '*.wav' | ltx-audio master --files-from - --base lib -o out/
              ltx-audio master lib/ -o out/ --shard 3/8 --jsonl
              ltx-audio master --watch downloads/ -o mastered/
            """)

    @Argument(help: ArgumentHelp("Audio files or folders to master.", valueName: "input"))
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file (one input) or folder.", valueName: "output"))
    var output: String

    @OptionGroup(title: "Mastering") var mastering: MasteringOptions

    @OptionGroup(title: "Batches") var batch: BatchOptions

    @Option(help: ArgumentHelp("Files processed in parallel; the default is the number of cores.", valueName: "n"))
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print one JSON document describing every input on stdout.")
    var json = false

    @OptionGroup(title: "Output") var conventions: OutputOptions

    @Flag(help: "Measure and print what would be done (gain, limiting, output); write nothing.")
    var dryRun = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard !output.isEmpty else { throw ValidationError("--output is empty") }
    }

    func run() throws {
        conventions.apply()
        var settings = try mastering.settings()
        settings.dryRun = dryRun
        var run = MasterCommand(inputs: inputs, output: output, settings: settings, jobs: jobs, json: json)
        run.batch = try batch.settings()
        let status: Int32
        do {
            status = try run.run()
        } catch let error as UsageError {
            throw ValidationError(error.description)
        }
        if status != ExitStatus.success { throw ExitCode(status) }
    }
}
