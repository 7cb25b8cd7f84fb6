import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// `master --watch DIR -o OUT`: a running process, files arriving slowly, partial downloads, and
/// stopping it with SIGINT or SIGTERM.
@Suite struct WatchFolderTests {
    /// A running `ltx-audio master --watch`, its output and error going to files.
    final class Watcher {
        let process = Process()
        let out: String, err: String

        init(_ args: [String], logs: TemporaryFolder, polling: Bool) throws {
            out = logs.file("watch.out")
            err = logs.file("watch.err")
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            _ = FileManager.default.createFile(atPath: err, contents: nil)
            process.executableURL = URL(fileURLWithPath: LTXAudioBinary.path)
            process.arguments = args
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
            process.standardInput = FileHandle.nullDevice
            if polling {
                process.environment = ProcessInfo.processInfo.environment.merging(["LTX_AUDIO_WATCH_POLLING": "1"]) { _, new in new }
            }
            try process.run()
        }

        var stdout: String { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: err, encoding: .utf8)) ?? "" }

        /// Waits until `condition` holds, at most `seconds`.
        @discardableResult
        func wait(_ seconds: Double, until condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                usleep(5_000)
            }
            return condition()
        }

        /// Sends `signal` and waits for the exit.
        func stop(_ signal: Int32) -> Int32 {
            kill(process.processIdentifier, signal)
            _ = wait(20) { !process.isRunning }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func tone(seconds: Double, rate: Int = 48_000) -> AudioBlock {
        let x = Signal.sine(frequency: 440, amplitude: 0.1, sampleRate: rate, frames: Int(seconds * Double(rate)))
        return AudioBlock(channels: [x, x])
    }

    /// A 16-bit stereo WAV's bytes.
    static func wavBytes(_ block: AudioBlock, in dir: TemporaryFolder, rate: Int = 48_000) throws -> Data {
        let path = dir.file("source-\(UUID().uuidString).wav")
        let w = try SoundFileWriter(path: path, format: AudioFormat(sampleRate: rate, channelCount: 2),
                                    encoding: OutputEncoding(container: .wav, bitDepth: 16))
        try w.write(block)
        try w.commit()
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    static func temporaries(_ folder: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: folder)) ?? []).filter { $0.contains(".ltx-audio-tmp-") }
    }

    /// inotify with either signal, and the polling used off Linux (forced here by
    /// `LTX_AUDIO_WATCH_POLLING=1`).
    @Test(arguments: [(SIGINT, false), (SIGTERM, false), (SIGINT, true)])
    func picksUpCompleteFilesOnlyAndStopsCleanly(_ signal: Int32, polling: Bool) throws {
        let dir = try TemporaryFolder("watch")
        defer { dir.remove() }
        let inbox = dir.file("inbox"), out = dir.file("out")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        // One waiting before the start; it is mastered first.
        try Self.wavBytes(Self.tone(seconds: 1), in: dir).write(to: URL(fileURLWithPath: inbox + "/early.wav"))
        let watcher = try Watcher(["master", "--watch", inbox, "-o", out, "--jsonl", "--preset", "podcast"], logs: dir, polling: polling)
        defer { if watcher.process.isRunning { watcher.process.terminate() } }
        #expect(watcher.wait(30) { watcher.stderr.contains("watching ") }, "started: \(watcher.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/early.wav"))

        // Written slowly in pieces: not picked up until closed.
        let bytes = try Self.wavBytes(Self.tone(seconds: 2), in: dir)
        _ = FileManager.default.createFile(atPath: inbox + "/slow.wav", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: inbox + "/slow.wav"))
        let third = bytes.count / 3
        for k in 0..<2 {
            try handle.write(contentsOf: bytes[(k * third)..<((k + 1) * third)])
            usleep(400_000)
            #expect(!FileManager.default.fileExists(atPath: out + "/slow.wav"), "nothing before the file is closed")
        }
        try handle.write(contentsOf: bytes[(2 * third)...])
        // A download in progress is never picked up.
        try bytes.write(to: URL(fileURLWithPath: inbox + "/download.wav.part"))
        try handle.close()
        #expect(watcher.wait(30) { FileManager.default.fileExists(atPath: out + "/slow.wav") }, "mastered once closed: \(watcher.stderr)")
        // A bad file is reported and watching goes on.
        try Data("not audio at all".utf8).write(to: URL(fileURLWithPath: inbox + "/broken.wav"))
        #expect(watcher.wait(30) { watcher.stderr.contains("broken.wav") }, "\(watcher.stderr)")
        // Moved in (as a browser finishing a download renames it).
        try Self.wavBytes(Self.tone(seconds: 1), in: dir).write(to: URL(fileURLWithPath: dir.file("moved.wav")))
        try FileManager.default.moveItem(atPath: dir.file("moved.wav"), toPath: inbox + "/moved.wav")
        #expect(watcher.wait(30) { FileManager.default.fileExists(atPath: out + "/moved.wav") }, "\(watcher.stderr)")

        // A long file (about a second's work in release), then the signal while its output is
        // being written: as soon as its temporary file appears.
        try Self.wavBytes(Self.tone(seconds: 60), in: dir).write(to: URL(fileURLWithPath: inbox + "/long.wav"))
        let caught = watcher.wait(120) { !Self.temporaries(out).isEmpty }
        #expect(caught, "the signal arrives while long.wav's output is being written")
        let status = watcher.stop(signal)
        #expect(status == 128 + signal, "exit status \(status)")
        #expect(Self.temporaries(out).isEmpty, "no partial file left: \(Self.temporaries(out))")
        #expect(!FileManager.default.fileExists(atPath: out + "/download.wav"), "the .part file was never mastered")
        for name in (try FileManager.default.contentsOfDirectory(atPath: out)) {
            // Whatever is there is complete: it decodes to its full length.
            let reader = try SoundFileReader(path: out + "/" + name)
            #expect(try reader.readAll().frameCount > 0, "\(name)")
        }
        let lines = watcher.stdout.split(separator: "\n")
        #expect(lines.count >= 3, "a JSON line per file: \(watcher.stdout)")
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line)") }
    }
}
