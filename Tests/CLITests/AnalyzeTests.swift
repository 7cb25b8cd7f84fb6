import AudioCore
import AudioIO
import DSP
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// `ltx-audio analyze` run as a user would. Figures are compared with libebur128 measuring the
/// same decoded samples (within 0.05 LU, 0.1 LU, 0.2 dB), and with the DSP meter reading the
/// file through AudioIO (which also covers null for "no value").
@Suite struct AnalyzeTests {
    static let goodFixtures = ["ltx-like-24k-stereo.wav", "music-44k-stereo.flac", "music-44k-stereo.mp3",
                               "music-44k-stereo.ogg", "speech-22k-mono.wav"]
    static let badFixtures = ["bad/empty.wav", "bad/not-audio.wav", "bad/truncated.wav"]

    static func parse(_ json: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try #require(object as? [[String: Any]])
    }

    static func reference(_ path: String) throws -> LoudnessReport {
        let r = try SoundFileReader(path: path)
        var meter = LoudnessMeter(format: r.format, measures: [.integrated, .loudnessRange, .truePeak, .samplePeak])
        var block = AudioBlock(channelCount: r.format.channelCount, capacity: 1000)
        while try r.read(into: &block) > 0 { meter.write(block) }
        return meter.report()
    }

    static func number(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }

    /// libebur128's figures for the decoded file.
    static func libebur128(_ path: String) throws -> LibEbur128Figures {
        let r = try SoundFileReader(path: path)
        return LibEbur128Figures(channels: try r.readAll().channels, format: r.format)
    }

    static func expectMatchesLibEbur128(_ object: [String: Any], _ path: String) throws {
        let ref = try libebur128(path)
        let i = number(object["integrated_lufs"]), lra = number(object["loudness_range_lu"])
        let tp = number(object["true_peak_dbtp"])
        #expect(i != nil && abs(i! - ref.integrated) <= 0.05, "\(path) I: \(String(describing: i)) vs libebur128 \(ref.integrated)")
        #expect(lra != nil && abs(lra! - ref.loudnessRange) <= 0.1, "\(path) LRA: \(String(describing: lra)) vs \(ref.loudnessRange)")
        #expect(tp != nil && abs(tp! - ref.truePeakDB) <= 0.2, "\(path) TP: \(String(describing: tp)) vs \(ref.truePeakDB)")
    }

