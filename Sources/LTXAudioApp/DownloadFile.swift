import FalClient
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The app's download destination: a temporary file in the output folder, placed under its
/// final name only when complete.
///
/// The temporary file is `.ltx-audio-tmp-<pid>-<n>-download.part` (the form of the mastering
/// writer's temporary files), locked while written, so a download cut short by a killed
/// process is removed by the next run into the folder; it is registered so that SIGTERM,
/// SIGHUP or a second Ctrl-C removes it (``removePartialDownloads()``). ``finish(container:)``
/// links it to `directory/naming(container)` with `link` + `unlink`: the name appears
/// atomically and an existing file is never replaced.
public final class DownloadFile: FalDownloadDestination, @unchecked Sendable {
    /// The temporary file's path.
    public let path: String
    private let directory: String
    private let naming: @Sendable (AudioContainer) -> String
    private let lock = NSLock()
    private var fd: Int32
    private var size = 0

    /// The partial downloads of this process.
    nonisolated(unsafe) private static var active: Set<String> = []
    /// Set once the process is exiting on a signal: no new partial download.
    nonisolated(unsafe) private static var closing = false
    private static let registry = NSLock()

    /// Creates the temporary file in `directory`.
    /// - Parameter naming: the final file name (one path component) for the sniffed container.
    /// - Throws: `FalError` `.fileSystem` when the folder is missing or not writable.
    public init(directory: String, naming: @escaping @Sendable (AudioContainer) -> String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw FalError(.fileSystem, "the destination folder '\(FalText.sanitize(directory, limit: 200))' does not exist")
        }
        let dir = directory.hasSuffix("/") ? directory : directory + "/"
        self.directory = dir
        self.naming = naming
        var lastErrno: Int32 = 0
        for _ in 0..<8 {
            let candidate = dir + ".ltx-audio-tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-download.part"
            // Created and registered under the lock, so `removePartialDownloads()` sees every file.
            let (f, openErrno): (Int32, Int32) = Self.registry.withLock {
                guard !Self.closing else { return (-1, EINTR) }
                let f = open(candidate, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                let openErrno = errno
                if f >= 0 { Self.active.insert(candidate) }
                return (f, openErrno)
            }
            if f >= 0 {
                _ = flock(f, LOCK_EX | LOCK_NB)
                path = candidate
                fd = f
                return
            }
            lastErrno = openErrno
            if lastErrno != EEXIST { break }
        }
        throw FalError(
            .fileSystem, "cannot create a temporary file in '\(FalText.sanitize(directory, limit: 200))': \(String(cString: strerror(lastErrno)))")
    }

    deinit {
        if fd >= 0 { closeDescriptor(fd) }
    }

    /// Removes every partial download of this process and refuses new ones: what an
    /// interrupted run (SIGTERM, SIGHUP, a second Ctrl-C) does just before it exits. The
    /// request stays in fal's queue and in the journal, so `resume` fetches it again.
    /// - Returns: how many files were removed.
    @discardableResult
    public static func removePartialDownloads() -> Int {
        registry.withLock {
            closing = true
            let removed = active.filter { unlink($0) == 0 }.count
            active.removeAll()
            return removed
        }
    }

    private static func forget(_ path: String) {
        _ = registry.withLock { active.remove(path) }
    }

    /// Bytes written since the last reset.
    public var byteCount: Int { lock.withLock { size } }

    /// Appends `bytes` to the temporary file.
    /// - Throws: `FalError` `.fileSystem` (a full disk, a file size limit).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try lock.withLock {
            let e = writeAll(fd, bytes)
            if e != 0 {
                throw FalError(.fileSystem, "writing '\(FalText.sanitize(path, limit: 200))' failed: \(String(cString: strerror(e)))")
            }
            size += bytes.count
        }
    }

    /// Truncates the temporary file (a transfer starts again).
    public func reset() throws {
        try lock.withLock {
            guard size > 0 else { return }
            if ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) < 0 {
                throw FalError(.fileSystem, "cannot reset '\(FalText.sanitize(path, limit: 200))': \(String(cString: strerror(errno)))")
            }
            size = 0
        }
    }

    /// The first `count` bytes written.
    public func head(_ count: Int) throws -> [UInt8] {
        try lock.withLock {
            var buffer = [UInt8](repeating: 0, count: max(count, 0))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
            guard n >= 0 else { throw FalError(.fileSystem, "cannot read back '\(FalText.sanitize(path, limit: 200))'") }
            return Array(buffer.prefix(n))
        }
    }

    /// Flushes, closes and links the file to `directory/naming(container)`; never replaces a file.
    /// - Throws: `.fileExists` when that name is taken, `.fileSystem` otherwise.
    public func finish(container: AudioContainer) throws -> String {
        let name = naming(container)
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw FalError(.fileSystem, "invalid output file name '\(FalText.sanitize(name, limit: 80))'")
        }
        let final = directory + name
        try lock.withLock {
            if fsync(fd) != 0 {
                throw FalError(.fileSystem, "cannot flush '\(FalText.sanitize(path, limit: 200))': \(String(cString: strerror(errno)))")
            }
            closeDescriptor(fd)
            fd = -1
        }
        if link(path, final) != 0 {
            let e = errno
            if e == EEXIST {
                throw FalError(.fileExists, "'\(FalText.sanitize(final, limit: 200))' already exists; it was not overwritten")
            }
            // File systems without hard links: rename, after checking nothing is there.
            guard e == EPERM || e == ENOTSUP || e == EXDEV, access(final, F_OK) != 0, rename(path, final) == 0 else {
                throw FalError(.fileSystem, "cannot create '\(FalText.sanitize(final, limit: 200))': \(String(cString: strerror(e)))")
            }
            Self.forget(path)
            return final
        }
        unlink(path)
        Self.forget(path)
        return final
    }

    /// Closes and removes the temporary file.
    public func discard() {
        lock.withLock {
            if fd >= 0 {
                closeDescriptor(fd)
                fd = -1
            }
        }
        unlink(path)
        Self.forget(path)
    }
}

/// Writes all of `bytes` to `fd`, resuming after EINTR. Returns 0 or the errno.
private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += n
    }
    return 0
}

private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
