import AudioCore
import AudioIO
import DSP
import Foundation

/// One file, decoded and measured.
public struct FileAnalysis: Sendable {
    /// The path as given.
    public var path: String
    /// What the decoder says about the file.
    public var info: SoundFileInfo
    /// The measurements (BS.1770-4 / EBU R 128), including the 100 ms histories when asked.
    public var report: LoudnessReport

    /// Seconds actually decoded (the header's frame count is only an estimate for MP3).
    public var duration: Double { report.duration }
}

/// Decoding and measuring a file block by block; memory stays flat whatever the length.
public enum Analysis {
    /// Frames per decoded block.
    public static let blockFrames = 16_384

    /// Decodes `path` and measures it.
    /// - Parameters:
    ///   - path: any file the decoder reads (WAV, FLAC, Ogg, MP3, ...).
    ///   - measures: what to measure; add `.history` for plots.
    ///   - overlapping: measure on a second thread while decoding (less wall time when a
    ///     core is idle; the same figures).
    /// - Returns: the file's figures.
    /// - Throws: `AudioIOError` when the file cannot be opened or decoded (its description
    ///   names the file and the reason).
    public static func analyze(path: String, measures: LoudnessMeter.Measures = .all, overlapping: Bool = false) throws
        -> FileAnalysis {
        let reader = try SoundFileReader(path: path)
        defer { reader.close() }
        var concurrent = overlapping ? ConcurrentLoudnessMeter(format: reader.info.format, measures: measures) : nil
        var local = overlapping ? nil : LoudnessMeter(format: reader.info.format, measures: measures)
        // The threads must be done with the meters before this returns or throws.
        defer { concurrent?.close() }
        var block = AudioBlock(channelCount: reader.info.format.channelCount, capacity: blockFrames)
        var frames = 0
        // NaN or infinity would poison the filters and every figure after it: such a file is
        // refused, naming how many samples are bad and the first one.
        var nonFinite = 0
        var firstNonFinite: Int?
        while try reader.read(into: &block) > 0 {
            let n = block.frameCount
            let bad = (0..<block.channelCount).reduce(0) { sum, c in
                sum + block.withChannel(c) { SilenceScan.countNonFinite($0.baseAddress!, count: n) }
            }
            if bad > 0 && firstNonFinite == nil {
                var first = n
                for c in 0..<block.channelCount {
                    block.withChannel(c) { ch in if let i = ch.firstIndex(where: { !$0.isFinite }) { first = min(first, i) } }
                }
                firstNonFinite = frames + first
            }
            nonFinite += bad
            if firstNonFinite == nil {
                if concurrent != nil { try concurrent!.write(block) } else { local!.write(block) }
            }
            frames += n
        }
        if let frame = firstNonFinite {
            throw AudioIOError(.malformed, path: path,
                "contains \(nonFinite) non-finite sample\(nonFinite == 1 ? "" : "s") (NaN or infinity), the first at frame \(frame) (\(String(format: "%.3f", reader.info.format.seconds(frames: frame))) s); its loudness cannot be measured")
        }
        let report = try concurrent?.report() ?? local!.report()
        return FileAnalysis(path: path, info: reader.info, report: report)
    }
}
