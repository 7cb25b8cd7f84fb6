import ArgumentParser
import LTXAudioApp

/// The options of `master` for batches of any size: file lists, shards for cluster schedulers,
/// JSON Lines, albums and watch folders.
struct BatchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read input paths from FILE, one a line (- reads standard input); blank lines are ignored.",
                               valueName: "file"))
    var filesFrom: String?

    @Flag(help: "The --files-from list is NUL-separated (as find -print0 writes).")
    var null = false

    @Option(help: ArgumentHelp("Outputs mirror each input's path relative to DIR (DIR/a/b.wav goes to OUTPUT/a/b.flac); an input outside DIR is an error.",
                               valueName: "dir"))
    var base: String?

    @Option(help: ArgumentHelp("Process only shard K of N (1 <= K <= N): a stable hash of each input's relative path picks its shard, so N machines given the same inputs split them exactly once, whatever the order.",
                                valueName: "K/N"))
    var shard: String?

    @Flag(help: "Print one JSON object per input on stdout as each finishes (the fields of --json's files), then {\"summary\": ...}.")
    var jsonl = false

    @Flag(help: "Master each folder's inputs as one album: one common gain so the album's integrated loudness meets the target; each file's limiter still holds the ceiling.")
    var album = false

    @Option(help: ArgumentHelp("Keep running: master what is in DIR without an output, then each new or replaced file once complete (partial downloads are ignored), until Ctrl-C.",
                               valueName: "dir"))
    var watch: String?

    func validate() throws {
        if let shard {
            do { _ = try Shard(parsing: shard) } catch let error as UsageError { throw ValidationError(error.description) }
        }
        if null && filesFrom == nil { throw ValidationError("--null describes a --files-from list; add --files-from FILE") }
    }

    /// The app layer's settings.
    func settings() throws -> BatchSettings {
        var s = BatchSettings()
        s.filesFrom = filesFrom
        s.nullSeparated = null
        s.base = base
        s.shard = try shard.map { try Shard(parsing: $0) }
        s.jsonl = jsonl
        s.album = album
        s.watch = watch
        return s
    }
}
