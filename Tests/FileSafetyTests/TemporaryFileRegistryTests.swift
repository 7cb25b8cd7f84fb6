import FileSafety
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct TemporaryFileRegistryTests {
    /// A registry of the test's own: emptying it leaves the shared one (and the other tests) alone.
    @Test func removingAllRemovesTheFilesBeingWrittenAndRefusesNewOnes() throws {
        let dir = try TemporaryFolder("fs-registry")
        defer { dir.remove() }
        let registry = TemporaryFileRegistry()
        let a = try TemporaryFile(for: dir.file("a.flac"), overwrite: false, mode: 0o666, registry: registry)
        let b = try TemporaryFile(for: dir.file("b.svg"), overwrite: false, mode: 0o600, registry: registry)
        try a.write(Array("partial".utf8))
        // Placed files are no longer the registry's.
        let c = try TemporaryFile(for: dir.file("c.json"), overwrite: false, mode: 0o666, registry: registry)
        try c.place()
        // A file of the shared registry is not this registry's.
        let other = try TemporaryFile(for: dir.file("other.txt"))
        #expect(registry.paths == [a.path, b.path].sorted())

        #expect(registry.removeAllTemporaryFiles() == 2)
        #expect(registry.isClosed)
        #expect(!FileManager.default.fileExists(atPath: a.path) && !FileManager.default.fileExists(atPath: b.path))
        #expect(dir.contents() == ["c.json", (other.path as NSString).lastPathComponent].sorted())

        let refused = #expect(throws: FileSafetyError.self) {
            _ = try TemporaryFile(for: dir.file("d.flac"), overwrite: false, mode: 0o666, registry: registry)
        }
        #expect(refused?.code == .createFailed)
        #expect(throws: FileSafetyError.self) {
            try AtomicFile.write(Array("x".utf8), to: dir.file("e.json"), overwrite: true, mode: 0o600, registry: registry)
        }
        // The owners may still finish their work without harm: the files stay gone.
        a.discard()
        #expect(throws: FileSafetyError.self) { try b.place() }
        #expect(!FileManager.default.fileExists(atPath: dir.file("b.svg")))

        #expect(!TemporaryFileRegistry.shared.isClosed)
        try other.place()
        #expect(dir.contents() == ["c.json", "other.txt"])
    }

    /// The process-wide function, in a child process (it closes the shared registry for good).
    @Test func theSharedRegistryInAChildProcess() async {
        await #expect(processExitsWith: .success) {
            let dir = try TemporaryFolder("fs-registry-child")
            defer { dir.remove() }
            let file = try TemporaryFile(for: dir.file("out.wav"))
            try file.write(Array("partial".utf8))
            guard removeAllTemporaryFiles() == 1, dir.contents().isEmpty, TemporaryFileRegistry.shared.isClosed else { exit(1) }
            guard (try? AtomicFile.write([1], to: dir.file("plot.svg"), overwrite: false)) == nil, dir.contents().isEmpty else { exit(2) }
            exit(0)
        }
    }
}
