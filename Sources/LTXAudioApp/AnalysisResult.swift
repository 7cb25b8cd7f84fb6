import AudioFileMastering
import AudioIO
import DSP

/// The outcome for one input of `ltx-audio analyze`: figures, or why there are none.
package enum AnalysisResult: Sendable {
    case measured(FileAnalysis)
    /// `message` is one line, "PATH: reason" (the decoder's error description).
    case failed(path: String, message: String)

    package var path: String {
        switch self {
        case .measured(let a): return a.path
        case .failed(let path, _): return path
        }
    }
}

extension AnalysisResult {
    /// `Analysis.analyze(path:measures:)`, but failures become `.failed` with a one-line message.
    /// Files are analysed one at a time, so each measures on a second core while it decodes.
    package static func of(path: String, measures: LoudnessMeter.Measures = .all) -> AnalysisResult {
        do {
            return .measured(try Analysis.analyze(path: path, measures: measures, overlapping: true))
        } catch let error as AudioIOError {
            return .failed(path: path, message: error.commandLineDescription)
        } catch {
            return .failed(path: path, message: "\(path): \(error)")
        }
    }
}
