import AudioCore
import AudioIO
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

    @Test func killedBatchLeavesCompleteOutputsAndARerunFinishesTheRest() throws {
        let dir = try TemporaryFolder("crash-batch")
        defer { dir.remove() }
        let input = dir.file("in"), output = dir.file("out")
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let names = (0..<Self.count).map { String(format: "take-%02d.wav", $0) }
        for (i, name) in names.enumerated() {
            let x = Signal.sine(frequency: 220 + 20 * Double(i), amplitude: 0.2, sampleRate: Self.rate, frames: Self.frames)
            let w = try SoundFileWriter(path: dir.file("in/" + name), format: AudioFormat(sampleRate: Self.rate, channelCount: 2),
                                        encoding: OutputEncoding(container: .wav, bitDepth: 16))
            try w.write(AudioBlock(channels: [x, x.map { $0 * 0.5 }]))
            try w.commit()
        }
        // No trimming, so every complete output has exactly 2 × the input's frames (24 → 48 kHz).
        let args = ["master", input, "-o", output, "--jobs", "1", "--no-trim", "--json"]
        let expectedFrames = Self.frames * 2

        // Start, wait for the first outputs, kill.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LTXAudioBinary.path)
        process.arguments = args
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        func finals() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        }
        func writing() -> Bool {
            ((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []).contains { $0.hasPrefix(SoundFileWriter.temporaryPrefix) }
        }
        // Kill while the next output is being written, so the run leaves a temporary file.
        while process.isRunning && (finals().count < 2 || !writing()) && Date() < deadline { usleep(1_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "killed before it finished the batch")

        let done = finals()
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

    @Test func temporaryFilesOfLiveProcessesAreKept() throws {
        let dir = try TemporaryFolder("crash-live")
        defer { dir.remove() }
        // pid 1 is always running; a pid above the kernel's maximum never is.
        let live = SoundFileWriter.temporaryPrefix + "1-1-live.wav"
        let dead = SoundFileWriter.temporaryPrefix + "2147483646-1-dead.wav"
        let other = ".ltx-audio-tmp-notes.txt"
        for name in [live, dead, other] { try Data("x".utf8).write(to: URL(fileURLWithPath: dir.file(name))) }
        #expect(SoundFileWriter.removeStaleTemporaryFiles(in: dir.path) == [dead])
        #expect(dir.contents() == [other, live].sorted())
        // A writer of this very process holds its file: never removed.
        let w = try SoundFileWriter(path: dir.file("mine.wav"), format: AudioFormat(sampleRate: 8000, channelCount: 1),
                                    encoding: OutputEncoding(container: .wav, bitDepth: 16))
        #expect(SoundFileWriter.removeStaleTemporaryFiles(in: dir.path).isEmpty)
        w.discard()
    }
}
