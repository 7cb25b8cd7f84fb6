import AudioCore
import AudioIO
import DSP
import Foundation
import Testing
import TestSupport

/// The whole mastering chain through the built binary, checked by decoding and measuring what
/// it wrote.
@Suite struct MasteringChainTests {
    static let fixtures = ["ltx-like-24k-stereo.wav", "speech-22k-mono.wav", "music-44k-stereo.flac",
                           "music-44k-stereo.mp3", "music-44k-stereo.ogg"]
    static let presets: [(name: String, lufs: Double?, ceiling: Double?)] = [
        ("streaming", -14, -1), ("podcast", -16, -1), ("broadcast", -23, -1), ("atsc", -24, -2), ("none", nil, nil),
    ]

    func decode(_ path: String) throws -> (SoundFileInfo, AudioBlock) {
        let r = try SoundFileReader(path: path)
        return (r.info, try r.readAll())
    }

    func measure(_ samples: AudioBlock, _ format: AudioFormat) -> LoudnessReport {
        var m = LoudnessMeter(format: format, measures: [.integrated, .truePeak, .samplePeak])
        m.write(samples)
        return m.report()
    }

    func largestStep(_ x: [Float], _ range: Range<Int>) -> Float {
        var m: Float = 0
        for i in max(1, range.lowerBound)..<min(x.count, range.upperBound) { m = max(m, abs(x[i] - x[i - 1])) }
        return m
    }

    func json(_ r: LTXAudioBinary.Result) throws -> [[String: Any]] {
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        return doc["files"] as! [[String: Any]]
    }

    @Test(arguments: presets.map(\.name))
    func everyPresetOnEveryFixture(_ preset: String) throws {
        let p = Self.presets.first { $0.name == preset }!
        let out = try TemporaryFolder("chain-\(preset)")
        defer { out.remove() }
        let r = try LTXAudioBinary.run(["master"] + Self.fixtures.map { Repository.fixtures + "/" + $0 }
                                       + ["-o", out.path, "--preset", preset, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try json(r)
        #expect(files.count == Self.fixtures.count)
        for entry in files {
            let name = ((entry["path"] as! String) as NSString).lastPathComponent
            let (info, samples) = try decode(entry["output"] as! String)
            let (inInfo, source) = try decode(Repository.fixtures + "/" + name)
            #expect(info.format.sampleRate == 48000, "\(name)")
            let figures = measure(samples, info.format)
            let oracle = LibEbur128Figures(channels: samples.channels, format: info.format)
            let lossy = info.container!.isLossy
            if let lufs = p.lufs, let ceiling = p.ceiling {
                if !lossy {
                    #expect(abs(figures.integrated.value - lufs) <= 0.1, "\(name) \(preset): I = \(figures.integrated)")
                    #expect(abs(oracle.integrated - lufs) <= 0.1, "\(name) \(preset): libebur128 I = \(oracle.integrated)")
                }
                #expect(figures.truePeak.value <= ceiling + (lossy ? 0.5 : 0), "\(name) \(preset): TP = \(figures.truePeak)")
                // libebur128's true peak uses its own interpolator; allow its known spread (0.2 dB).
                #expect(oracle.truePeakDB <= ceiling + (lossy ? 0.5 : 0) + 0.2, "\(name) \(preset): libebur128 TP = \(oracle.truePeakDB)")
                #expect(entry["within_tolerance"] as? Bool == true)
            } else {
                #expect(entry["gain_db"] == nil || entry["gain_db"] is NSNull)
            }
            // Trimmed: leading and trailing silence no longer than the 50 ms pad plus 10 ms,
            // judged at the source's threshold moved by the gain applied.
            let gain = entry["gain_db"] as? Double ?? 0
            var scanner = SilenceScanner(format: info.format, threshold: Decibels(-50 + gain))
            scanner.write(samples)
            let sound = try #require(scanner.result().sound)
            let limit = Int(0.060 * 48000) + scanner.windowFrames  // pad + 10 ms, at window resolution
            if !lossy {
                #expect(sound.lowerBound <= limit, "\(name): \(sound.lowerBound) frames before the sound")
                #expect(samples.frameCount - sound.upperBound <= limit, "\(name): \(samples.frameCount - sound.upperBound) frames after")
                // No click at the cuts: the first and last 100 ms jump no more than the source does
                // anywhere, scaled by the gain and the rate change.
                let scale = Float(Decibels(gain).amplitude) * Float(max(1, Double(inInfo.format.sampleRate) / 48000)) * 1.05
                for c in 0..<samples.channelCount {
                    let y = samples.channel(c), x = source.channel(c)
                    let allowed = largestStep(x, 0..<x.count) * scale
                    #expect(largestStep(y, 0..<4800) <= allowed, "\(name) start")
                    #expect(largestStep(y, (y.count - 4800)..<y.count) <= allowed, "\(name) end")
                }
            }
        }
    }

    /// Writes a WAV of `channels` through AudioIO.
    func writeWav(_ path: String, _ channels: [[Float]], rate: Int, bitDepth: Int = 32, tags: [SoundTag: String] = [:]) throws {
        let w = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: rate, channelCount: channels.count),
                                    encoding: OutputEncoding(container: .wav, bitDepth: bitDepth), tags: tags)
        try w.write(AudioBlock(channels: channels))
        try w.commit()
    }

