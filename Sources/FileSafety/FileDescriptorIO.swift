#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-buffer reads and writes on a file descriptor: POSIX calls may move fewer bytes than
/// asked, or be interrupted by a signal (EINTR); these loop until all is done or a real error.
package enum FileDescriptorIO {
    /// Writes `count` bytes from `base`, at `offset` (pwrite) or at the file position (write).
    /// - Returns: false on an error (`errno` tells which).
    package static func writeAll(_ fd: Int32, _ base: UnsafeRawPointer, count: Int, at offset: Int? = nil) -> Bool {
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

    /// Reads up to `count` bytes into `base` from `offset`, fewer only at the end of the file.
    /// - Returns: the bytes read, or -1 on an error (`errno` tells which).
    package static func read(_ fd: Int32, _ base: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, base + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return -1 }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads `count` bytes into `base` from `offset`.
    /// - Returns: false on an error or an early end of file (`errno` tells which error).
    package static func readAll(_ fd: Int32, _ base: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Bool {
        read(fd, base, count: count, at: offset) == count
    }

    /// Closes `fd`, ignoring the result (Linux releases the descriptor even when `close` fails,
    /// so a retry could close someone else's).
    package static func closeDescriptor(_ fd: Int32) {
        _ = close(fd)
    }

    /// `strerror(code)` as a string.
    package static func text(ofErrno code: Int32) -> String {
        String(cString: strerror(code))
    }
}
