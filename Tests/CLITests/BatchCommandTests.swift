import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// `master --files-from/--base/--shard/--jsonl/--album` run as a user (or a cluster scheduler)
/// would.
@Suite struct BatchCommandTests {
    /// Twelve short files in a nested folder (a/, a/b/, c/ and the top).
    static let names = ["top1.wav", "top2.wav", "a/one.wav", "a/two.wav", "a/three.wav", "a/b/deep1.wav", "a/b/deep2.wav",
                        "a/b/deep3.wav", "c/x.wav", "c/y.wav", "c/z.wav", "c/w.wav"]

    /// Writes a WAV of `channels` through AudioIO.
    static func writeWav(_ path: String, _ channels: [[Float]], rate: Int) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let w = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: rate, channelCount: channels.count),
                                    encoding: OutputEncoding(container: .wav, bitDepth: 16))
        try w.write(AudioBlock(channels: channels))
        try w.commit()
    }

    static func library(_ dir: TemporaryFolder) throws -> [String] {
        for (i, name) in names.enumerated() {
            let tone = Signal.sine(frequency: 300 + 50 * Double(i), amplitude: 0.2, sampleRate: 16_000, frames: 8000)
            try writeWav(dir.file("lib/" + name), [tone], rate: 16_000)
        }
        return names.map { dir.file("lib/" + $0) }
    }

    static func lines(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(value as? [String: Any], "a JSON object: \(line)")
        }
    }

    @Test func threeShardsCoverANestedFolderOnceWhateverTheOrder() throws {
        let dir = try TemporaryFolder("batch-shards")
        defer { dir.remove() }
        let paths = try Self.library(dir)
        func shard(_ k: Int, list: [String]) throws -> [String] {
            let r = try LTXAudioBinary.run(["master", "--files-from", "-", "--base", dir.file("lib"), "--shard", "\(k)/3",
                                            "--jsonl", "--dry-run", "--preset", "none", "-o", dir.file("out")],
                                           stdin: Data(list.joined(separator: "\n").utf8))
            #expect(r.status == 0, "\(r.stderr)")
            let objects = try Self.lines(r.stdout)
            let summary = try #require(objects.last?["summary"] as? [String: Any])
            #expect(summary["shard"] as? String == "\(k)/3")
            #expect(summary["shard_inputs"] as? Int == objects.count - 1)
            return objects.dropLast().compactMap { $0["path"] as? String }
        }
        let forward = try (1...3).map { try shard($0, list: paths) }
        let backward = try (1...3).map { try shard($0, list: paths.reversed()) }
        #expect(forward.joined().sorted() == paths.sorted(), "every input exactly once: \(forward)")
        #expect(forward.map { Set($0) } == backward.map { Set($0) }, "the same partition in another order")
        #expect(forward.allSatisfy { !$0.isEmpty }, "no empty shard among 12 files: \(forward.map(\.count))")
        // The folder itself, without --base, splits the same way (relative to the folder).
        let viaFolder = try (1...3).map { k -> Set<String> in
            let r = try LTXAudioBinary.run(["master", dir.file("lib"), "--shard", "\(k)/3", "--jsonl", "--dry-run", "--preset", "none",
                                            "-o", dir.file("out")])
            return Set(try Self.lines(r.stdout).dropLast().compactMap { $0["path"] as? String })
        }
        #expect(viaFolder == forward.map { Set($0) })
        let text = try LTXAudioBinary.run(["master", dir.file("lib"), "--shard", "2/3", "--dry-run", "--preset", "none", "-o", dir.file("out")])
        #expect(text.stdout.contains("shard 2/3: \(forward[1].count) of 12 inputs"), "\(text.stdout)")
    }

    @Test func filesFromStdinWithBaseMirrorsPathsAndStreamsJSONLines() throws {
        let dir = try TemporaryFolder("batch-base")
        defer { dir.remove() }
        let paths = try Self.library(dir)
        let listed = Array(paths.prefix(5)) + [dir.file("lib/a/missing.wav")]
        let r = try LTXAudioBinary.run(["master", "--files-from", "-", "--base", dir.file("lib"), "--jsonl", "--preset", "none",
                                        "--no-trim", "-o", dir.file("out")],
                                       stdin: Data(listed.joined(separator: "\n").utf8))
        #expect(r.status == 1, "a missing listed file fails the run: \(r.stderr)")
        #expect(r.stderr.contains("a/missing.wav"), "the missing file is named: \(r.stderr)")
        let objects = try Self.lines(r.stdout)
        #expect(objects.count == listed.count + 1, "one line per input plus the summary")
        #expect(objects.dropLast().allSatisfy { $0["status"] != nil && $0["path"] != nil })
        let summary = try #require(objects.last?["summary"] as? [String: Any])
        #expect(summary["mastered"] as? Int == 5 && summary["failed"] as? Int == 1)
        for name in Self.names.prefix(5) {
            let out = dir.file("out/" + name.replacingOccurrences(of: ".wav", with: ".wav"))
            #expect(FileManager.default.fileExists(atPath: out), "\(out) mirrors lib/\(name)")
        }
        // NUL-separated, from a file; one outside --base is named; existing outputs are skipped.
        let list = dir.file("list0")
        try Data((paths.prefix(6).joined(separator: "\u{0}") + "\u{0}" + dir.file("elsewhere.wav")).utf8).write(to: URL(fileURLWithPath: list))
        try Self.writeWav(dir.file("elsewhere.wav"), [Signal.sine(frequency: 500, amplitude: 0.2, sampleRate: 16_000, frames: 8000)], rate: 16_000)
        let again = try LTXAudioBinary.run(["master", "--files-from", list, "--null", "--base", dir.file("lib"), "--preset", "none",
                                            "--no-trim", "-o", dir.file("out")])
        #expect(again.stdout.contains("1 mastered, 5 skipped, 1 failed"), "\(again.stdout + again.stderr)")
        #expect(again.stderr.contains("elsewhere.wav: is outside --base"), "\(again.stderr)")
        // A missing list is named; the command-line inputs still run.
        let noList = try LTXAudioBinary.run(["master", paths[11], "--files-from", dir.file("nope.txt"), "--preset", "none", "-o", dir.file("out2")])
        #expect(noList.status == 1 && noList.stderr.contains("nope.txt: cannot read the --files-from list: no such file"), "\(noList.stderr)")
        #expect(noList.stdout.contains("1 mastered"), "\(noList.stdout)")
    }

    @Test(arguments: ["0/3", "4/3", "1/0", "x/y"])
    func aBadShardIsAUsageErrorSayingTheForm(_ shard: String) throws {
        let r = try LTXAudioBinary.run(["master", Repository.fixtures, "--shard", shard, "-o", "/tmp/never-written-ltx"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--shard \(shard) is not a shard: give K/N"), "\(r.stderr)")
    }

    @Test func contradictoryOrMissingTargetsAreUsageErrors() throws {
        let dir = try TemporaryFolder("batch-usage")
        defer { dir.remove() }
        let both = try LTXAudioBinary.run(["master", Repository.fixtures, "--json", "--jsonl", "-o", dir.file("o")])
        #expect(both.status == 64 && both.stderr.contains("--jsonl and --json cannot be used together"), "\(both.stderr)")
        let missing = try LTXAudioBinary.run(["master", "--watch", dir.file("nope"), "-o", dir.file("o")])
        #expect(missing.status == 64 && missing.stderr.contains("no such folder"), "\(missing.stderr)")
        let file = try LTXAudioBinary.run(["master", "--watch", Repository.fixtures + "/speech-22k-mono.wav", "-o", dir.file("o")])
        #expect(file.status == 64 && file.stderr.contains("is a file, not a folder"), "\(file.stderr)")
        let none = try LTXAudioBinary.run(["master", "-o", dir.file("o")])
        #expect(none.status == 64 && none.stderr.contains("--files-from"), "\(none.stderr)")
        #expect(dir.contents().isEmpty, "nothing written")
    }

    @Test func anAlbumOfThreeClipsKeepsTheirDifferencesAndMeetsTheTarget() throws {
        let dir = try TemporaryFolder("batch-album")
        defer { dir.remove() }
        let rate = 48_000, n = rate * 4
        // Steady tones (a low crest factor: the limiter stays out) 4 and 10 dB apart.
        let clips = [("quiet.wav", 440.0, 0.03), ("middle.wav", 997.0, 0.05), ("loud.wav", 2000.0, 0.09)]
        for (name, f, a) in clips {
            let tone = Signal.sine(frequency: f, amplitude: a, sampleRate: rate, frames: n)
            try Self.writeWav(dir.file("scene/" + name), [tone, tone], rate: rate)
        }
        try Self.writeWav(dir.file("single/solo.wav"), [Signal.sine(frequency: 440, amplitude: 0.1, sampleRate: rate, frames: n)], rate: rate)
        let r = try LTXAudioBinary.run(["master", dir.file("scene"), dir.file("single"), "--album", "--no-trim", "--json",
                                        "-o", dir.file("out")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("note: --album: \(dir.file("single")) has one file to master"), "\(r.stderr)")
        func measure(_ path: String) throws -> (channels: [[Float]], format: AudioFormat) {
            let reader = try SoundFileReader(path: path)
            return (try reader.readAll().channels, reader.info.format)
        }
        let ins = try clips.map { try measure(dir.file("scene/" + $0.0)) }
        let outs = try clips.map { try measure(dir.file("out/" + $0.0)) }
        let inLoudness = ins.map { LibEbur128Figures(channels: $0.channels, format: $0.format).integrated }
        let outLoudness = outs.map { LibEbur128Figures(channels: $0.channels, format: $0.format).integrated }
        for i in 1..<3 {
            let before = inLoudness[i] - inLoudness[0], after = outLoudness[i] - outLoudness[0]
            #expect(abs(after - before) <= 0.3, "\(clips[i].0) vs \(clips[0].0): \(before) LU before, \(after) after")
        }
        let album = LibEbur128Figures.integratedTogether(outs)
        #expect(abs(album - -14) <= 0.1, "album loudness by libebur128 global_multiple: \(album)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let files = try #require(document["files"] as? [[String: Any]])
        let albums = files.compactMap { $0["album"] as? [String: Any] }
        #expect(albums.count == 3, "each album file has an album field; the single file none")
        let before = LibEbur128Figures.integratedTogether(ins)
        for a in albums {
            #expect(abs((a["before_lufs"] as? Double ?? 0) - before) <= 0.1 && abs((a["after_lufs"] as? Double ?? 0) - album) <= 0.1, "\(a)")
            #expect(a["files"] as? Int == 3)
        }
        let text = try LTXAudioBinary.run(["master", dir.file("scene"), "--album", "--no-trim", "--overwrite", "-o", dir.file("out")])
        #expect(text.stdout.contains("album \(dir.file("scene")): 3 files, "), "\(text.stdout)")
    }
}
