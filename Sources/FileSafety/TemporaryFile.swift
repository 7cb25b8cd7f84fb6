#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that appears under its final name only when complete.
///
/// It is written under a hidden temporary name (`TemporaryName`) in the final path's folder —
/// created exclusively, recorded in `TemporaryFileRegistry.shared`, and `flock`ed while it is
/// open so that `removeStaleTemporaryFiles(in:)` of another process leaves it alone. `place()`
/// flushes it to disk and moves it to the final name: by a hard link, which fails if the name
/// exists (no overwrite), or by a rename (overwrite). Until then the final path is untouched;
/// `discard()`, or deinit without `place()`, removes the temporary file, so a failure never
/// leaves a partial file.
///
/// Write through `write(_:)`, or hand `fileDescriptor` to a library that writes to a
/// descriptor (libsndfile's `sf_open_fd`, without letting it close the descriptor). Not
/// thread-safe: one owner writes and places it. It does not create folders, and it does not
/// flush the folder itself (`fsync` of the directory) after the move.
public final class TemporaryFile {
    /// The final path, where `place()` puts the file.
    public private(set) var destination: String
    /// The temporary file's path (in the same folder as `destination`).
    public let path: String
    /// Whether `place()` replaces an existing file at `destination`.
    public private(set) var overwrite: Bool
    /// The open descriptor (read/write, close-on-exec, locked), or -1 once placed or discarded.
    public private(set) var fileDescriptor: Int32

    private let registry: TemporaryFileRegistry
    /// Placed or discarded: the temporary name is gone (or no longer ours).
    private var ended = false

    /// Creates the temporary file for `destination` in its folder.
    /// - Parameters:
    ///   - destination: the final path; its folder must exist.
    ///   - overwrite: replace an existing file at `destination` on `place()`; without it, an
    ///     existing one is refused now and again, atomically, by `place()`.
    ///   - mode: permission bits of the new file (the process's umask applies), for instance
    ///     `0o600` for a file only its owner may read.
    /// - Throws: `FileSafetyError` `.exists` (without `overwrite`) or `.createFailed` (folder
    ///   missing or read-only, the process is exiting on a signal, ...), naming `destination`.
    public convenience init(for destination: String, overwrite: Bool = false, mode: mode_t = 0o666) throws(FileSafetyError) {
        try self.init(for: destination, overwrite: overwrite, mode: mode, registry: .shared)
    }

    /// As the public initialiser, recorded in `registry` instead of the shared one (tests).
    package init(for destination: String, overwrite: Bool, mode: mode_t, registry: TemporaryFileRegistry) throws(FileSafetyError) {
        self.destination = destination
        self.overwrite = overwrite
        self.registry = registry
        if !overwrite && access(destination, F_OK) == 0 {
            throw FileSafetyError(.exists, path: destination, "exists already")
        }
        let (folder, base) = TemporaryName.split(destination)
        let pid = getpid()
        var lastErrno: Int32 = 0
        // A name taken already (a file of a killed process that had this pid) gets the next serial.
        for _ in 0..<8 {
            let candidate = (folder.isEmpty ? "" : folder + "/")
                + TemporaryName.make(pid: pid, serial: TemporaryName.nextSerial(), base: base)
            let (fd, number) = registry.register(candidate) {
                open(candidate, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, mode)
            }
            if fd >= 0 {
                // Held while the file is open: the stale sweep leaves locked files alone.
                _ = flock(fd, LOCK_EX | LOCK_NB)
                path = candidate
                fileDescriptor = fd
                return
            }
            lastErrno = number
            if number != EEXIST { break }
        }
        throw FileSafetyError(.createFailed, path: destination, "cannot create the output in \(folder.isEmpty ? "." : folder)",
                              errno: lastErrno)
    }

    deinit {
        if !ended { discard() }
    }

