import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// `ltx-audio master` run as a user would, checking the files it writes.
@Suite struct MasterCommandTests {
    let goodFixtures = ["ltx-like-24k-stereo.wav", "music-44k-stereo.flac", "music-44k-stereo.mp3",
                        "music-44k-stereo.ogg", "speech-22k-mono.wav"]

    func decode(_ path: String) throws -> (SoundFileInfo, AudioBlock) {
        let r = try SoundFileReader(path: path)
        return (r.info, try r.readAll())
    }

    func checksum(_ folder: String) throws -> [String: Data] {
        var sums: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: folder) {
            var isDir: ObjCBool = false
            let p = folder + "/" + name
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue {
                sums[name] = try Data(contentsOf: URL(fileURLWithPath: p))
            }
        }
        return sums
    }

    @Test func fixturesFolderMastersGoodFilesAndNamesBadOnes() throws {
        let out = try TemporaryFolder("master-fixtures")
        defer { out.remove() }
        let before = try checksum(Repository.fixtures)
        // Decode, resample, encode only (the loudness chain has its own tests), so lengths are exact.
        let r = try LTXAudioBinary.run(["master", Repository.fixtures, "-o", out.path + "/", "--preset", "none", "--no-trim"])
        #expect(r.status == 1, "a bad input makes the exit status non-zero")
        for bad in ["empty.wav: empty file", "not-audio.wav: not an audio file", "truncated.wav: truncated"] {
            #expect(r.stderr.contains("bad/" + bad), "stderr names \(bad)")
        }
        #expect(r.stdout.contains("5 mastered, 0 skipped, 3 failed"))
        #expect(out.contents().sorted() == goodFixtures.sorted(), "one output per good fixture, nothing else")
        for name in goodFixtures {
            let (info, samples) = try decode(out.file(name))
            let (inInfo, inSamples) = try decode(Repository.fixtures + "/" + name)
            #expect(info.format.sampleRate == 48000, "\(name) at 48 kHz")
            #expect(info.format.channelCount == inInfo.format.channelCount)
            #expect(info.container == inInfo.container, "\(name) keeps its own format")
            let expected = Double(inSamples.frameCount) * 48000 / Double(inInfo.format.sampleRate)
            // Lossy re-encoding adds codec delay/padding; PCM and FLAC are exact.
            let slack = info.container!.isLossy ? 4000.0 : 0.5
            #expect(abs(Double(samples.frameCount) - expected) <= slack, "\(name): \(samples.frameCount) frames vs \(expected)")
            #expect(info.tags[.software]?.hasPrefix("ltx-audio") == true || info.container == .mp3)
        }
        #expect(try checksum(Repository.fixtures) == before, "inputs are never modified")
    }

    @Test func singleFileToFileWithBitDepth() throws {
        let out = try TemporaryFolder("master-one")
        defer { out.remove() }
        let target = out.file("take.flac")
        let r = try LTXAudioBinary.run(["master", Repository.fixtures + "/ltx-like-24k-stereo.wav", "-o", target, "--bit-depth", "24",
                                        "--preset", "none", "--no-trim"])
        #expect(r.status == 0, "\(r.stderr)")
        let (info, samples) = try decode(target)
        #expect(info.container == .flac && info.bitDepth == 24 && info.format.sampleRate == 48000)
        let (_, input) = try decode(Repository.fixtures + "/ltx-like-24k-stereo.wav")
        #expect(samples.frameCount == input.frameCount * 2)
        // The level survives resampling: compare RMS of the whole clip within 0.05 dB.
        let ratio = TestTone.rms(samples.channel(0)) / TestTone.rms(input.channel(0))
        #expect(abs(20 * log10(ratio)) < 0.05)
    }

    @Test func rerunSkipsExistingOutputsUnlessOverwrite() throws {
        let out = try TemporaryFolder("master-rerun")
        defer { out.remove() }
        let input = Repository.fixtures + "/speech-22k-mono.wav"
        #expect(try LTXAudioBinary.run(["master", input, "-o", out.path + "/"]).status == 0)
        let path = out.file("speech-22k-mono.wav")
        let first = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        let again = try LTXAudioBinary.run(["master", input, "-o", out.path + "/", "--sample-rate", "44100"])
        #expect(again.status == 0, "a skip does not fail the run")
        #expect(again.stdout.contains("skipped") && again.stdout.contains("--overwrite"))
        #expect(try decode(path).0.format.sampleRate == 48000, "the existing output is untouched")
        usleep(20_000)
        let forced = try LTXAudioBinary.run(["master", input, "-o", out.path + "/", "--sample-rate", "44100", "--overwrite"])
        #expect(forced.status == 0)
        #expect(try decode(path).0.format.sampleRate == 44100)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date) > first)
        #expect(out.contents() == ["speech-22k-mono.wav"])
    }

    @Test func sameOutputNameIsAnErrorForTheSecond() throws {
        let dir = try TemporaryFolder("master-clash")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("in"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repository.fixtures + "/music-44k-stereo.flac", toPath: dir.file("in/song.flac"))
        try FileManager.default.copyItem(atPath: Repository.fixtures + "/music-44k-stereo.ogg", toPath: dir.file("in/song.ogg"))
        let r = try LTXAudioBinary.run(["master", dir.file("in"), "-o", dir.file("out"), "--format", "flac"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("in/song.ogg") && r.stderr.contains("already writes"))
        #expect(FileManager.default.fileExists(atPath: dir.file("out/song.flac")))
    }

    @Test func outputFolderInsideInputIsNotPickedUpAndLoopsDoNotHang() throws {
        let dir = try TemporaryFolder("master-nested")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repository.fixtures + "/speech-22k-mono.wav", toPath: dir.file("a.wav"))
        try FileManager.default.copyItem(atPath: Repository.fixtures + "/music-44k-stereo.ogg", toPath: dir.file("sub/b.ogg"))
        try "notes".write(toFile: dir.file("sub/readme.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir.file("sub/loop"), withDestinationPath: dir.path)
        for _ in 0..<2 {
            let r = try LTXAudioBinary.run(["master", dir.path, "-o", dir.file("mastered"), "--json"], timeout: 60)
            #expect(r.status == 0, "\(r.stderr)")
            let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            let files = doc["files"] as! [[String: Any]]
            #expect(files.map { $0["path"] as! String }.map { ($0 as NSString).lastPathComponent } == ["a.wav", "b.ogg"])
        }
        #expect(FileManager.default.fileExists(atPath: dir.file("mastered/a.wav")))
        #expect(FileManager.default.fileExists(atPath: dir.file("mastered/sub/b.ogg")))
        #expect(!FileManager.default.fileExists(atPath: dir.file("mastered/mastered")))
    }

    @Test func jsonDescribesEveryInput() throws {
        let out = try TemporaryFolder("master-json")
        defer { out.remove() }
        let r = try LTXAudioBinary.run(["master", Repository.fixtures + "/bad/empty.wav",
                                        Repository.fixtures + "/speech-22k-mono.wav", "-o", out.path, "--json", "--jobs", "1"])
        #expect(r.status == 1)
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let files = doc["files"] as! [[String: Any]]
        #expect(files.count == 2)
        #expect(files[0]["status"] as? String == "failed")
        #expect((files[0]["error"] as? String)?.contains("empty.wav: empty file") == true)
        #expect(files[1]["status"] as? String == "mastered")
        #expect(files[1]["output_sample_rate"] as? Int == 48000)
        #expect((doc["summary"] as! [String: Any])["failed"] as? Int == 1)
    }

    @Test func impossibleCombinationsAreRefusedUpFront() throws {
        let out = try TemporaryFolder("master-refuse")
        defer { out.remove() }
        let input = Repository.fixtures + "/speech-22k-mono.wav"
        let opus = try LTXAudioBinary.run(["master", input, "-o", out.file("x.opus"), "--sample-rate", "44100"])
        #expect(opus.status == 64, "a usage error, before any work")
        #expect(opus.stderr.contains("x.opus") && opus.stderr.contains("48 kHz"))
        let unknown = try LTXAudioBinary.run(["master", input, "-o", out.file("x.xyz")])
        #expect(unknown.status == 64 && unknown.stderr.contains("unknown output format .xyz"))
        let many = try LTXAudioBinary.run(["master", input, input, "-o", out.file("x.flac")])
        #expect(many.status == 64 && many.stderr.contains("need an output folder"))
        let badRate = try LTXAudioBinary.run(["master", input, "-o", out.path, "--sample-rate", "0"])
        #expect(badRate.status == 64 && badRate.stderr.contains("--sample-rate"))
        #expect(out.contents().isEmpty, "nothing written")
    }

    @Test func unwritableOutputNamesTheFileAndLeavesNothing() throws {
        let dir = try TemporaryFolder("master-unwritable")
        defer { dir.remove() }
        try "a file, not a folder".write(toFile: dir.file("blocker"), atomically: true, encoding: .utf8)
        let r = try LTXAudioBinary.run(["master", Repository.fixtures + "/speech-22k-mono.wav", "-o", dir.file("blocker/out.wav")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("speech-22k-mono.wav"))
        #expect(dir.contents() == ["blocker"])
    }

    @Test func parallelAndSerialRunsAgree() throws {
        let a = try TemporaryFolder("master-j1"), b = try TemporaryFolder("master-j2")
        defer { a.remove(); b.remove() }
        let inputs = goodFixtures.map { Repository.fixtures + "/" + $0 }
        #expect(try LTXAudioBinary.run(["master"] + inputs + ["-o", a.path, "--jobs", "1", "--quality", "fast"]).status == 0)
        #expect(try LTXAudioBinary.run(["master"] + inputs + ["-o", b.path, "--jobs", "4", "--quality", "fast"]).status == 0)
        for name in goodFixtures where !name.hasSuffix(".mp3") && !name.hasSuffix(".ogg") {
            #expect(try decode(a.file(name)).1.channels == decode(b.file(name)).1.channels)
        }
    }
    @Test func outputFolderThatIsTheInputFolderIsAUsageError() throws {
        let dir = try TemporaryFolder("master-same-folder")
        defer { dir.remove() }
        try FileManager.default.copyItem(atPath: Repository.fixtures + "/speech-22k-mono.wav", toPath: dir.file("a.wav"))
        for output in [dir.path, dir.path + "/", dir.path + "/."] {
            let r = try LTXAudioBinary.run(["master", dir.path, "-o", output, "--format", "flac"])
            #expect(r.status == 64, "\(r.stderr)")
            #expect(r.stderr.contains("is the input folder") && r.stderr.contains("choose another output folder"))
        }
        #expect(dir.contents() == ["a.wav"], "nothing written")
    }
}
