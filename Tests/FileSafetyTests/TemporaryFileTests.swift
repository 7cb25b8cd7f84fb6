import FileSafety
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct TemporaryFileTests {
    @Test func aFileAppearsOnlyWhenPlaced() throws {
        let dir = try TemporaryFolder("fs-place")
        defer { dir.remove() }
        let registry = TemporaryFileRegistry()
        let final = dir.file("out.txt")
        let file = try TemporaryFile(for: final, overwrite: false, mode: 0o666, registry: registry)
        // Hidden, beside the final path, named for this process, recorded and locked.
        let name = (file.path as NSString).lastPathComponent
        #expect((file.path as NSString).deletingLastPathComponent == dir.path)
        #expect(TemporaryName.owner(of: name) == getpid())
        #expect(registry.paths == [file.path])
        #expect(!Files.lockIsFree(file.path), "locked while written")
        try file.write(Array("hello ".utf8))
        try file.write(Array("world".utf8))
        #expect(dir.contents() == [name], "nothing under the final name yet")
        try file.place()
        #expect(Files.contents(final) == "hello world")
        #expect(dir.contents() == ["out.txt"])
        #expect(registry.paths.isEmpty)
        #expect(file.fileDescriptor == -1)
    }

    @Test func withoutOverwriteAnExistingFileIsRefusedAndNothingIsLeft() throws {
        let dir = try TemporaryFolder("fs-exists")
        defer { dir.remove() }
        let registry = TemporaryFileRegistry()
        let final = dir.file("out.txt")
        try Files.put("keep me", at: final)
        // Up front.
        let early = #expect(throws: FileSafetyError.self) {
            _ = try TemporaryFile(for: final, overwrite: false, mode: 0o666, registry: registry)
        }
        #expect(early?.code == .exists)
        #expect(early?.path == final)
        #expect(early?.description == "\(final): exists already", "facts only, no command-line flag")
        #expect(dir.contents() == ["out.txt"])

        // And again, atomically, when someone creates it while the file is written.
        let late = dir.file("late.txt")
        let file = try TemporaryFile(for: late, overwrite: false, mode: 0o666, registry: registry)
        try file.write(Array("new".utf8))
        try Files.put("first", at: late)
        let e = #expect(throws: FileSafetyError.self) { try file.place() }
        #expect(e?.code == .exists)
        #expect(Files.contents(late) == "first")
        #expect(dir.contents() == ["late.txt", "out.txt"], "no temporary file left behind")
        #expect(registry.paths.isEmpty)
    }

    @Test func overwriteReplacesTheFileWhole() throws {
        let dir = try TemporaryFolder("fs-overwrite")
        defer { dir.remove() }
        let final = dir.file("out.txt")
        try Files.put("old content, longer than the new", at: final)
        let file = try TemporaryFile(for: final, overwrite: true)
        try file.write(Array("new".utf8))
        #expect(Files.contents(final) == "old content, longer than the new", "untouched until placed")
        try file.place()
        #expect(Files.contents(final) == "new")
        #expect(dir.contents() == ["out.txt"])

        try AtomicFile.write(Array("newer".utf8), to: final, overwrite: true)
        #expect(Files.contents(final) == "newer")
        let e = #expect(throws: FileSafetyError.self) { try AtomicFile.write(Array("x".utf8), to: final, overwrite: false) }
        #expect(e?.code == .exists)
        #expect(Files.contents(final) == "newer")
        #expect(dir.contents() == ["out.txt"])
    }

    @Test func discardAndDeinitRemoveTheTemporaryFile() throws {
        let dir = try TemporaryFolder("fs-discard")
        defer { dir.remove() }
        let registry = TemporaryFileRegistry()
        let file = try TemporaryFile(for: dir.file("a.txt"), overwrite: false, mode: 0o666, registry: registry)
        try file.write(Array("partial".utf8))
        #expect(dir.contents().count == 1)
        file.discard()
        file.discard()  // a second time does nothing
        #expect(dir.contents().isEmpty)
        #expect(registry.paths.isEmpty)

        do {
            let abandoned = try TemporaryFile(for: dir.file("b.txt"), overwrite: false, mode: 0o666, registry: registry)
            try abandoned.write(Array("partial".utf8))
            #expect(dir.contents().count == 1 && dir.contents()[0].hasPrefix(TemporaryName.prefix))
        }
        #expect(dir.contents().isEmpty, "deinit without place removes it")
        #expect(registry.paths.isEmpty)
    }

    @Test func readBackResetAndTheDescriptor() throws {
        let dir = try TemporaryFolder("fs-read")
        defer { dir.remove() }
        let file = try TemporaryFile(for: dir.file("download.part"))
        try file.write(Array("hello world".utf8))
        #expect(try file.read(upTo: 5) == Array("hello".utf8))
        #expect(try file.read(upTo: 100, at: 6) == Array("world".utf8), "fewer bytes at the end of the file")
        #expect(try file.read(upTo: 0) == [])
        try file.reset()
        #expect(try file.read(upTo: 10) == [])
        try file.write(Array("abc".utf8))
        // A library writing to the descriptor (libsndfile's sf_open_fd does) writes the same file.
        let more = Array("def".utf8)
        #expect(more.withUnsafeBytes { pwrite(file.fileDescriptor, $0.baseAddress!, 3, 3) } == 3)
        try file.sync()
        #expect(Files.contents(file.path) == "abcdef", "readable by path before it is placed")
        try file.place()
        #expect(Files.contents(dir.file("download.part")) == "abcdef")
    }

    @Test func modeIsHonoured() throws {
        let dir = try TemporaryFolder("fs-mode")
        defer { dir.remove() }
        let file = try TemporaryFile(for: dir.file("secret.json"), mode: 0o600)
        #expect(Files.mode(file.path) == 0o600)
        try file.place()
        #expect(Files.mode(dir.file("secret.json")) == 0o600)

        try AtomicFile.write(Array("{}".utf8), to: dir.file("journal.json"), overwrite: true, mode: 0o600)
        #expect(Files.mode(dir.file("journal.json")) == 0o600)
        // Replacing keeps the new file's mode, not the old one's.
        try AtomicFile.write(Array("{}".utf8), to: dir.file("plot.svg"), overwrite: false, mode: 0o644)
        try AtomicFile.write(Array("{ }".utf8), to: dir.file("plot.svg"), overwrite: true, mode: 0o600)
        #expect(Files.mode(dir.file("plot.svg")) == 0o600)
        #expect(dir.contents() == ["journal.json", "plot.svg", "secret.json"])
    }

    @Test func aMissingFolderIsAOneLineErrorNamingThePath() {
        let e = #expect(throws: FileSafetyError.self) { try AtomicFile.write([1, 2, 3], to: "/nonexistent-folder/x.svg", overwrite: false) }
        #expect(e?.code == .createFailed)
        #expect(e?.description == "/nonexistent-folder/x.svg: cannot create the output in /nonexistent-folder: No such file or directory")
    }

    @Test(.enabled(if: ReadOnlyFolder.method != nil, "root where mount -t tmpfs is not permitted: no read-only folder"))
    func aReadOnlyFolderIsAOneLineErrorNamingThePath() throws {
        let dir = try TemporaryFolder("fs-readonly")
        defer { dir.remove() }
        let out = dir.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        if ReadOnlyFolder.method == "mount" {
            try #require(ReadOnlyFolder.shell("mount -t tmpfs -o ro,size=1m tmpfs '\(out)'") == 0)
        } else {
            try #require(chmod(out, 0o555) == 0)
        }
        defer { if ReadOnlyFolder.method == "mount" { ReadOnlyFolder.shell("umount '\(out)'") } else { chmod(out, 0o755) } }
        let path = out + "/plot.svg"
        let e = #expect(throws: FileSafetyError.self) { try AtomicFile.write(Array("x".utf8), to: path, overwrite: false, mode: 0o600) }
        #expect(e?.code == .createFailed)
        #expect(e?.path == path)
        let line = e?.description ?? ""
        #expect(line.hasPrefix("\(path): cannot create the output in \(out): "), "\(line)")
        #expect(line.hasSuffix("Read-only file system") || line.hasSuffix("Permission denied"), "\(line)")
        #expect(!line.contains("\n") && !line.contains("--"), "one line, no flag: \(line)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
    }

    @Test func aNameOf255BytesGetsATemporaryFile() throws {
        let dir = try TemporaryFolder("fs-long")
        defer { dir.remove() }
        let name = String(repeating: "\u{E9}", count: 125) + "x.wav"
        let file = try TemporaryFile(for: dir.file(name))
        #expect((file.path as NSString).lastPathComponent.utf8.count <= 255)
        try file.place()
        #expect(dir.contents() == [name])
    }
}
