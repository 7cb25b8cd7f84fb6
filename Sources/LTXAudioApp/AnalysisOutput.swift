import AudioFileMastering
import AudioCore
import DSP
import Foundation

/// The two renderings of `ltx-audio analyze`: a table for people and JSON for programs.
package enum AnalysisOutput {
    /// The JSON keys, in order, of a measured file.
    package static let keys = ["path", "integrated_lufs", "loudness_range_lu", "true_peak_dbtp",
                              "sample_peak_dbfs", "duration_s", "sample_rate", "channels"]

    /// One JSON array with one object per input, in order, and a final newline.
    ///
    /// Measured files have exactly `keys`; "no value" (minus infinity, e.g. the loudness of
    /// silence) is `null`, so the document never holds NaN or Infinity. Failed files are
    /// `{"path": ..., "error": ...}`.
    package static func json(_ results: [AnalysisResult]) -> String {
        var out = "[\n"
        for (i, result) in results.enumerated() {
            out += "  {"
            switch result {
            case .measured(let a):
                let r = a.report
                let fields: [(String, String)] = [
                    ("path", jsonString(a.path)),
                    ("integrated_lufs", jsonNumber(r.integrated.value, decimals: 3)),
                    ("loudness_range_lu", jsonNumber(r.loudnessRange, decimals: 3)),
                    ("true_peak_dbtp", jsonNumber(r.truePeak.value, decimals: 3)),
                    ("sample_peak_dbfs", jsonNumber(r.samplePeak.value, decimals: 3)),
                    ("duration_s", jsonNumber(a.duration, decimals: 6)),
                    ("sample_rate", String(r.sampleRate)),
                    ("channels", String(a.info.format.channelCount)),
                ]
                out += fields.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ")
            case .failed(let path, let message):
                out += "\(jsonString("path")): \(jsonString(path)), \(jsonString("error")): \(jsonString(message))"
            }
            out += i == results.count - 1 ? "}\n" : "},\n"
        }
        return out + "]\n"
    }

    /// A finite number with `decimals` places (trailing zeros trimmed), or `null`.
    package static func jsonNumber(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return "null" }
        var s = String(format: "%.\(decimals)f", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        if s == "-0" { s = "0" }
        return s
    }

    /// A JSON string literal (RFC 8259 escaping).
    package static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// A table of the measured files (failed ones are reported on stderr, not here).
    package static func table(_ analyses: [FileAnalysis]) -> String {
        let header = ["File", "Integrated", "LRA", "True peak", "Sample peak", "Duration", "Rate", "Ch"]
        var rows = [header]
        for a in analyses {
            let r = a.report
            rows.append([
                a.path,
                level(r.integrated.value, "LUFS"),
                String(format: "%.1f LU", r.loudnessRange),
                level(r.truePeak.value, "dBTP"),
                level(r.samplePeak.value, "dBFS"),
                String(format: "%.2f s", a.duration),
                "\(r.sampleRate) Hz",
                "\(a.info.format.channelCount)",
            ])
        }
        let widths = header.indices.map { col in rows.map { $0[col].count }.max() ?? 0 }
        var out = ""
        for (i, row) in rows.enumerated() {
            let cells = row.indices.map { col -> String in
                let pad = String(repeating: " ", count: widths[col] - row[col].count)
                return col == 0 ? row[col] + pad : pad + row[col]  // text left, numbers right
            }
            out += cells.joined(separator: "  ") + "\n"
            if i == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }

    /// "-14.2 LUFS", or "-inf LUFS" for no value.
    static func level(_ v: Double, _ unit: String) -> String {
        v.isFinite ? String(format: "%.1f", v) + " " + unit : "-inf " + unit
    }
}
