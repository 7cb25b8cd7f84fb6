import AudioCore
import AudioIO
import FileSafety
import Foundation
import Testing
import TestSupport

/// Killing `master` (SIGKILL) in the middle of a folder leaves only complete outputs under their
/// final names; running the same command again removes the dead run's temporary file, finishes
/// the rest without redoing what is done, and `--overwrite` redoes everything.
@Suite struct CrashSafeBatchTests {
    static let count = 20
    static let rate = 24000
    static let frames = 4 * 24000  // 4 s each, so a batch takes several seconds with --jobs 1

    func json(_ stdout: String) throws -> [String: String] {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        var status: [String: String] = [:]
        for f in try #require(doc["files"] as? [[String: Any]]) {
            status[((f["path"] as! String) as NSString).lastPathComponent] = f["status"] as? String
        }
        return status
    }

    func decodedFrames(_ path: String) throws -> Int {
        let r = try SoundFileReader(path: path)
        var block = AudioBlock(channelCount: r.format.channelCount, capacity: 8192)
        var n = 0
        while try r.read(into: &block) > 0 { n += block.frameCount }
        return n
    }

    func modificationDate(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
    }

    /// Writes the batch's inputs into `dir/in`; returns their names.
    func makeInputs(in dir: TemporaryFolder) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir.file("in"), withIntermediateDirectories: true)
        let names = (0..<Self.count).map { String(format: "take-%02d.wav", $0) }
        for (i, name) in names.enumerated() {
            let x = Signal.sine(frequency: 220 + 20 * Double(i), amplitude: 0.2, sampleRate: Self.rate, frames: Self.frames)
            let w = try SoundFileWriter(path: dir.file("in/" + name), format: AudioFormat(sampleRate: Self.rate, channelCount: 2),
                                        encoding: OutputEncoding(container: .wav, bitDepth: 16))
            try w.write(AudioBlock(channels: [x, x.map { $0 * 0.5 }]))
            try w.commit()
        }
        return names
    }

    /// The finished outputs in `output` (hidden files aside).
    func finals(_ output: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Starts the binary with `args`, waits until `output` holds two finished outputs and a
    /// temporary file being written, sends `signal`, and waits for the process to end.
    func interrupt(_ args: [String], output: String, with signal: Int32) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LTXAudioBinary.path)
        process.arguments = args
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        func writing() -> Bool {
            ((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []).contains { $0.hasPrefix(SoundFileWriter.temporaryPrefix) }
        }
        while process.isRunning && (finals(output).count < 2 || !writing()) && Date() < deadline { usleep(1_000) }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process
    }

    @Test func killedBatchLeavesCompleteOutputsAndARerunFinishesTheRest() throws {
        let dir = try TemporaryFolder("crash-batch")
        defer { dir.remove() }
        let input = dir.file("in"), output = dir.file("out")
        let names = try makeInputs(in: dir)
        // No trimming, so every complete output has exactly 2 × the input's frames (24 → 48 kHz).
        let args = ["master", input, "-o", output, "--jobs", "1", "--no-trim", "--json"]
        let expectedFrames = Self.frames * 2

        // Kill while the next output is being written, so the run leaves a temporary file.
        let process = try interrupt(args, output: output, with: SIGKILL)
        #expect(process.terminationReason == .uncaughtSignal, "killed before it finished the batch")

        let done = finals(output)
        #expect(done.count >= 2 && done.count < Self.count, "done when killed: \(done.count)")
        for name in done {
            #expect(try decodedFrames(output + "/" + name) == expectedFrames, "\(name) is complete")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasPrefix(".") }
        #expect(leftovers.count == 1, "the one file being written: \(leftovers)")
        for name in leftovers {
            #expect(name.hasPrefix(SoundFileWriter.temporaryPrefix + "\(process.processIdentifier)-"), "\(name)")
        }
        let doneDates = try Dictionary(uniqueKeysWithValues: done.map { ($0, try modificationDate(output + "/" + $0)) })

        // The same command again: finishes the rest, skips what is done, removes the leftover.
        let again = try LTXAudioBinary.run(args, timeout: 120)
        #expect(!again.signaled && again.status == 0, "\(again.stderr)")
        let status = try json(again.stdout)
        for name in names {
            #expect(status[name] == (done.contains(name) ? "skipped" : "mastered"), "\(name): \(status[name] ?? "-")")
        }
        #expect(again.stderr.contains("removed 1 temporary file left in \(output) by an interrupted run"), "\(again.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).sorted() == names, "all outputs, nothing hidden")
        for name in names { #expect(try decodedFrames(output + "/" + name) == expectedFrames, "\(name)") }
        for (name, date) in doneDates { #expect(try modificationDate(output + "/" + name) == date, "\(name) not redone") }

        // --overwrite redoes everything.
        let forced = try LTXAudioBinary.run(args + ["--overwrite"], timeout: 120)
        #expect(!forced.signaled && forced.status == 0, "\(forced.stderr)")
        #expect(try json(forced.stdout).values.allSatisfy { $0 == "mastered" })
        for (name, date) in doneDates { #expect(try modificationDate(output + "/" + name) > date, "\(name) redone") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).sorted() == names)
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func anInterruptedBatchRemovesWhatItWasWriting(_ signal: Int32) throws {
        let dir = try TemporaryFolder("interrupted-batch")
        defer { dir.remove() }
        let output = dir.file("out")
        _ = try makeInputs(in: dir)
        let process = try interrupt(["master", dir.file("in"), "-o", output, "--jobs", "2", "--no-trim"],
                                    output: output, with: signal)
        #expect(process.terminationReason == .exit && process.terminationStatus == 128 + signal,
                "exits with 128 + signal: \(process.terminationReason) \(process.terminationStatus)")
        let done = finals(output)
        #expect(done.count >= 2 && done.count < Self.count, "done when interrupted: \(done.count)")
        for name in done { #expect(try decodedFrames(output + "/" + name) == Self.frames * 2, "\(name) is complete") }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "the files being written are removed: \(hidden)")
    }

    @Test func temporaryFilesOfLiveProcessesAreKept() throws {
        let dir = try TemporaryFolder("crash-live")
        defer { dir.remove() }
        // pid 1 is always running; a pid above the kernel's maximum never is.
        let live = SoundFileWriter.temporaryPrefix + "1-1-live.wav"
        let dead = SoundFileWriter.temporaryPrefix + "2147483646-1-dead.wav"
        // A download of `generate` cut short (FalClient names its partial downloads this way).
        let deadDownload = SoundFileWriter.temporaryPrefix + "2147483646-3735928559-download.part"
        let other = ".ltx-audio-tmp-notes.txt"
        for name in [live, dead, deadDownload, other] { try Data("x".utf8).write(to: URL(fileURLWithPath: dir.file(name))) }
        #expect(FileSafety.removeStaleTemporaryFiles(in: dir.path) == [dead, deadDownload].sorted())
        #expect(dir.contents() == [other, live].sorted())
        // A writer of this very process holds its file: never removed.
        let w = try SoundFileWriter(path: dir.file("mine.wav"), format: AudioFormat(sampleRate: 8000, channelCount: 1),
                                    encoding: OutputEncoding(container: .wav, bitDepth: 16))
        #expect(FileSafety.removeStaleTemporaryFiles(in: dir.path).isEmpty)
        w.discard()
    }
}
