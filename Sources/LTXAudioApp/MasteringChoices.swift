import AudioCore
import AudioIO
import Mastering

/// The mastering options a person chose, from the command line or a user preset file: each
/// nil when not chosen. The keys (`Key`) are the long option names, which are also a preset
/// file's keys, and the ranges are checked here once for both.
package struct MasteringChoices: Sendable, Hashable {
    /// A mastering option: its raw value is the long option name without the dashes, and the
    /// key of a preset file.
    package enum Key: String, Sendable, CaseIterable, Comparable {
        case targetLUFS = "target-lufs", truePeak = "true-peak", maxGain = "max-gain"
        case maxLimiting = "max-limiting", minLimitingReturn = "min-limiting-return", leveler
        case trim, trimThreshold = "trim-threshold", trimPad = "trim-pad", maxGap = "max-gap"
        case dither, sampleRate = "sample-rate", quality, format, bitDepth = "bit-depth"

        package static func < (a: Key, b: Key) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// A value outside its option's range: `"--" + key` or a preset file's key, then
    /// `value`, then `reason` ("is outside -70...0 LUFS").
    package struct Problem: Error, Sendable, Hashable {
        package var key: Key
        package var value: String
        package var reason: String
        /// "--target-lufs 5.0 is outside -70...0 LUFS".
        package var commandLineDescription: String { "--\(key.rawValue) \(value) \(reason)" }
    }

    /// Integrated loudness target, LUFS (-70 to 0).
    package var targetLUFS: Double?
    /// True-peak ceiling, dBTP (-20 to 0).
    package var truePeak: Double?
    /// Largest gain, dB (0 to 60; default 30).
    package var maxGain: Double?
    /// Most limiting the gain search may spend, dB (0 to 60; default 18).
    package var maxLimiting: Double?
    /// Least share of added loudness that must come through the limiter (0 to 1; default 0.2).
    package var minLimitingReturn: Double?
    /// The leveler before the limiter (default: the preset's; on only in `podcast`).
    package var leveler: Bool?
    /// Trim leading and trailing silence (default true).
    package var trim: Bool?
    /// Trim threshold, dBFS (-120 to 0; default -50).
    package var trimThreshold: Double?
    /// Silence kept beside the sound, seconds (0 to 10; default 0.05).
    package var trimPad: Double?
    /// Inner silences longer than this are shortened to it, seconds (0.01 to 3600; default off).
    package var maxGap: Double?
    /// TPDF dither for 16-bit output (default true).
    package var dither: Bool?
    /// Output sample rate, Hz (1 to 768000; default 48000).
    package var sampleRate: Int?
    /// libsamplerate converter (default best).
    package var quality: ResamplerQuality?
    /// Output container (default: the extension, or the input's own, or FLAC).
    package var format: Container?
    /// 16, 24 or 32 (float) for lossless formats.
    package var bitDepth: Int?

    package init() {}

    /// Every choice of `other` replaces this one's (the command line over a preset).
    package func overridden(by other: MasteringChoices) -> MasteringChoices {
        var r = self
        r.targetLUFS = other.targetLUFS ?? targetLUFS
        r.truePeak = other.truePeak ?? truePeak
        r.maxGain = other.maxGain ?? maxGain
        r.maxLimiting = other.maxLimiting ?? maxLimiting
        r.minLimitingReturn = other.minLimitingReturn ?? minLimitingReturn
        r.leveler = other.leveler ?? leveler
        r.trim = other.trim ?? trim
        r.trimThreshold = other.trimThreshold ?? trimThreshold
        r.trimPad = other.trimPad ?? trimPad
        r.maxGap = other.maxGap ?? maxGap
        r.dither = other.dither ?? dither
        r.sampleRate = other.sampleRate ?? sampleRate
        r.quality = other.quality ?? quality
        r.format = other.format ?? format
        r.bitDepth = other.bitDepth ?? bitDepth
        return r
    }

    /// The first chosen value outside its range (in `Key` order), or nil.
    package func problem() -> Problem? {
        func range(_ key: Key, _ value: Double?, _ bounds: ClosedRange<Double>, _ unit: String) -> Problem? {
            guard let value, !(value.isFinite && bounds.contains(value)) else { return nil }
            let lo = bounds.lowerBound, hi = bounds.upperBound
            func text(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : "\(x)" }
            return Problem(key: key, value: "\(value)", reason: "is outside \(text(lo))...\(text(hi))\(unit.isEmpty ? "" : " " + unit)")
        }
        let checks: [Problem?] = [
            range(.targetLUFS, targetLUFS, -70...0, "LUFS"),
            range(.truePeak, truePeak, -20...0, "dBTP"),
            range(.maxGain, maxGain, 0...60, "dB"),
            range(.maxLimiting, maxLimiting, 0...60, "dB"),
            range(.minLimitingReturn, minLimitingReturn, 0...1, ""),
            range(.trimThreshold, trimThreshold, -120...0, "dBFS"),
            range(.trimPad, trimPad, 0...10, "seconds"),
            range(.maxGap, maxGap, 0.01...3600, "seconds"),
            sampleRate.flatMap { (1...768_000).contains($0) ? nil
                : Problem(key: .sampleRate, value: "\($0)", reason: "is outside 1...768000 Hz") },
            bitDepth.flatMap { [16, 24, 32].contains($0) ? nil
                : Problem(key: .bitDepth, value: "\($0)", reason: "is not 16, 24 or 32") },
        ]
        return checks.lazy.compactMap { $0 }.first
    }

    /// The keys that are set, with their values as JSON scalars (for `presets --json`).
    package var values: [(key: Key, value: PresetValue)] {
        var out: [(Key, PresetValue)] = []
        func add(_ k: Key, _ v: Double?) { if let v { out.append((k, .number(v))) } }
        func add(_ k: Key, _ v: Bool?) { if let v { out.append((k, .bool(v))) } }
        add(.targetLUFS, targetLUFS); add(.truePeak, truePeak); add(.maxGain, maxGain)
        add(.maxLimiting, maxLimiting); add(.minLimitingReturn, minLimitingReturn); add(.leveler, leveler)
        add(.trim, trim); add(.trimThreshold, trimThreshold); add(.trimPad, trimPad); add(.maxGap, maxGap)
        add(.dither, dither); add(.sampleRate, sampleRate.map(Double.init))
        if let quality { out.append((.quality, .string(quality.rawValue))) }
        if let format { out.append((.format, .string(format.fileExtension))) }
        add(.bitDepth, bitDepth.map(Double.init))
        return out.map { (key: $0.0, value: $0.1) }
    }
}

/// A value in a preset file: a JSON number, boolean or string.
package enum PresetValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Double), bool(Bool), string(String)

    package init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a number, boolean or string")
        }
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let d):
            if d == d.rounded() && abs(d) < 1e15 { try c.encode(Int(d)) } else { try c.encode(d) }
        case .bool(let b): try c.encode(b)
        case .string(let s): try c.encode(s)
        }
    }

    /// As written in JSON: `-18`, `true`, `"flac"`.
    package var description: String {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)"
        case .bool(let b): return String(b)
        case .string(let s): return "\"\(s)\""
        }
    }
}
