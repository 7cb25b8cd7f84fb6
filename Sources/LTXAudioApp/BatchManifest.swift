import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `FOLDER/manifest.jsonl` of a prompt-file batch: one JSON line per clip as it finishes
/// (``ClipReport`` with its `name`), appended and flushed, so a killed run loses at most the
/// line being written (an unreadable last line is ignored when read back).
package final class BatchManifest: Sendable {
    /// The manifest file.
    package let path: String
    private let lock = NSLock()

    /// The manifest of the batch in `folder` (nothing is created until the first append).
    package init(folder: String) {
        path = (folder.hasSuffix("/") ? folder : folder + "/") + "manifest.jsonl"
    }

    /// The lines read back, in order; unreadable lines are skipped.
    package func reports() -> [ClipReport] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(ClipReport.self, from: Data($0)) }
    }

    /// Appends one line and flushes it to disk.
    /// - Throws: ``GenerationError`` when the manifest cannot be written.
    package func append(_ report: ClipReport) throws {
        let line = Array((report.manifestLine + "\n").utf8)
        try lock.withLock {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw GenerationError("cannot open the manifest \(path): \(String(cString: strerror(errno)))") }
            defer { _ = close(fd) }
            var offset = 0
            while offset < line.count {
                let n = line.withUnsafeBytes { write(fd, $0.baseAddress! + offset, line.count - offset) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw GenerationError("cannot write the manifest \(path): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
            _ = fsync(fd)
        }
    }
}
