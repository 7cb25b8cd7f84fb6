import AudioCore
import AudioIO
import DSP
import Foundation
import Testing
import TestSupport

/// Loudness without damage through the built binary: the limiting policy's options, the
/// leveler on the speech fixtures, and what the report and `--json` say about them.
@Suite struct LoudnessPolicyCommandTests {
    func files(_ r: LTXAudioBinary.Result) throws -> [[String: Any]] {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)\n\(r.stderr)")
        return doc["files"] as! [[String: Any]]
    }

    func writeTone(_ path: String, frequency: Double) throws {
        let rate = 48_000
        let writer = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: rate, channelCount: 2),
                                         encoding: try OutputEncoding(container: .wav, bitDepth: 24))
        try writer.write(TestTone.sine(frequency: frequency, amplitude: 0.5, frames: 6 * rate, sampleRate: rate, channels: 2))
        try writer.commit()
    }

    @Test func aLowToneAskedTooLoudComesOutCleanAndFlagged() throws {
        let dir = try TemporaryFolder("policy-tone")
        defer { dir.remove() }
        try writeTone(dir.file("drone.wav"), frequency: 40)
        let r = try LTXAudioBinary.run(["master", dir.file("drone.wav"), "-o", dir.file("out.wav"), "--target-lufs", "-7", "--no-trim"])
        #expect(r.status == 0, "ok* alone is not an error: \(r.stderr)")
        #expect(r.stdout.contains("ok*"))
        #expect(r.stderr.contains("warning: \(dir.file("drone.wav")): the limiter would take most of what more gain adds"), "\(r.stderr)")
        let y = try SoundFileReader(path: dir.file("out.wav")).readAll().channel(0)
        let thd = SoundQuality.thdPlusN(y, frequency: 40, sampleRate: 48_000)
        #expect(thd <= -40, "THD+N \(thd) dB")
        let json = try LTXAudioBinary.run(["master", dir.file("drone.wav"), "-o", dir.file("out.wav"), "--target-lufs", "-7",
                                           "--no-trim", "--overwrite", "--json"])
        let f = try files(json)[0]
        #expect(f["target_reached"] as? Bool == false && f["within_tolerance"] as? Bool == true)
        #expect((f["limiter_reduction_db"] as! Double) <= 0.5 && f["limiter_average_reduction_db"] is Double)
        #expect(f["leveler_reduction_db"] == nil, "no leveler asked for")
    }

    @Test func maxLimitingZeroIsGainOnly() throws {
        let dir = try TemporaryFolder("policy-zero")
        defer { dir.remove() }
        let r = try LTXAudioBinary.run(["master", Repository.fixtures + "/speech-22k-mono.wav", "-o", dir.file("out.flac"),
                                        "--max-limiting", "0", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let f = try files(r)[0]
        #expect(f["limiter_reduction_db"] as? Double == 0, "the limiter never acted")
        #expect(f["target_reached"] as? Bool == false)
        let after = f["after"] as! [String: Any]
        #expect((after["true_peak_dbtp"] as! Double) <= -1 && (after["integrated_lufs"] as! Double) < -14.1)
        #expect(r.stderr.contains("needs more than 0.0 dB of limiting to reach -14.0 LUFS (--max-limiting)"), "\(r.stderr)")
        let bad = try LTXAudioBinary.run(["master", Repository.fixtures + "/speech-22k-mono.wav", "-o", dir.file("x.flac"), "--max-limiting", "-1"])
        #expect(bad.status == 64 && bad.stderr.contains("--max-limiting"))
        for value in ["-0.1", "1.5"] {
            let badReturn = try LTXAudioBinary.run(["master", Repository.fixtures + "/speech-22k-mono.wav", "-o", dir.file("y.flac"),
                                                    "--min-limiting-return", value])
            #expect(badReturn.status == 64 && badReturn.stderr.contains("--min-limiting-return"), "\(value): \(badReturn.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("x.flac")) && !FileManager.default.fileExists(atPath: dir.file("y.flac")))
    }

    /// The speech fixtures at -14 LUFS: with the leveler they need at most 6 dB of limiting and
    /// still meet the target (libebur128), where they need 5 and 11 dB without it.
    @Test(arguments: ["ltx-like-24k-stereo.wav", "speech-22k-mono.wav"])
    func theLevelerSparesTheLimiterOnSpeech(_ name: String) throws {
        let dir = try TemporaryFolder("policy-leveler")
        defer { dir.remove() }
        let input = Repository.fixtures + "/" + name
        let plain = try files(try LTXAudioBinary.run(["master", input, "-o", dir.file("plain.flac"), "--json"]))[0]
        let r = try LTXAudioBinary.run(["master", input, "-o", dir.file("leveled.flac"), "--leveler", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let f = try files(r)[0]
        let limiting = f["limiter_reduction_db"] as! Double
        #expect(limiting <= 6, "\(name): \(limiting) dB of limiting with the leveler")
        #expect(limiting < plain["limiter_reduction_db"] as! Double)
        #expect((f["leveler_reduction_db"] as! Double) > 0 && f["leveler_average_reduction_db"] is Double)
        let reader = try SoundFileReader(path: dir.file("leveled.flac"))
        let oracle = LibEbur128Figures(channels: try reader.readAll().channels, format: reader.info.format)
        #expect(abs(oracle.integrated - -14) <= 0.1, "libebur128: \(oracle.integrated)")
        #expect(oracle.truePeak.allSatisfy { Decibels(amplitude: $0).value <= -1 })
    }

    @Test func thePodcastPresetLevelsAndTheTableSaysSo() throws {
        let dir = try TemporaryFolder("policy-podcast")
        defer { dir.remove() }
        let r = try LTXAudioBinary.run(["master", Repository.fixtures + "/speech-22k-mono.wav", "-o", dir.file("out.flac"), "--preset", "podcast"])
        #expect(r.status == 0, "\(r.stderr)")
        let header = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("file") })
        #expect(header.contains("limit") && header.contains("level") && header.contains("LRA in->out"))
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("speech-22k-mono.wav") })
        let cells = row.split(separator: " ", omittingEmptySubsequences: true)
        #expect(cells[cells.count - 3].contains("/"), "the leveler's largest/average reduction: \(row)")
    }
}
