#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-buffer reads and writes on a file descriptor: POSIX calls may move fewer bytes than
/// asked, or be interrupted by a signal (EINTR); these loop until all is done or a real error.
enum FileDescriptorIO {
    /// Writes `count` bytes from `base`, at `offset` (pwrite) or at the file position (write).
    /// - Returns: false on an error (`errno` tells which).
    static func writeAll(_ fd: Int32, _ base: UnsafeRawPointer, count: Int, at offset: Int? = nil) -> Bool {
        var done = 0
        while done < count {
            let n = offset.map { pwrite(fd, base + done, count - done, off_t($0 + done)) }
                ?? write(fd, base + done, count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// Reads `count` bytes into `base` from `offset`.
    /// - Returns: false on an error or an early end of file (`errno` tells which error).
    static func readAll(_ fd: Int32, _ base: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Bool {
        var done = 0
        while done < count {
            let n = pread(fd, base + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}
