import AudioCore
import DSP
import Foundation

/// `ltx-audio analyze`: measure files, print a table or JSON, optionally draw plots.
public struct AnalyzeRun {
    public var inputs: [String]
    public var json: Bool
    /// Where to write the SVG plot (see `plotPaths(for:plot:)` for several inputs), or nil.
    public var plot: String?
    /// The loudness target drawn on plots, LUFS.
    public var targetLUFS: Double

    public init(inputs: [String], json: Bool, plot: String?, targetLUFS: Double) {
        self.inputs = inputs
        self.json = json
        self.plot = plot
        self.targetLUFS = targetLUFS
    }

    /// The plot file for each input: `plot` itself for one input; with several,
    /// `DIR/NAME.svg` becomes `DIR/NAME-<input file name without extension>.svg`, with `-2`,
    /// `-3`, ... appended when two inputs share a name (`a/take.wav` and `b/take.flac`).
    public static func plotPaths(for inputs: [String], plot: String) -> [String] {
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
    ///   - standardOutput: receives the table or the JSON document.
    ///   - standardError: receives one line per failed input (and per plot that could not be written).
    /// - Returns: `ExitStatus.success`, or `ExitStatus.inputFailed` when any input failed
    ///   (the others are still measured and printed).
    public func run(standardOutput: (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) },
                    standardError: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) -> Int32 {
        var measures: LoudnessMeter.Measures = [.integrated, .loudnessRange, .truePeak, .samplePeak]
        if plot != nil { measures.insert(.history) }
        let plotFiles = plot.map { Self.plotPaths(for: inputs, plot: $0) }
        var results: [AnalysisResult] = []
        var failed = false
        for (i, path) in inputs.enumerated() {
            var result = Analysis.result(path: path, measures: measures)
            if case .measured(let analysis) = result, let plotFiles {
                let svg = LoudnessPlot.svg(for: analysis, targetLUFS: targetLUFS)
                do {
                    try svg.write(toFile: plotFiles[i], atomically: true, encoding: .utf8)
                } catch {
                    result = .failed(path: path, message: "\(plotFiles[i]): cannot write the plot: \(error.localizedDescription)")
                }
            }
            if case .failed(_, let message) = result {
                failed = true
                standardError("error: \(Terminal.sanitize(message))\n")
            }
            results.append(result)
        }
        if json {
            standardOutput(AnalysisOutput.json(results))
        } else {
            let measured = results.compactMap { r -> FileAnalysis? in
                if case .measured(let a) = r { return a } else { return nil }
            }
            if !measured.isEmpty { standardOutput(AnalysisOutput.table(measured)) }
        }
        return failed ? ExitStatus.inputFailed : ExitStatus.success
    }
}