    /// Checks one JSON object against the meter; `nil` in JSON must mean -inf.
    static func expectMatches(_ object: [String: Any], _ report: LoudnessReport, channels: Int) {
        #expect(Set(object.keys) == ["path", "integrated_lufs", "loudness_range_lu", "true_peak_dbtp",
                                     "sample_peak_dbfs", "duration_s", "sample_rate", "channels"])
        for (key, expected, tolerance) in [("integrated_lufs", report.integrated.value, 0.05),
                                           ("loudness_range_lu", report.loudnessRange, 0.1),
                                           ("true_peak_dbtp", report.truePeak.value, 0.2),
                                           ("sample_peak_dbfs", report.samplePeak.value, 0.01)] {
            if expected.isFinite {
                let got = number(object[key])
                #expect(got != nil && abs(got! - expected) <= tolerance, "\(key): \(String(describing: got)) vs \(expected)")
            } else {
                #expect(object[key] is NSNull, "\(key) should be null")
            }
        }
        #expect(number(object["sample_rate"]) == Double(report.sampleRate))
        #expect(number(object["channels"]) == Double(channels))
        #expect(abs((number(object["duration_s"]) ?? -1) - report.duration) <= 1e-5)
    }

    @Test func jsonOnFixturesMatchesTheMeterAndReportsBadFiles() throws {
        let paths = (Self.goodFixtures + Self.badFixtures).map { Repository.fixtures + "/" + $0 }
        let r = try LTXAudioBinary.run(["analyze", "--json"] + paths)
        #expect(r.status == 1, "bad fixtures make the exit status non-zero: \(r.stderr)")
        #expect(!r.stdout.contains("NaN") && !r.stdout.contains("Infinity"))
        let objects = try Self.parse(r.stdout)
        #expect(objects.map { $0["path"] as? String } == paths, "one object per input, in order")
        for i in Self.goodFixtures.indices {
            let ref = try Self.reference(paths[i])
            let channels = try SoundFileReader(path: paths[i]).format.channelCount
            Self.expectMatches(objects[i], ref, channels: channels)
            try Self.expectMatchesLibEbur128(objects[i], paths[i])
        }
        for (j, name) in Self.badFixtures.enumerated() {
            let o = objects[Self.goodFixtures.count + j]
            #expect(Set(o.keys) == ["path", "error"], "\(name): \(o)")
            let message = try #require(o["error"] as? String)
            #expect(r.stderr.contains(message), "stderr repeats the error for \(name)")
        }
    }

    @Test func synthesizedWavsAtSeveralRates() throws {
        let dir = try TemporaryFolder("analyze-synth")
        defer { dir.remove() }
        var paths: [String] = []
        for (rate, channels) in [(16_000, 1), (44_100, 2), (48_000, 2), (96_000, 6)] {
            let path = dir.file("tone-\(rate)-\(channels).wav")
            let block = AudioBlock(channels: (0..<channels).map { c in
                Signal.noiseAndTones(sampleRate: rate, seconds: 4, seed: UInt64(rate + c))
            })
            let w = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: rate, channelCount: channels),
                                        encoding: try OutputEncoding(container: .wav, bitDepth: 32))
            try w.write(block)
            try w.finish()
            try w.commit()
            paths.append(path)
        }
        let r = try LTXAudioBinary.run(["analyze", "--json"] + paths)
        #expect(r.status == 0, "\(r.stderr)")
        let objects = try Self.parse(r.stdout)
        #expect(objects.count == paths.count)
        for (i, path) in paths.enumerated() {
            let ref = try Self.reference(path)
            Self.expectMatches(objects[i], ref, channels: try SoundFileReader(path: path).format.channelCount)
            try Self.expectMatchesLibEbur128(objects[i], path)
        }
    }

    @Test func silenceAndTooShortGiveNull() throws {
        let dir = try TemporaryFolder("analyze-silence")
        defer { dir.remove() }
        let silent = dir.file("silence.wav"), short = dir.file("short.wav")
        for (path, block) in [(silent, AudioBlock(channelCount: 2, capacity: 48_000, frameCount: 48_000)),
                              (short, TestTone.sine(frequency: 997, amplitude: 0.5, frames: 9_600, sampleRate: 48_000, channels: 2))] {
            let w = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: 48_000, channelCount: 2),
                                        encoding: try OutputEncoding(container: .wav, bitDepth: 16))
            try w.write(block); try w.finish(); try w.commit()
        }
        let r = try LTXAudioBinary.run(["analyze", "--json", silent, short])
        #expect(r.status == 0)
        let o = try Self.parse(r.stdout)
        #expect(o[0]["integrated_lufs"] is NSNull && o[0]["true_peak_dbtp"] is NSNull && o[0]["sample_peak_dbfs"] is NSNull)
        #expect(Self.number(o[0]["loudness_range_lu"]) == 0)
        #expect(o[1]["integrated_lufs"] is NSNull, "200 ms is shorter than one gating block")
        #expect(abs((Self.number(o[1]["true_peak_dbtp"]) ?? 99) + 6.02) <= 0.2)
    }

    @Test func nonFiniteSamplesAreAnErrorNotFigures() throws {
        let dir = try TemporaryFolder("analyze-nan")
        defer { dir.remove() }
        let path = dir.file("nan.wav")
        var tone = TestTone.sine(frequency: 440, amplitude: 0.3, frames: 48_000, sampleRate: 48_000, channels: 2)
        tone.withMutableChannel(1) { $0[30_000] = .nan }
        let w = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: 48_000, channelCount: 2),
                                    encoding: try OutputEncoding(container: .wav, bitDepth: 32))
        try w.write(tone); try w.commit()
        let r = try LTXAudioBinary.run(["analyze", "--json", path, Repository.fixtures + "/speech-22k-mono.wav"])
        #expect(r.status == 1)
        let o = try Self.parse(r.stdout)
        #expect((o[0]["error"] as? String)?.contains("non-finite sample") == true && (o[0]["error"] as? String)?.contains("frame 30000") == true)
        #expect(o[0]["integrated_lufs"] == nil, "no figures for a file that cannot be measured")
        #expect(Self.number(o[1]["integrated_lufs"]) != nil, "the other file is still measured")
        #expect(r.stderr.contains("error: \(path): contains 1 non-finite sample (NaN or infinity)"))
    }

    @Test func tableIsTheDefault() throws {
        let path = Repository.fixtures + "/speech-22k-mono.wav"
        let r = try LTXAudioBinary.run(["analyze", path])
        #expect(r.status == 0)
        let ref = try Self.reference(path)
        for header in ["Integrated", "LRA", "True peak", "Sample peak", "Duration", "Rate", "Ch"] {
            #expect(r.stdout.contains(header))
        }
        #expect(r.stdout.contains(String(format: "%.1f LUFS", ref.integrated.value)))
        #expect(r.stdout.contains("22050 Hz"))
    }

    @Test func plotsOnePerInputWithTheNamingRule() throws {
        let dir = try TemporaryFolder("analyze-plot")
        defer { dir.remove() }
        let inputs = ["music-44k-stereo.flac", "music-44k-stereo.ogg", "speech-22k-mono.wav"].map { Repository.fixtures + "/" + $0 }
        let r = try LTXAudioBinary.run(["analyze", "--plot", dir.file("plot.svg"), "--target-lufs", "-16"] + inputs)
        #expect(r.status == 0, "\(r.stderr)")
        // music-44k-stereo.flac and .ogg share a stem: the second gets -2.
        let expected = ["plot-music-44k-stereo.svg", "plot-music-44k-stereo-2.svg", "plot-speech-22k-mono.svg"]
        #expect(dir.contents() == expected.sorted())
        let svg = try String(contentsOfFile: dir.file(expected[2]), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("target −16.0 LUFS") && svg.contains("integrated") && svg.contains("<polyline"))
        #expect(!svg.contains("nan") && !svg.contains("inf,"))
        // Parses as XML.
        _ = try XMLDocument(data: Data(svg.utf8))

        // One input: the plot goes exactly where asked.
        let single = dir.file("single.svg")
        #expect(try LTXAudioBinary.run(["analyze", "--plot", single, inputs[2]]).status == 0)
        #expect(FileManager.default.fileExists(atPath: single))
    }

    @Test func unwritablePlotIsAnError() throws {
        let good = Repository.fixtures + "/speech-22k-mono.wav"
        let r = try LTXAudioBinary.run(["analyze", "--json", "--plot", "/nonexistent-folder/p.svg", good])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot write the plot"))
        let o = try Self.parse(r.stdout)
        #expect(o.count == 1 && o[0]["error"] is String)
    }

    @Test func aPlotNeverReplacesAnInputOrAnExistingFileUnlessAsked() throws {
        let dir = try TemporaryFolder("analyze-plot-safety")
        defer { dir.remove() }
        let take = dir.file("take.wav")
        try FileManager.default.copyItem(atPath: Repository.fixtures + "/speech-22k-mono.wav", toPath: take)
        let original = try Data(contentsOf: URL(fileURLWithPath: take))

        // --plot naming the input (directly, through another spelling, through a link): refused, input intact.
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.wav"), withDestinationPath: "take.wav")
        for plot in [take, dir.path + "/./take.wav", dir.file("link.wav")] {
            for extra in [[String](), ["--overwrite"]] {
                let r = try LTXAudioBinary.run(["analyze", take, "--plot", plot] + extra)
                #expect(r.status == 1, "\(r.stderr)")
                #expect(r.stderr.contains("error: \(plot): the plot would replace the input \(take)"), "\(r.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: take)) == original)
            }
        }

        // An existing file: kept unless --overwrite; then replaced whole.
        let plot = dir.file("take.svg")
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: plot))
        let kept = try LTXAudioBinary.run(["analyze", take, "--plot", plot])
        #expect(kept.status == 1 && kept.stderr.contains("error: \(plot): cannot write the plot: exists already; pass --overwrite"), "\(kept.stderr)")
        #expect(try String(contentsOfFile: plot, encoding: .utf8) == "keep me\n")
        let replaced = try LTXAudioBinary.run(["analyze", take, "--plot", plot, "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try String(contentsOfFile: plot, encoding: .utf8).hasPrefix("<svg"))
        #expect(dir.contents() == ["link.wav", "take.svg", "take.wav"], "no temporary file left")
    }

    @Test func usageErrors() throws {
        #expect(try LTXAudioBinary.run(["analyze"]).status == 64)
        let folder = try LTXAudioBinary.run(["analyze", Repository.fixtures + "/speech-22k-mono.wav", "--plot", Repository.fixtures])
        #expect(folder.status == 64 && folder.stderr.contains("--plot \(Repository.fixtures) is a folder"), "\(folder.stderr)")
        #expect(try LTXAudioBinary.run(["analyze", "x.wav", "--target-lufs", "5"]).status == 64)
        let help = try LTXAudioBinary.run(["analyze", "--help"])
        #expect(help.stdout.contains("PLOT-<file name without extension>.svg"))
    }
}
