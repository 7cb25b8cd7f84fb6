import ArgumentParser
import Foundation
import LTXAudioApp

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure loudness (ITU-R BS.1770-4 / EBU R 128) and peaks of audio files.",
        discussion: """
            For each file: integrated loudness (LUFS, gated), loudness range (LU, EBU Tech 3342), \
            true peak (dBTP, 4x oversampled below 96 kHz, 2x up to 192 kHz), sample peak (dBFS), \
            duration, sample rate and channels. Silence or less than 400 ms of audio has no \
            integrated loudness ("-inf" in the table, null in JSON); the loudness range is 0 when \
            no 3 s window passes its gates.

            A file that cannot be decoded is reported on stderr (and as {"path", "error"} in \
            JSON); the other files are still measured, and the exit status is 1.

            Examples:
              ltx-audio analyze take.wav
              ltx-audio analyze *.flac --json
              ltx-audio analyze take.wav --plot take.svg --target-lufs -16
              ltx-audio analyze a.wav b.mp3 --plot out/plot.svg   # out/plot-a.svg, out/plot-b.svg
            """)

    @Argument(help: ArgumentHelp("Audio files to measure (WAV, FLAC, Ogg, MP3, AIFF, ...).", valueName: "file"))
    var files: [String]

    @Flag(help: """
        Print one JSON array on stdout, one object per file in order, with the keys path, \
        integrated_lufs, loudness_range_lu, true_peak_dbtp, sample_peak_dbfs, duration_s, \
        sample_rate, channels (null for no value), or path and error.
        """)
    var json = false

    @OptionGroup(title: "Output") var conventions: OutputOptions

    @Option(help: ArgumentHelp("""
        Also draw an SVG per file: waveform envelope with true-peak overs (> 0 dBTP) marked, \
        momentary and short-term loudness, the integrated loudness and the target. With several \
        files, PLOT.svg becomes PLOT-<file name without extension>.svg for each (-2, -3, ... \
        added when names repeat).
        """, valueName: "plot.svg"))
    var plot: String?

    // `.unconditional`: the value is negative ("-16"), which would otherwise read as a flag.
    @Option(parsing: .unconditional, help: ArgumentHelp("Loudness target drawn on the plots, in LUFS (default -14).", valueName: "lufs"))
    var targetLufs: Double = -14

    @Flag(help: "Replace existing plot files (a plot never replaces an input).")
    var overwrite = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file to analyze") }
        guard targetLufs.isFinite, (-70.0...0).contains(targetLufs) else {
            throw ValidationError("--target-lufs must be between -70 and 0")
        }
        if let plot, plot.isEmpty || plot.hasSuffix("/") {
            throw ValidationError("--plot needs a file name, e.g. --plot loudness.svg")
        }
        var isFolder: ObjCBool = false
        if let plot, FileManager.default.fileExists(atPath: plot, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("--plot \(plot) is a folder; give a file name, e.g. --plot \(plot)/loudness.svg")
        }
    }

    func run() throws {
        conventions.apply()
        let status = AnalyzeRun(inputs: files, json: json, plot: plot, targetLUFS: targetLufs, overwrite: overwrite).run()
        if status != ExitStatus.success { throw ExitCode(status) }
    }
}
