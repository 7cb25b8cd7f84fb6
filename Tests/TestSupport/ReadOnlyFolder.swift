import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Making a folder read-only for the tests that check a write refused there.
public enum ReadOnlyFolder {
    /// How this process can make a folder read-only for itself: `chmod` (not root) or a
    /// read-only tmpfs `mount` (root ignores permissions); nil when neither works.
    public static let method: String? = {
        if getuid() != 0 { return "chmod" }
        guard let dir = try? TemporaryFolder("ro-probe") else { return nil }
        defer { dir.remove() }
        let mounted = shell("mount -t tmpfs -o ro,size=1m tmpfs '\(dir.path)'") == 0
        if mounted { shell("umount '\(dir.path)'") }
        return mounted ? "mount" : nil
    }()

    /// Runs `command` with /bin/sh, output discarded. Returns its exit status (-1: not started).
    @discardableResult
    public static func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
