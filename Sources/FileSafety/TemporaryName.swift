/// The one name form of this project's temporary files: `.ltx-audio-tmp-<pid>-<serial>-<base>`.
///
/// Hidden (a leading dot), so folder walks skip it; the pid lets a later run recognise a file
/// left by a process that no longer runs (see `removeStaleTemporaryFiles(in:)`); `base` is the
/// final file's name, shortened if needed so that the whole name fits in `maxNameBytes`.
public enum TemporaryName {
    /// The prefix every temporary name starts with.
    public static let prefix = ".ltx-audio-tmp-"

    /// Longest file name most file systems take, in bytes (NAME_MAX).
    public static let maxNameBytes = 255

    /// `.ltx-audio-tmp-<pid>-<serial>-<base>`, with `base` shortened (at a character boundary)
    /// so the name fits in `maxNameBytes`: a 255-byte final name must still get a temporary
    /// file.
    /// - Parameters:
    ///   - pid: the process writing the file (`getpid()`).
    ///   - serial: a number unique within that process.
    ///   - base: the final file's name (no folder).
    /// - Returns: the name, at most `maxNameBytes` bytes of UTF-8 (the base may become empty
    ///   only if the pid and serial alone take all of it, which they cannot).
    public static func make(pid: Int32, serial: Int, base: String) -> String {
        let head = prefix + "\(pid)-\(serial)-"
        var kept = Substring(base)
        while head.utf8.count + kept.utf8.count > maxNameBytes, !kept.isEmpty { kept = kept.dropLast() }
        return head + kept
    }

    /// The pid in a temporary file's name (`.ltx-audio-tmp-<pid>-<serial>-...`).
    /// - Parameter name: a file name (no folder).
    /// - Returns: the pid (positive), or nil when `name` is not of the form `make` produces.
    public static func owner(of name: String) -> Int32? {
        guard name.hasPrefix(prefix) else { return nil }
        let fields = name.dropFirst(prefix.count).split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let pid = Int32(fields[0]), pid > 0, Int(fields[1]) != nil else { return nil }
        return pid
    }

    /// `path`'s folder ("" when it has none, "/" for the root) and last component.
    package static func split(_ path: String) -> (folder: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }

    /// The next serial of this process: unique across every registry, so two temporary files
    /// of one process never share a name.
    package static func nextSerial() -> Int {
        serialLock.withLock {
            lastSerial += 1
            return lastSerial
        }
    }

    private static let serialLock = PThreadLock()
    /// Guarded by `serialLock`.
    nonisolated(unsafe) private static var lastSerial = 0
}
