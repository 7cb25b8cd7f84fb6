import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// `Examples/Ray/ray_master.py` on a local Ray (two CPUs, no dashboard) over the fixtures: every
/// good fixture mastered once, at the target, the bad ones reported as failed, one report.
/// Ray comes from `.build/ray-venv`, which `make suite` creates (see the Makefile's `ray-venv`).
/// (Skipped in the AddressSanitizer run, `LTX_AUDIO_SKIP_EXAMPLE_BUILD=1`: the release suite ran
/// it, and Python under ASan's preloaded runtime proves nothing more.)
@Suite(.enabled(if: ProcessInfo.processInfo.environment["LTX_AUDIO_SKIP_EXAMPLE_BUILD"] == nil))
struct RayExampleTests {
    let python = Repository.root + "/.build/ray-venv/bin/python"
    let script = Repository.root + "/Examples/Ray/ray_master.py"

    /// Runs `python script args...`, output to files; stopped after `timeout` seconds.
    func run(_ args: [String], in dir: TemporaryFolder, timeout: Double) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + args
        var env = ProcessInfo.processInfo.environment
        env["RAY_USAGE_STATS_ENABLED"] = "0"
        env["RAY_DISABLE_IMPORT_WARNING"] = "1"
        process.environment = env
        _ = FileManager.default.createFile(atPath: dir.file("py.out"), contents: nil)
        _ = FileManager.default.createFile(atPath: dir.file("py.err"), contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("py.out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("py.err")))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: dir.file("py.out"), encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: dir.file("py.err"), encoding: .utf8)) ?? "")
    }

    @Test func theScriptMastersTheFixturesOverRayShards() throws {
        try #require(FileManager.default.isExecutableFile(atPath: python),
                     "no Ray virtual environment at .build/ray-venv: run `make ray-venv` (part of `make suite`) to install it")
        let dir = try TemporaryFolder("ray")
        defer { dir.remove() }
        let out = dir.file("out"), report = dir.file("report.json")
        let r = try run([Repository.fixtures, "-o", out, "--shards", "3", "--num-cpus", "2", "--binary", LTXAudioBinary.path,
                         "--report", report], in: dir, timeout: 85)
        #expect(r.status == 1, "the three bad fixtures fail the run: \(r.stdout)\n\(r.stderr.suffix(3000))")
        #expect(r.stdout.contains("8 inputs in 3 shards: 5 mastered, 0 skipped, 3 failed"), "\(r.stdout + r.stderr.suffix(3000))")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        let files = try #require(doc["files"] as? [[String: Any]])
        #expect(files.count == 8, "one entry per input")
        #expect(Set(files.compactMap { $0["path"] as? String }).count == 8, "each input once")
        let shards = try #require(doc["shard_summaries"] as? [[String: Any]])
        #expect(Set(shards.compactMap { $0["shard"] as? String }) == ["1/3", "2/3", "3/3"])
        #expect(shards.compactMap { $0["shard_inputs"] as? Int }.reduce(0, +) == 8)
        for name in ["ltx-like-24k-stereo.wav", "speech-22k-mono.wav", "music-44k-stereo.flac", "music-44k-stereo.mp3", "music-44k-stereo.ogg"] {
            let path = out + "/" + name
            let reader = try SoundFileReader(path: path)
            let oracle = LibEbur128Figures(channels: try reader.readAll().channels, format: reader.info.format)
            let lossy = reader.info.container?.isLossy ?? false
            #expect(abs(oracle.integrated - -14) <= (lossy ? 0.5 : 0.1), "\(name): \(oracle.integrated) LUFS")
            #expect(oracle.truePeakDB <= -1 + (lossy ? 0.5 : 0.001), "\(name): \(oracle.truePeakDB) dBTP")
        }
        for bad in ["bad/empty.wav", "bad/not-audio.wav", "bad/truncated.wav"] {
            #expect(files.contains { ($0["path"] as? String)?.hasSuffix(bad) == true && $0["status"] as? String == "failed" }, "\(bad) failed")
        }
    }
}