    @Test func clipNeedingHeavyLimitingMeetsTargetAndCeiling() throws {
        let dir = try TemporaryFolder("chain-heavy")
        defer { dir.remove() }
        let rate = 48000, n = rate * 4
        // A steady tone with short loud clicks: reaching -14 LUFS lifts the clicks ~9 dB over the ceiling.
        var x = Signal.sine(frequency: 997, amplitude: 0.05, sampleRate: rate, frames: n)
        let burst = Signal.sine(frequency: 2500, amplitude: 0.9, phase: 0.3, sampleRate: rate, frames: rate / 1000)
        for start in stride(from: rate / 5, to: n - burst.count, by: rate / 3) {
            for i in 0..<burst.count { x[start + i] += burst[i] }
        }
        try writeWav(dir.file("spiky.wav"), [x, x.map { -$0 }], rate: rate)
        let r = try LTXAudioBinary.run(["master", dir.file("spiky.wav"), "-o", dir.file("out.flac"), "--json", "--no-trim"])
        #expect(r.status == 0, "\(r.stderr)")
        let entry = try json(r)[0]
        #expect((entry["limiter_reduction_db"] as! Double) > 6, "needs more than 6 dB of limiting")
        let (info, samples) = try decode(dir.file("out.flac"))
        let figures = measure(samples, info.format)
        #expect(abs(figures.integrated.value + 14) <= 0.1, "I = \(figures.integrated)")
        #expect(figures.truePeak.value <= -1, "TP = \(figures.truePeak)")
        let oracle = LibEbur128Figures(channels: samples.channels, format: info.format)
        #expect(abs(oracle.integrated + 14) <= 0.1 && oracle.truePeakDB <= -0.8, "libebur128: \(oracle.integrated) LUFS, \(oracle.truePeakDB) dBTP")
    }

