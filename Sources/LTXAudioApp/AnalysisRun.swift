import AudioFileMastering
import AudioCore
import AudioIO
import DSP
import FileSafety
import Foundation

/// `ltx-audio analyze`: measure files, print a table or JSON, optionally draw plots.
package struct AnalyzeRun {
    package var inputs: [String]
    package var json: Bool
    /// Where to write the SVG plot (see `plotPaths(for:plot:)` for several inputs), or nil.
    package var plot: String?
    /// The loudness target drawn on plots, LUFS.
    package var targetLUFS: Double
    /// Replace existing plot files (never an input).
    package var overwrite: Bool

    package init(inputs: [String], json: Bool, plot: String?, targetLUFS: Double, overwrite: Bool = false) {
        self.inputs = inputs
        self.json = json
        self.plot = plot
        self.targetLUFS = targetLUFS
        self.overwrite = overwrite
    }

    /// The plot file for each input: `plot` itself for one input; with several,
    /// `DIR/NAME.svg` becomes `DIR/NAME-<input file name without extension>.svg`, with `-2`,
    /// `-3`, ... appended when two inputs share a name (`a/take.wav` and `b/take.flac`).
    package static func plotPaths(for inputs: [String], plot: String) -> [String] {
        guard inputs.count > 1 else { return inputs.map { _ in plot } }
        let ns = plot as NSString
        let ext = ns.pathExtension.isEmpty ? "svg" : ns.pathExtension
        let base = ns.deletingPathExtension
        var used: Set<String> = []
        return inputs.map { input in
            let stem = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
            var candidate = "\(base)-\(stem).\(ext)"
            var n = 2
            while used.contains(candidate) { candidate = "\(base)-\(stem)-\(n).\(ext)"; n += 1 }
            used.insert(candidate)
            return candidate
        }
    }

    /// Runs the command.
    /// - Parameters:
    /// - Parameter console: receives the table or the JSON document, and one error line per
    ///   failed input (and per plot that could not be written).
    /// - Returns: `ExitStatus.success`, or `ExitStatus.inputFailed` when any input failed
    ///   (the others are still measured and printed).
    package func run(console: Console = .standard) -> Int32 {
        var measures: LoudnessMeter.Measures = [.integrated, .loudnessRange, .truePeak, .samplePeak]
        if plot != nil { measures.insert(.history) }
        let plotFiles = plot.map { Self.plotPaths(for: inputs, plot: $0) }
        // Inputs resolved once: a plot must never replace one.
        let absoluteInputs = plotFiles == nil ? [] : inputs.map(InputDiscovery.absolute)
        var results: [AnalysisResult] = []
        var failed = false
        for (i, path) in inputs.enumerated() {
            var result = AnalysisResult.of(path: path, measures: measures)
            if case .measured(let analysis) = result, let plotFiles {
                let plotFile = plotFiles[i]
                if let k = absoluteInputs.firstIndex(of: InputDiscovery.absolute(plotFile)) {
                    result = .failed(path: path, message: "\(plotFile): the plot would replace the input \(inputs[k]); choose another --plot name")
                } else {
                    do throws(FileSafetyError) {
                        let svg = LoudnessPlot.svg(for: analysis, targetLUFS: targetLUFS)
                        try AtomicFile.write(Array(svg.utf8), to: plotFile, overwrite: overwrite)
                    } catch {
                        let reason = error.code == .exists ? "exists already; pass --overwrite to replace it" : error.detail
                        result = .failed(path: path, message: "\(plotFile): cannot write the plot: \(reason)")
                    }
                }
            }
            if case .failed(_, let message) = result {
                failed = true
                console.error(message)
            }
            results.append(result)
        }
        if json {
            console.document(AnalysisOutput.json(results))
        } else {
            let measured = results.compactMap { r -> FileAnalysis? in
                if case .measured(let a) = r { return a } else { return nil }
            }
            if !measured.isEmpty { console.block(AnalysisOutput.table(measured)) }
        }
        return failed ? ExitStatus.inputFailed : ExitStatus.success
    }
}
