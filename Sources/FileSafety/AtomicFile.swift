#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small files written whole and atomically (plots, the request journal).
public enum AtomicFile {
    /// Writes `bytes` to `path` through a `TemporaryFile`: a reader sees the old file (or none)
    /// or the whole new one, never a part; the data is on disk (`fsync`) before the move; a
    /// failure leaves nothing behind.
    /// - Parameters:
    ///   - bytes: the whole content.
    ///   - path: the final path; its folder must exist (it is not created).
    ///   - overwrite: replace an existing file; without it an existing one is refused.
    ///   - mode: permission bits of a new file (the umask applies), for instance `0o600`.
    /// - Throws: `FileSafetyError` (`.exists` without `overwrite`, `.createFailed`,
    ///   `.writeFailed`, `.syncFailed`, `.placeFailed`), naming `path`.
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool, mode: mode_t = 0o666) throws(FileSafetyError) {
        try write(bytes, to: path, overwrite: overwrite, mode: mode, registry: .shared)
    }

    /// As the public `write`, with the temporary file recorded in `registry` (tests).
    package static func write(_ bytes: [UInt8], to path: String, overwrite: Bool, mode: mode_t,
                              registry: TemporaryFileRegistry) throws(FileSafetyError) {
        let file = try TemporaryFile(for: path, overwrite: overwrite, mode: mode, registry: registry)
        do throws(FileSafetyError) {
            try file.write(bytes)
            try file.place()
        } catch {
            file.discard()
            throw error
        }
    }
}