    @Test func nonFiniteSamplesAreRefused() throws {
        let dir = try TemporaryFolder("chain-nan")
        defer { dir.remove() }
        var x = Signal.sine(frequency: 440, amplitude: 0.3, sampleRate: 48000, frames: 48000)
        x[12345] = .nan
        x[20000] = .infinity
        try writeWav(dir.file("nan.wav"), [x], rate: 48000)
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        let r = try LTXAudioBinary.run(["master", dir.file("nan.wav"), "-o", dir.file("out")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("nan.wav") && r.stderr.contains("non-finite") && r.stderr.contains("frame 12345"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("out")).isEmpty)
    }

    @Test func silenceAndTooShortAreLeftAtTheirLevelWithAWarning() throws {
        let dir = try TemporaryFolder("chain-silence")
        defer { dir.remove() }
        try writeWav(dir.file("silence.wav"), [[Float](repeating: 0, count: 96000)], rate: 48000)
        try writeWav(dir.file("short.wav"), [Signal.sine(frequency: 440, amplitude: 0.1, sampleRate: 48000, frames: 9600)], rate: 48000)
        let r = try LTXAudioBinary.run(["master", dir.file("silence.wav"), dir.file("short.wav"), "-o", dir.file("out"), "--json"])
        #expect(r.status == 0, "unreachable targets alone do not fail the run: \(r.stderr)")
        #expect(r.stderr.contains("silence.wav") && r.stderr.contains("nothing was trimmed"))
        #expect(r.stderr.contains("short.wav") && r.stderr.contains("cannot be measured"))
        for entry in try json(r) {
            #expect(entry["status"] as? String == "mastered")
            #expect(entry["target_reached"] as? Bool == false)
            #expect(entry["gain_db"] as? Double == 0)
        }
        let (_, short) = try decode(dir.file("out/short.wav"))
        #expect(abs(TestTone.rms(short.channel(0)) - 0.1 / 2.0.squareRoot()) < 0.01, "left at its level")
    }

    @Test func dryRunMeasuresAndWritesNothing() throws {
        let dir = try TemporaryFolder("chain-dry")
        defer { dir.remove() }
        let r = try LTXAudioBinary.run(["master", Repository.fixtures + "/ltx-like-24k-stereo.wav", "-o", dir.file("out/"),
                                        "--dry-run", "--preset", "broadcast"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("would master") && r.stdout.contains("nothing written"))
        #expect(dir.contents().isEmpty)
    }

    @Test func tagsAreCarriedOverAndTheSoftwareRecorded() throws {
        let dir = try TemporaryFolder("chain-tags")
        defer { dir.remove() }
        try writeWav(dir.file("in.wav"), [Signal.sine(frequency: 440, amplitude: 0.3, sampleRate: 24000, frames: 48000)],
                     rate: 24000, bitDepth: 16, tags: [.title: "Lovely day", .artist: "LTX", .comment: "take 3"])
        let r = try LTXAudioBinary.run(["master", dir.file("in.wav"), "-o", dir.file("out.flac")])
        #expect(r.status == 0, "\(r.stderr)")
        let tags = try SoundFileReader(path: dir.file("out.flac")).info.tags
        #expect(tags[.title] == "Lovely day" && tags[.artist] == "LTX" && tags[.comment] == "take 3")
        #expect(tags[.software]?.hasPrefix("ltx-audio ") == true)
    }

    @Test func sixteenBitOutputIsDitheredUnlessAskedNot() throws {
        let dir = try TemporaryFolder("chain-dither")
        defer { dir.remove() }
        // A very quiet tone: without dither, 16-bit quantisation leaves a few repeating values.
        try writeWav(dir.file("quiet.wav"), [Signal.sine(frequency: 1000, amplitude: 0.00005, sampleRate: 48000, frames: 48000)], rate: 48000)
        for (flag, name) in [([String](), "d.wav"), (["--no-dither"], "n.wav")] {
            let r = try LTXAudioBinary.run(["master", dir.file("quiet.wav"), "-o", dir.file(name), "--bit-depth", "16",
                                            "--preset", "none", "--no-trim"] + flag)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let dithered = Set(try decode(dir.file("d.wav")).1.channel(0)).count
        let plain = Set(try decode(dir.file("n.wav")).1.channel(0)).count
        #expect(plain <= 5 && dithered > plain, "distinct values: \(plain) plain, \(dithered) dithered")
    }

    @Test(arguments: [["--preset", "none"], []])
    func aWriteThatFailsPartWayLeavesNothing(_ extra: [String]) throws {
        let dir = try TemporaryFolder("chain-ulimit")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        // A 64 KiB file size limit: the 48 kHz 24-bit output (and the float spill the loudness
        // passes use) need far more, so a write fails part way with EFBIG.
        let (status, signaled, stderr) = try LTXAudioBinary.runThroughShell(
            "ulimit -f 64; exec \"$0\" \"$@\"",
            arguments: ["master", Repository.fixtures + "/ltx-like-24k-stereo.wav", "-o", dir.file("out/x.wav"), "--bit-depth", "24"] + extra)
        #expect(!signaled && status == 1)
        #expect(stderr.contains("ltx-like-24k-stereo.wav") && stderr.contains("File too large"), "\(stderr)")
        if extra.isEmpty == false { #expect(stderr.contains("write failed")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("out")).isEmpty, "no partial or temporary file")
    }
}
