#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that appear only when complete: written under a hidden temporary name
/// (`.ltx-audio-tmp-<pid>-<n>-<name>`) in the destination folder, flushed to disk, then moved to
/// the final name — by a hard link, which fails if the name exists (no overwrite), or by a
/// rename (overwrite). `SoundFileWriter` places its outputs this way; `write(_:to:overwrite:)`
/// does it for small files (plots).
public enum AtomicFile {
    nonisolated(unsafe) private static var counter = 0
    /// The temporary files this process is writing, for `removeTemporaryFiles()`.
    nonisolated(unsafe) private static var active: Set<String> = []
    /// Set by `removeTemporaryFiles()`: the process is exiting, no new temporary file.
    nonisolated(unsafe) private static var closing = false
    /// Guards `counter`, `active` and `closing`.
    private static let lock = PThreadLock()

    /// Refuses an existing `path` unless `overwrite`, then creates the temporary file for it.
    /// - Returns: the temporary file's path and its open descriptor (read/write, close-on-exec).
    /// - Throws: `.outputExists`, or `.writeFailed` (folder missing or read-only, ...).
    static func createTemporary(for path: String, overwrite: Bool) throws -> (path: String, fd: Int32) {
        if !overwrite && access(path, F_OK) == 0 {
            throw AudioIOError(.outputExists, path: path, "exists already; pass --overwrite to replace it")
        }
        let (dir, base) = SoundFileWriter.split(path)
        // Created and recorded under the lock, so `removeTemporaryFiles()` sees every file.
        let (temporary, fd, err): (String, Int32, Int32) = lock.withLock {
            guard !closing else { return ("", -1, EINTR) }
            counter += 1
            let temporary = (dir.isEmpty ? "" : dir + "/") + SoundFileWriter.temporaryName(pid: getpid(), serial: counter, base: base)
            let fd = open(temporary, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o666)
            if fd >= 0 { active.insert(temporary) }
            return (temporary, fd, errno)
        }
        if fd < 0 {
            throw AudioIOError(.writeFailed, path: path, "cannot create the output in \(dir.isEmpty ? "." : dir): \(String(cString: strerror(err)))")
        }
        return (temporary, fd)
    }

    /// Removes `temporary`, a file made by `createTemporary`, when it is abandoned.
    static func remove(_ temporary: String) {
        unlink(temporary)
        lock.withLock { _ = active.remove(temporary) }
    }

    /// Removes every temporary file this process is still writing and refuses to create more:
    /// what an interrupted run (Ctrl-C, SIGTERM) does just before it exits, so it leaves only
    /// complete outputs.
    /// - Returns: how many files were removed.
    @discardableResult
    public static func removeTemporaryFiles() -> Int {
        lock.withLock {
            closing = true
            let removed = active.filter { unlink($0) == 0 }.count
            active.removeAll()
            return removed
        }
    }

    /// Moves the finished (closed, flushed) `temporary` file to `path`; the temporary name is
    /// gone afterwards whether this succeeds or throws.
    /// - Throws: `.outputExists` (without `overwrite`, someone created `path` meanwhile) or
    ///   `.writeFailed`.
    static func place(_ temporary: String, at path: String, overwrite: Bool) throws {
        defer { remove(temporary) }
        if overwrite {
            guard rename(temporary, path) == 0 else { throw moveFailed(path) }
            return
        }
        if link(temporary, path) == 0 { return }
        if errno == EEXIST || access(path, F_OK) == 0 {
            throw AudioIOError(.outputExists, path: path, "exists already; pass --overwrite to replace it")
        }
        // Filesystems without hard links: checked above, then rename (not atomic against a
        // racing creator).
        guard rename(temporary, path) == 0 else { throw moveFailed(path) }
    }

    private static func moveFailed(_ path: String) -> AudioIOError {
        AudioIOError(.writeFailed, path: path, "cannot move the finished file into place: \(String(cString: strerror(errno)))")
    }

    /// Writes `bytes` to `path` atomically: a reader sees the old file (or none) or the whole
    /// new one, never a part; a failure leaves nothing behind.
    /// - Throws: `.outputExists` (without `overwrite`) or `.writeFailed`, naming `path`.
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws {
        let (temporary, fd) = try createTemporary(for: path, overwrite: overwrite)
        var failure: AudioIOError?
        let written = bytes.isEmpty || bytes.withUnsafeBytes { FileDescriptorIO.writeAll(fd, $0.baseAddress!, count: $0.count) }
        if !written {
            failure = AudioIOError(.writeFailed, path: path, "cannot write: \(String(cString: strerror(errno)))")
        } else if fsync(fd) != 0 {
            failure = AudioIOError(.writeFailed, path: path, "cannot flush the file to disk: \(String(cString: strerror(errno)))")
        }
        Glibc.close(fd)
        if let failure {
            remove(temporary)
            throw failure
        }
        try place(temporary, at: path, overwrite: overwrite)
    }
}
