import AudioFileMastering
import AudioCore
import DSP
import Foundation

/// An SVG picture of one analysed file: the waveform envelope with its true-peak overs above,
/// momentary and short-term loudness over time below, with the integrated loudness and the
/// target as horizontal lines.
package enum LoudnessPlot {
    /// A true peak above this (dBTP) is an over, marked in red: the signal would clip a DAC.
    package static let overThreshold = 0.0

    /// The SVG document for `analysis`, which must have been measured with `.history`.
    /// - Parameters:
    ///   - analysis: the file's figures.
    ///   - targetLUFS: the loudness target drawn as a dashed line.
    package static func svg(for analysis: FileAnalysis, targetLUFS: Double) -> String {
        let r = analysis.report
        let width = 960.0, left = 64.0, right = 24.0
        let plotW = width - left - right
        let waveTop = 92.0, waveH = 150.0
        let loudTop = waveTop + waveH + 46, loudH = 250.0
        let height = loudTop + loudH + 78
        let duration = max(r.duration, 0.1)
        func x(_ seconds: Double) -> Double { left + plotW * min(max(seconds / duration, 0), 1) }

        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="#ffffff"/>

            """
        // Title and figures.
        let name = (analysis.path as NSString).lastPathComponent
        let summary = [
            "Integrated \(num(r.integrated.value, "LUFS"))",
            "LRA \(String(format: "%.1f", r.loudnessRange)) LU",
            "True peak \(num(r.truePeak.value, "dBTP"))",
            "Sample peak \(num(r.samplePeak.value, "dBFS"))",
            "\(String(format: "%.2f", r.duration)) s, \(r.sampleRate) Hz, \(analysis.info.format.channelCount) ch",
        ].joined(separator: "   ·   ")
        s += text(left, 28, escape(name), size: 17, weight: "bold")
        s += text(left, 50, escape(summary), fill: "#444", size: 12)

        // Time grid (shared by both panels).
        let step = niceStep(duration / 10)
        var t = 0.0
        while t <= duration + 1e-9 {
            let gx = x(t)
            s += line(gx, waveTop, gx, waveTop + waveH, stroke: "#eeeeee")
            s += line(gx, loudTop, gx, loudTop + loudH, stroke: "#eeeeee")
            s += text(gx, loudTop + loudH + 18, timeLabel(t, step: step), anchor: "middle", fill: "#555")
            t += step
        }
        s += text(left + plotW / 2, loudTop + loudH + 36, "time", anchor: "middle", fill: "#555")

        // Waveform envelope: per 100 ms, the largest |sample| over the channels, drawn ±.
        let mid = waveTop + waveH / 2
        func ya(_ amplitude: Double) -> Double { mid - (waveH / 2) * min(amplitude, 1.0) }
        s += text(left, waveTop - 12, "Waveform (largest sample per 100 ms)", fill: "#333", size: 12, weight: "bold")
        for (label, a) in [("0 dBFS", 1.0), ("−6", 0.5)] {
            s += line(left, ya(a), left + plotW, ya(a), stroke: "#dddddd", dash: "4 3")
            s += line(left, 2 * mid - ya(a), left + plotW, 2 * mid - ya(a), stroke: "#dddddd", dash: "4 3")
            s += text(left - 6, ya(a) + 4, label, anchor: "end", fill: "#777", size: 10)
        }
        s += line(left, mid, left + plotW, mid, stroke: "#cccccc")
        let env = decimate(r.samplePeakHistory.map { $0.amplitude }, to: Int(plotW), combine: max)
        if !env.isEmpty {
            let dt = 0.1 * Double(r.samplePeakHistory.count) / Double(env.count)
            var top = "", bottom = ""
            for (i, a) in env.enumerated() {
                let px = x(Double(i) * dt), px2 = x(Double(i + 1) * dt)
                top += "\(f(px)),\(f(ya(a))) \(f(px2)),\(f(ya(a))) "
                bottom = "\(f(px2)),\(f(2 * mid - ya(a))) \(f(px)),\(f(2 * mid - ya(a))) " + bottom
            }
            s += "<polygon points=\"\(top)\(bottom)\" fill=\"#6f8fb8\" stroke=\"none\"/>\n"
        }
        // True-peak overs: a red band over each 100 ms whose true peak exceeds 0 dBTP.
        var overs = 0
        for (i, tp) in r.truePeakHistory.enumerated() where tp.value > overThreshold {
            overs += 1
            let px = x(Double(i) * 0.1), pw = max(x(Double(i + 1) * 0.1) - px, 2)
            s += "<rect x=\"\(f(px))\" y=\"\(f(waveTop))\" width=\"\(f(pw))\" height=\"\(f(waveH))\" fill=\"#d62728\" fill-opacity=\"0.25\"/>\n"
            s += "<path d=\"M\(f(px + pw / 2 - 5)),\(f(waveTop - 9)) h10 l-5,8 z\" fill=\"#d62728\"><title>\(String(format: "%.1f", Double(i) * 0.1)) s: \(num(tp.value, "dBTP"))</title></path>\n"
        }
        s += line(left, waveTop, left, waveTop + waveH, stroke: "#999")
        s += text(left + plotW, waveTop - 12,
                  overs == 0 ? "no true-peak overs (> 0 dBTP)" : "▼ true-peak over (> 0 dBTP), \(overs) × 100 ms",
                  anchor: "end", fill: overs == 0 ? "#2a7a2a" : "#d62728", size: 11)

        // Loudness panel.
        let values = (r.momentary + r.shortTerm).map(\.value).filter(\.isFinite)
        let top = max(0, ((values.max() ?? -10) / 10).rounded(.up) * 10)
        let bottomL = min(-60, ((min(targetLUFS, r.integrated.value.isFinite ? r.integrated.value : -60) - 10) / 10).rounded(.down) * 10)
        func yl(_ lufs: Double) -> Double { loudTop + loudH * (top - min(max(lufs, bottomL), top)) / (top - bottomL) }
        s += text(left, loudTop - 12, "Loudness (LUFS)", fill: "#333", size: 12, weight: "bold")
        var g = bottomL
        while g <= top + 1e-9 {
            s += line(left, yl(g), left + plotW, yl(g), stroke: "#eeeeee")
            s += text(left - 6, yl(g) + 4, String(format: "%.0f", g), anchor: "end", fill: "#777", size: 10)
            g += 10
        }
        s += series(r.momentary, color: "#9ecae1", width: 1, x: x, y: yl, plotWidth: Int(plotW))
        s += series(r.shortTerm, color: "#08519c", width: 2, x: x, y: yl, plotWidth: Int(plotW))
        s += line(left, yl(targetLUFS), left + plotW, yl(targetLUFS), stroke: "#ff7f0e", width: 1.5, dash: "7 4")
        s += text(left + plotW - 4, yl(targetLUFS) - 5, "target \(num(targetLUFS, "LUFS"))", anchor: "end", fill: "#ff7f0e", size: 11)
        if r.integrated.isFinite {
            s += line(left, yl(r.integrated.value), left + plotW, yl(r.integrated.value), stroke: "#2ca02c", width: 1.5)
            s += text(left + 4, yl(r.integrated.value) - 5, "integrated \(num(r.integrated.value, "LUFS"))", fill: "#2ca02c", size: 11)
        }
        s += line(left, loudTop, left, loudTop + loudH, stroke: "#999")
        s += line(left, loudTop + loudH, left + plotW, loudTop + loudH, stroke: "#999")

        // Legend.
        let ly = height - 14
        var lx = left
        for (label, color, dash) in [("momentary (400 ms)", "#9ecae1", ""), ("short-term (3 s)", "#08519c", ""),
                                     ("integrated", "#2ca02c", ""), ("target", "#ff7f0e", "7 4")] {
            s += line(lx, ly - 4, lx + 22, ly - 4, stroke: color, width: 2.5, dash: dash)
            s += text(lx + 28, ly, label, fill: "#333", size: 11)
            lx += 40 + Double(label.count) * 6.5
        }
        return s + "</svg>\n"
    }

    // MARK: helpers

    /// A polyline per run of finite values (no value, -inf, leaves a gap).
    static func series(_ v: [LUFS], color: String, width: Double, x: (Double) -> Double, y: (Double) -> Double,
                       plotWidth: Int) -> String {
        let values = decimate(v.map(\.value), to: plotWidth * 2, combine: max)
        guard !values.isEmpty else { return "" }
        let dt = 0.1 * Double(v.count) / Double(values.count)
        var out = "", points: [String] = []
        func flush() {
            if points.count > 1 {
                out += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(f(width))\" stroke-linejoin=\"round\"/>\n"
            }
            points.removeAll()
        }
        for (i, value) in values.enumerated() {
            // Entry i is the window ending at (i+1)·dt.
            if value.isFinite { points.append("\(f(x(Double(i + 1) * dt))),\(f(y(value)))") } else { flush() }
        }
        flush()
        return out
    }

    /// Groups of consecutive values combined so that at most `count` remain.
    static func decimate(_ v: [Double], to count: Int, combine: (Double, Double) -> Double) -> [Double] {
        guard count > 0, v.count > count else { return v }
        let group = (v.count + count - 1) / count
        return stride(from: 0, to: v.count, by: group).map { start in
            v[start..<min(start + group, v.count)].reduce(-.infinity, combine)
        }
    }

    static func niceStep(_ raw: Double) -> Double {
        for s in [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600] where s >= raw { return s }
        return 3600 * (raw / 3600).rounded(.up)
    }

    static func timeLabel(_ t: Double, step: Double) -> String {
        if step < 1 { return String(format: "%.1f s", t) }
        if t < 60 && step < 60 { return String(format: "%.0f s", t) }
        let m = Int(t) / 60, sec = Int(t) % 60
        return String(format: "%d:%02d", m, sec)
    }

    static func num(_ v: Double, _ unit: String) -> String {
        v.isFinite ? String(format: "%.1f", v).replacingOccurrences(of: "-", with: "−") + " " + unit : "−∞ " + unit
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                     dash: String = "") -> String {
        let d = dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\""
        return "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\"\(d)/>\n"
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String = "start", fill: String = "#000",
                     size: Double = 12, weight: String = "normal") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\" font-size=\"\(f(size))\" font-weight=\"\(weight)\">\(content)</text>\n"
    }
}
