import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// `Examples/LibraryUse`, a separate package that depends on this one by path the way an app
/// would, holding the README's "Use as a Swift library" snippets: built and run here.
/// (Skipped in the AddressSanitizer run, `LTX_AUDIO_SKIP_EXAMPLE_BUILD=1`: it is the same code
/// built once more, and the point is the package boundary, which the first run checks.)
@Suite(.enabled(if: ProcessInfo.processInfo.environment["LTX_AUDIO_SKIP_EXAMPLE_BUILD"] == nil))
struct LibraryExampleTests {
    let example = Repository.root + "/Examples/LibraryUse"

    /// Runs a program, returning its status and output; it is stopped after `timeout` seconds.
    /// Waits without holding a thread of the concurrency pool (a build takes a minute, and
    /// the other tests' tasks need those threads meanwhile).
    func run(_ executable: String, _ arguments: [String], timeout: Double) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let dir = try TemporaryFolder("library-example-run")
        defer { dir.remove() }
        // Output to files, so neither pipe can fill up while nobody reads it.
        _ = FileManager.default.createFile(atPath: dir.file("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: dir.file("err"), contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("err")))
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { process.terminate() } }
        }
        let out = (try? String(contentsOfFile: dir.file("out"), encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: dir.file("err"), encoding: .utf8)) ?? ""
        return (status, out, err)
    }

    @Test func theExampleHoldsTheReadmeSnippetsVerbatim() throws {
        let readme = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        guard let start = readme.range(of: "## Use as a Swift library") else {
            Issue.record("README has no 'Use as a Swift library' section")
            return
        }
        let section = readme[start.upperBound...].prefix { _ in true }
        let end = section.range(of: "\n## ").map { section[..<$0.lowerBound] } ?? section
        let all = end.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        // A manifest excerpt ("// Package.swift") is checked against the example's manifest.
        let blocks = all.filter { !$0.hasPrefix("// Package.swift") }
        #expect(blocks.count >= 2, "a file snippet and an in-memory snippet")
        let manifest = try String(contentsOfFile: example + "/Package.swift", encoding: .utf8)
        #expect(all.count == blocks.count + 1 && manifest.contains(".product(name: \"LTXAudio\""))
        func lines(_ text: some StringProtocol) -> [String] {
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let program = lines(try String(contentsOfFile: example + "/Sources/LibraryUse/main.swift", encoding: .utf8))
        for block in blocks {
            let snippet = lines(block).filter { !$0.hasPrefix("import ") }
            let found = program.indices.contains { i in
                i + snippet.count <= program.count && Array(program[i..<(i + snippet.count)]) == snippet
            }
            #expect(found, "README snippet not in the example, line for line:\n\(block)")
        }
    }

    @Test func theExampleBuildsAgainstThisPackageAndMastersAFixture() async throws {
        let scratch = Repository.root + "/.build-examples"
        let arguments = ["swift", "build", "--package-path", example, "--scratch-path", scratch]
        // SwiftPM keeps a path dependency's list of source files in its build plan: without the
        // plan, it lists them again (a file added to this package since the last run is seen).
        try? FileManager.default.removeItem(atPath: scratch + "/debug.yaml")
        var build = try await run("/usr/bin/env", arguments, timeout: 900)
        if build.status != 0 && (build.stdout + build.stderr).contains("missing inputs") {
            // A scratch folder from before source files moved: SwiftPM keeps the old list; start afresh.
            try? FileManager.default.removeItem(atPath: scratch)
            build = try await run("/usr/bin/env", arguments, timeout: 900)
        }
        try #require(build.status == 0, "swift build failed:\n\(build.stdout.suffix(3000))\n\(build.stderr.suffix(3000))")
        let dir = try TemporaryFolder("library-example")
        defer { dir.remove() }
        let output = dir.file("take.flac")
        let r = try await run(scratch + "/debug/LibraryUse", [Repository.fixtures + "/ltx-like-24k-stereo.wav", output], timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("mastered \(output): "))
        #expect(r.stdout.contains("integrated -16.0 LUFS"), "the analysis of the written file:\n\(r.stdout)")
        #expect(r.stdout.contains("in memory: ") && r.stdout.contains("-> -14.0 LUFS"))
        #expect(r.stdout.contains("composed: "))
        // The written file, measured by the reference meter.
        let reader = try SoundFileReader(path: output)
        let samples = try reader.readAll()
        let oracle = LibEbur128Figures(channels: samples.channels, format: reader.info.format)
        #expect(abs(oracle.integrated - -16) <= 0.1, "libebur128: \(oracle.integrated) LUFS")
        #expect(oracle.truePeak.allSatisfy { Decibels(amplitude: $0).value <= -1.0 })
        #expect(reader.info.format.sampleRate == 48_000 && reader.info.container == .flac)
    }
}