    /// Appends all of `bytes` at the file position (retrying short and interrupted writes).
    /// - Throws: `.writeFailed` with the system's reason (disk full, file size limit, ...); the
    ///   file is kept (call `discard()`).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileSafetyError) {
        precondition(fileDescriptor >= 0, "TemporaryFile.write after place() or discard()")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard FileDescriptorIO.writeAll(fileDescriptor, base, count: bytes.count) else {
            throw FileSafetyError(.writeFailed, path: destination, "cannot write", errno: errno)
        }
    }

    /// Appends all of `bytes` at the file position.
    /// - Throws: `.writeFailed` (see `write(_:)` for a buffer).
    public func write(_ bytes: [UInt8]) throws(FileSafetyError) {
        precondition(fileDescriptor >= 0, "TemporaryFile.write after place() or discard()")
        let fd = fileDescriptor
        let written = bytes.withUnsafeBytes { raw in
            raw.isEmpty || FileDescriptorIO.writeAll(fd, raw.baseAddress!, count: raw.count)
        }
        guard written else {
            throw FileSafetyError(.writeFailed, path: destination, "cannot write", errno: errno)
        }
    }

    /// Reads up to `count` bytes from `offset` (for instance the head of a download, to check
    /// what it is) without moving the file position.
    /// - Returns: the bytes, fewer than `count` only at the end of the file.
    /// - Throws: `.readFailed`.
    public func read(upTo count: Int, at offset: Int = 0) throws(FileSafetyError) -> [UInt8] {
        precondition(fileDescriptor >= 0, "TemporaryFile.read after place() or discard()")
        precondition(count >= 0 && offset >= 0, "negative count or offset")
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { raw in
            count == 0 ? 0 : FileDescriptorIO.read(fileDescriptor, raw.baseAddress!, count: count, at: offset)
        }
        guard n >= 0 else {
            throw FileSafetyError(.readFailed, path: destination, "cannot read back the temporary file", errno: errno)
        }
        return Array(buffer.prefix(n))
    }

    /// Empties the file and moves the file position to its start (a download starting again).
    /// - Throws: `.writeFailed`.
    public func reset() throws(FileSafetyError) {
        precondition(fileDescriptor >= 0, "TemporaryFile.reset after place() or discard()")
        guard ftruncate(fileDescriptor, 0) == 0, lseek(fileDescriptor, 0, SEEK_SET) >= 0 else {
            throw FileSafetyError(.writeFailed, path: destination, "cannot reset the temporary file", errno: errno)
        }
    }

    /// Flushes what was written to disk (`fsync`), keeping the file open and locked, so it can
    /// be checked (read from `path`) before `place()`.
    /// - Throws: `.syncFailed`.
    public func sync() throws(FileSafetyError) {
        precondition(fileDescriptor >= 0, "TemporaryFile.sync after place() or discard()")
        guard fsync(fileDescriptor) == 0 else {
            throw FileSafetyError(.syncFailed, path: destination, "cannot flush the file to disk", errno: errno)
        }
    }

    /// Flushes the file to disk, closes it and moves it to `destination`; the temporary name is
    /// gone afterwards whether this succeeds or throws.
    ///
    /// Without `overwrite` the move is a hard link, which fails if `destination` exists. On a
    /// file system without hard links it falls back to checking that `destination` does not
    /// exist and renaming, which is not atomic against a creator racing in between.
    /// - Throws: `.syncFailed`, `.exists` (without `overwrite`: someone created `destination`
    ///   meanwhile) or `.placeFailed`.
    public func place() throws(FileSafetyError) {
        precondition(!ended, "TemporaryFile.place after place() or discard()")
        var renamed = false
        defer {
            if !renamed { unlink(path) }
            end()
        }
        try sync()
        closeDescriptor()
        if overwrite {
            guard rename(path, destination) == 0 else { throw placeFailed(errno) }
            renamed = true
            return
        }
        if link(path, destination) == 0 { return }
        if errno == EEXIST || access(destination, F_OK) == 0 {
            throw FileSafetyError(.exists, path: destination, "exists already")
        }
        guard rename(path, destination) == 0 else { throw placeFailed(errno) }
        renamed = true
    }

    /// Places the file under a name chosen only now (a download learns its name from its
    /// content), in the same folder as the temporary file, as `place()` does.
    /// - Parameters:
    ///   - destination: the final path, in the folder the file was created for.
    ///   - overwrite: replace an existing file there.
    /// - Throws: as `place()`.
    public func place(at destination: String, overwrite: Bool) throws(FileSafetyError) {
        self.destination = destination
        self.overwrite = overwrite
        try place()
    }

    /// Abandons the file: closes it and removes the temporary name. Does nothing once placed
    /// or discarded.
    public func discard() {
        guard !ended else { return }
        closeDescriptor()
        unlink(path)
        end()
    }

    private func end() {
        ended = true
        registry.forget(path)
    }

    private func closeDescriptor() {
        if fileDescriptor >= 0 { FileDescriptorIO.closeDescriptor(fileDescriptor) }
        fileDescriptor = -1
    }

    private func placeFailed(_ number: Int32) -> FileSafetyError {
        FileSafetyError(.placeFailed, path: destination, "cannot move the finished file into place", errno: number)
    }
}
