#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Removes the temporary files that processes no longer running left in `folder` (a process
/// killed with SIGKILL, a power cut), so that re-running a batch leaves only complete files
/// under their final names.
///
/// A file is removed only when all of these hold: its name has `TemporaryName`'s form, it is
/// a regular file (not followed if a symbolic link), the pid in its name is not a running
/// process (`kill(pid, 0)` fails, and not with EPERM, which means someone else's live process),
/// and no one holds its lock (a live writer does, even one whose pid looks dead from another
/// pid namespace). Files of this process are never touched. Does not recurse into subfolders.
/// - Parameter folder: the folder to sweep.
/// - Returns: the names removed, sorted (empty when the folder does not exist or cannot be read).
@discardableResult
public func removeStaleTemporaryFiles(in folder: String) -> [String] {
    guard let dir = opendir(folder) else { return [] }
    defer { closedir(dir) }
    var removed: [String] = []
    let prefix = folder.hasSuffix("/") ? folder : folder + "/"
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) { p in
            p.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { String(cString: $0) }
        }
        guard let pid = TemporaryName.owner(of: name), pid != getpid() else { continue }
        if kill(pid, 0) == 0 || errno == EPERM { continue }  // running (EPERM: someone else's)
        let path = prefix + name
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { continue }
        defer { FileDescriptorIO.closeDescriptor(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
        if unlink(path) == 0 { removed.append(name) }
    }
    return removed.sorted()
}
