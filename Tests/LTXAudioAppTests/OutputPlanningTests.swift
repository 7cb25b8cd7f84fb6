import AudioCore
import AudioIO
import Foundation
import LTXAudioApp
import Mastering
import Testing
import TestSupport

/// The app layer in-process: discovery, output planning, encoding choice, the report's words.
@Suite struct OutputPlanningTests {
    /// Writes a short tone file; the encoding decides the container and depth.
    @discardableResult
    func writeTone(_ path: String, container: Container = .wav, bitDepth: Int? = 16, rate: Int = 48_000, channels: Int = 2) throws -> String {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let format = AudioFormat(sampleRate: rate, channelCount: channels)
        let writer = try SoundFileWriter(path: path, format: format, encoding: try OutputEncoding(container: container, bitDepth: bitDepth))
        try writer.write(TestTone.sine(frequency: 440, amplitude: 0.25, frames: rate / 2, sampleRate: rate, channels: channels))
        try writer.commit()
        return path
    }

    func info(_ path: String) throws -> SoundFileInfo {
        let r = try SoundFileReader(path: path)
        defer { r.close() }
        return r.info
    }

    @Test func discoveryWalksFoldersAndSkipsWhatIsNotAnInput() throws {
        let dir = try TemporaryFolder("discovery")
        defer { dir.remove() }
        try writeTone(dir.file("in/a.wav"))
        try writeTone(dir.file("in/sub/b.flac"), container: .flac)
        try writeTone(dir.file("in/.hidden.wav"))
        try writeTone(dir.file("in/out/old.wav"))  // the output folder inside the input
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir.file("in/notes.txt")))
        try Data("RIFF".utf8).write(to: URL(fileURLWithPath: dir.file("in/broken.wav")))
        try Data().write(to: URL(fileURLWithPath: dir.file("in/.ltx-audio-tmp-1-1-x.wav")))
        let (files, problems) = InputDiscovery(excluding: dir.file("in/out")).discover([dir.file("in"), dir.file("missing.wav")])
        #expect(files.map(\.relativePath) == ["a.wav", "broken.wav", "sub/b.flac", "missing.wav"])
        #expect(problems.isEmpty, "a missing file named on the command line is the reader's error to give")
    }

    @Test func outputsMirrorTheInputsAndTheEncodingFollowsTheRules() throws {
        let dir = try TemporaryFolder("planning")
        defer { dir.remove() }
        let a = try writeTone(dir.file("in/a.wav"), bitDepth: 16)
        let b = try writeTone(dir.file("in/sub/b.flac"), container: .flac, bitDepth: 24, rate: 44_100)
        let c = try writeTone(dir.file("in/c.ogg"), container: .vorbis, bitDepth: nil)
        let d = try writeTone(dir.file("in/d.wav"), bitDepth: 32)
        let inputs = [InputFile(path: a, relativePath: "a.wav"), InputFile(path: b, relativePath: "sub/b.flac"),
                      InputFile(path: c, relativePath: "c.ogg"), InputFile(path: d, relativePath: "d.wav")]
        let jobs = OutputPlanner.plan(inputs, output: dir.file("out"), outputIsFile: false, settings: MasterSettings())
        #expect(jobs.allSatisfy { $0.decided == nil }, "\(jobs.compactMap(\.decided?.error))")
        #expect(jobs.map(\.output) == [dir.file("out/a.wav"), dir.file("out/sub/b.flac"), dir.file("out/c.ogg"), dir.file("out/d.wav")])
        #expect(jobs.map(\.encoding?.bitDepth) == [16, 24, nil, 32], "each input's own depth in its own container")

        var flac = MasterSettings()
        flac.container = .flac
        let asFlac = OutputPlanner.plan(inputs, output: dir.file("out"), outputIsFile: false, settings: flac)
        #expect(asFlac.map(\.encoding?.container) == [.flac, .flac, .flac, .flac])
        #expect(asFlac.map(\.encoding?.bitDepth) == [24, 24, 24, 24], "another container: 24 bits (FLAC has no float)")
    }

    @Test func clashesAnOutputThatIsTheInputAndExistingOutputsAreDecidedUpFront() throws {
        let dir = try TemporaryFolder("clashes")
        defer { dir.remove() }
        let x = try writeTone(dir.file("one/take.wav"))
        let y = try writeTone(dir.file("two/take.wav"))
        let jobs = OutputPlanner.plan([InputFile(path: x, relativePath: "take.wav"), InputFile(path: y, relativePath: "take.wav")],
                                      output: dir.file("out"), outputIsFile: false, settings: MasterSettings())
        #expect(jobs[0].decided == nil)
        #expect(jobs[1].decided?.status == .failed)
        #expect(jobs[1].decided?.error?.contains("\(x) already writes \(dir.file("out/take.wav"))") == true)

        let same = OutputPlanner.plan([InputFile(path: x, relativePath: "take.wav")], output: x, outputIsFile: true, settings: MasterSettings())
        #expect(same[0].decided?.error?.contains("the output would replace the input") == true)

        try writeTone(dir.file("out/take.wav"))
        let again = OutputPlanner.plan([InputFile(path: x, relativePath: "take.wav")], output: dir.file("out"), outputIsFile: false,
                                       settings: MasterSettings())
        #expect(again[0].decided?.status == .skipped && again[0].decided?.note?.contains("--overwrite") == true)
        var overwrite = MasterSettings()
        overwrite.overwrite = true
        #expect(OutputPlanner.plan([InputFile(path: x, relativePath: "take.wav")], output: dir.file("out"), outputIsFile: false,
                                   settings: overwrite)[0].decided == nil)
    }

    @Test func aFileOutputTakesItsFormatFromTheExtension() throws {
        let dir = try TemporaryFolder("file-output")
        defer { dir.remove() }
        let x = try writeTone(dir.file("take.wav"))
        let input = [InputFile(path: x, relativePath: "take.wav")]
        let mp3 = OutputPlanner.plan(input, output: dir.file("take.mp3"), outputIsFile: true, settings: MasterSettings())
        #expect(mp3[0].encoding?.container == .mp3 && mp3[0].encoding?.bitDepth == nil)
        let unknown = OutputPlanner.plan(input, output: dir.file("take.xyz"), outputIsFile: true, settings: MasterSettings())
        #expect(unknown[0].decided?.error?.contains("unknown output format .xyz") == true)
        var wav = MasterSettings()
        wav.container = .wav
        let contradiction = OutputPlanner.plan(input, output: dir.file("take.flac"), outputIsFile: true, settings: wav)
        #expect(contradiction[0].decided?.error?.contains("contradicts the .flac extension") == true)
    }

    @Test func outputIsAFileOnlyForOneInputFile() throws {
        let dir = try TemporaryFolder("output-kind")
        defer { dir.remove() }
        let x = try writeTone(dir.file("take.wav"))
        #expect(try MasterCommand.outputIsFile(inputs: [x], output: dir.file("out.flac")))
        #expect(try !MasterCommand.outputIsFile(inputs: [x], output: dir.file("out/")))
        #expect(try !MasterCommand.outputIsFile(inputs: [x], output: dir.file("out")))
        #expect(throws: UsageError.self) { try MasterCommand.outputIsFile(inputs: [x, x], output: dir.file("out.flac")) }
        #expect(throws: UsageError.self) { try MasterCommand.outputIsFile(inputs: [dir.path], output: dir.file("out.wav")) }
    }

    @Test func theMasteringOfOneFileReportsWhatTheLibraryMeasured() throws {
        let dir = try TemporaryFolder("one-file")
        defer { dir.remove() }
        let x = try writeTone(dir.file("take.wav"), bitDepth: 24)
        var settings = MasterSettings()
        settings.target = Preset.broadcast.target
        let report = FileMasteringRun.master(input: x, output: dir.file("take.flac"), settings: settings)
        #expect(report.status == .mastered, "\(report.error ?? "")")
        #expect(abs((report.after?.integratedLUFS ?? 0) - -23) <= 0.1)
        #expect(report.withinTolerance == true && report.targetReached == true && report.outputSampleRate == 48_000)
        #expect(report.outputFormat == "FLAC 24-bit")
        let again = FileMasteringRun.master(input: x, output: dir.file("take.flac"), settings: settings)
        #expect(again.status == .skipped)
    }

    @Test func warningsAreWordedWithTheOptionsThatChangeThem() {
        #expect(FileMasteringRun.describe(.gainCapped(needed: Decibels(40), target: LUFS(-14), maxGain: Decibels(30)))
                == "needs +40.0 dB to reach -14.0 LUFS, more than --max-gain 30.0 dB; left quieter than the target")
        #expect(FileMasteringRun.describe(.loudnessUnmeasurable).contains("cannot be measured"))
        #expect(FileMasteringRun.describe(.nothingToTrim(threshold: Decibels(-50))).contains("nothing was trimmed"))
        #expect(FileMasteringRun.describe(.truePeakOverCeiling(measured: Decibels(-0.5), ceiling: Decibels(-1)))
                == "true peak -0.50 dBTP is over the -1.0 dBTP ceiling")
    }

    @Test func theTableMarksUnreachableAndOutOfToleranceFiles() {
        var ok = MasterFileReport(path: "a.wav", output: "o/a.wav", status: .mastered)
        ok.withinTolerance = true
        ok.targetReached = true
        var star = ok
        star.path = "b.wav"
        star.targetReached = false
        var out = ok
        out.path = "c.wav"
        out.withinTolerance = false
        let rows = MasterCommand.table([ok, star, out]).split(separator: "\n")
        #expect(rows.count == 4)
        #expect(rows[1].hasSuffix("  ok") && rows[2].hasSuffix("ok*") && rows[3].hasSuffix("OUT"))
    }
}
