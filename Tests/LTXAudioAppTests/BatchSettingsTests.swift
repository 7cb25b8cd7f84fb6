import Foundation
import LTXAudioApp
import Testing
import TestSupport

/// `--shard`, `--files-from` and `--base` in-process: the partition, the list's parsing, the
/// relative paths outputs mirror.
@Suite struct BatchSettingsTests {
    @Test func fnv1a64MatchesItsPublishedVectors() {
        // From the FNV reference test suite (Fowler, Noll, Vo).
        #expect(Shard.hash("") == 0xCBF2_9CE4_8422_2325)
        #expect(Shard.hash("a") == 0xAF63_DC4C_8601_EC8C)
        #expect(Shard.hash("foobar") == 0x8594_4171_F739_67E8)
    }

    @Test func shardsPartitionEveryPathExactlyOnce() throws {
        let paths = (0..<500).map { "folder \($0 % 7)/clip-\($0).wav" }
        let shards = (1...5).map { Shard(index: $0, count: 5) }
        for p in paths { #expect(shards.filter { $0.contains(p) }.count == 1, "\(p)") }
        let sizes = shards.map { s in paths.filter { s.contains($0) }.count }
        #expect(sizes.allSatisfy { $0 > 60 }, "roughly even: \(sizes)")
        #expect(paths.allSatisfy { Shard(index: 1, count: 1).contains($0) })
    }

    @Test(arguments: ["0/3", "4/3", "1/0", "x/y", "3", "1/2/3", "-1/2", "", "/"])
    func malformedShardsSayTheForm(_ text: String) {
        #expect(throws: UsageError.self) { try Shard(parsing: text) }
        do {
            _ = try Shard(parsing: text)
        } catch {
            #expect("\(error)".contains("K/N"), "\(error)")
        }
    }

    @Test func shardParses() throws {
        let s = try Shard(parsing: "2/8")
        #expect(s.index == 2 && s.count == 8 && s.description == "2/8")
    }

    @Test func listsSplitOnLinesOrNULs() {
        let lines = FileList.split(Data("a.wav\n\n  \nb c.wav\r\nd/e.flac".utf8), nullSeparated: false)
        #expect(lines == ["a.wav", "b c.wav", "d/e.flac"])
        let nul = FileList.split(Data("a\nb.wav\u{0}c.wav\u{0}\u{0}".utf8), nullSeparated: true)
        #expect(nul == ["a\nb.wav", "c.wav"])
    }

    @Test func aMissingListIsNamedWithTheReason() {
        #expect(throws: UsageError.self) { try FileList.read("/nonexistent/list.txt", nullSeparated: false) }
    }

    @Test func rebaseMirrorsPathsBelowTheBaseAndNamesOthers() {
        let files = [InputFile(path: "/data/lib/a/b.wav", relativePath: "b.wav"),
                     InputFile(path: "/data/lib/c.wav", relativePath: "c.wav"),
                     InputFile(path: "/data/other/d.wav", relativePath: "d.wav")]
        let (kept, problems) = InputDiscovery.rebase(files, on: "/data/lib/")
        #expect(kept.map(\.relativePath) == ["a/b.wav", "c.wav"])
        #expect(problems.count == 1 && problems[0].path == "/data/other/d.wav" && problems[0].message.contains("outside --base /data/lib/"))
    }
}

/// `MasterCommand` with batch settings, in-process, printing into a captured console.
@Suite struct MasterBatchCommandTests {
    func command(_ inputs: [String], output: String, _ configure: (inout BatchSettings) -> Void) -> (MasterCommand, ConsoleCapture) {
        let capture = ConsoleCapture()
        var settings = MasterSettings()
        settings.target = nil
        settings.trim = nil
        settings.dryRun = true
        var c = MasterCommand(inputs: inputs, output: output, settings: settings, jobs: 2, json: false, console: capture.console)
        configure(&c.batch)
        return (c, capture)
    }

    @Test func jsonLinesAreOnePerInputThenTheSummaryAndNothingElse() throws {
        let dir = try TemporaryFolder("app-jsonl")
        defer { dir.remove() }
        let fixtures = ["speech-22k-mono.wav", "music-44k-stereo.flac"].map { Repository.fixtures + "/" + $0 }
        let (c, capture) = command(fixtures + [dir.file("missing.wav")], output: dir.file("out")) { $0.jsonl = true }
        #expect(try c.run() == 1)
        let lines = capture.standardOutput.split(separator: "\n")
        #expect(lines.count == 4, "\(capture.standardOutput)")
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "\(line)") }
        #expect(lines.last?.hasPrefix("{\"summary\":{") == true)
        #expect(capture.standardError.contains("missing.wav"))
    }

    @Test func contradictionsAreUsageErrors() throws {
        let (both, _) = command([Repository.fixtures], output: "/tmp/never-ltx") { $0.jsonl = true }
        var json = both
        json.json = true
        #expect(throws: UsageError.self) { try json.run() }
        let (file, _) = command([], output: "/tmp/never-ltx/out.flac") { $0.filesFrom = "/dev/null" }
        #expect(throws: UsageError.self) { try file.run() }
        let (base, _) = command([Repository.fixtures], output: "/tmp/never-ltx") { $0.base = "/nonexistent-base" }
        #expect(throws: UsageError.self) { try base.run() }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-ltx"))
    }
}
