import FileSafety
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct StaleTemporaryFilesTests {
    /// Above the kernel's largest pid: never running.
    static let deadPid: Int32 = 2147483646

    @Test func onlyUnlockedFilesOfDeadProcessesAreRemoved() throws {
        let dir = try TemporaryFolder("fs-stale")
        defer { dir.remove() }
        let dead = TemporaryName.make(pid: Self.deadPid, serial: 1, base: "dead.wav")
        let deadDownload = TemporaryName.make(pid: Self.deadPid, serial: 3735928559, base: "download.part")
        let live = TemporaryName.make(pid: 1, serial: 1, base: "live.wav")  // pid 1 always runs
        let locked = TemporaryName.make(pid: Self.deadPid, serial: 2, base: "locked.wav")
        let others = [".ltx-audio-tmp-notes.txt", "take.wav", ".ltx-audio-tmp-x-1-y.wav", ".hidden"]
        for name in [dead, deadDownload, live, locked] + others { try Files.put("x", at: dir.file(name)) }
        // Not regular files: a folder and a symbolic link with dead owners' names.
        let folder = TemporaryName.make(pid: Self.deadPid, serial: 4, base: "folder")
        try FileManager.default.createDirectory(atPath: dir.file(folder), withIntermediateDirectories: false)
        let link = TemporaryName.make(pid: Self.deadPid, serial: 5, base: "link.wav")
        try FileManager.default.createSymbolicLink(atPath: dir.file(link), withDestinationPath: "take.wav")
        // A writer holds the lock (in another pid namespace its pid may look dead).
        let fd = open(dir.file(locked), O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        defer { close(fd) }

        #expect(removeStaleTemporaryFiles(in: dir.path) == [dead, deadDownload].sorted())
        #expect(dir.contents() == ([live, locked, folder, link] + others).sorted())
        #expect(removeStaleTemporaryFiles(in: dir.path + "/").isEmpty)
    }

    @Test func thisProcesssFilesAreKept() throws {
        let dir = try TemporaryFolder("fs-stale-mine")
        defer { dir.remove() }
        let file = try TemporaryFile(for: dir.file("mine.wav"))
        // Even unlocked, a file named with this process's pid is not stale.
        try Files.put("x", at: dir.file(TemporaryName.make(pid: getpid(), serial: 999_999, base: "mine-too.wav")))
        #expect(removeStaleTemporaryFiles(in: dir.path).isEmpty)
        #expect(dir.contents().count == 2)
        file.discard()
    }

    @Test func aMissingFolderRemovesNothing() {
        #expect(removeStaleTemporaryFiles(in: "/nonexistent-folder-\(getpid())").isEmpty)
    }
}
