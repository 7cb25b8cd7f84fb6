import FalClient
import FileSafety
import Foundation

/// The app's download destination: a `FileSafety.TemporaryFile` in the output folder, placed
/// under its final name only when complete.
///
/// The temporary file has the form of every temporary file of the tool
/// (`.ltx-audio-tmp-<pid>-<n>-download.part`), locked while written and registered, so a
/// download cut short by a killed process is removed by the next run into the folder, and
/// SIGTERM, SIGHUP or a second Ctrl-C removes it (`removeAllTemporaryFiles()`).
/// ``finish(container:)`` moves it to `directory/naming(container)` by a hard link: the name
/// appears atomically and an existing file is never replaced.
package final class DownloadFile: FalDownloadDestination, @unchecked Sendable {
    /// The temporary file's path.
    package let path: String
    private let directory: String
    private let naming: @Sendable (AudioContainer) -> String
    private let lock = NSLock()
    private let file: TemporaryFile
    private var size = 0

    /// Creates the temporary file in `directory`.
    /// - Parameter naming: the final file name (one path component) for the sniffed container.
    /// - Throws: `FalError` `.fileSystem` when the folder is missing or not writable.
    package init(directory: String, naming: @escaping @Sendable (AudioContainer) -> String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw FalError(.fileSystem, "the destination folder '\(FalText.sanitize(directory, limit: 200))' does not exist")
        }
        let dir = directory.hasSuffix("/") ? directory : directory + "/"
        self.directory = dir
        self.naming = naming
        do {
            // The final name is known only once the content is sniffed: "download.part" names
            // the temporary file until `finish` places it under its own name.
            file = try TemporaryFile(for: dir + "download.part", overwrite: true, mode: 0o644)
        } catch {
            throw FalError(.fileSystem, "cannot create a temporary file in '\(FalText.sanitize(directory, limit: 200))': \(error.cause ?? error.message)")
        }
        path = file.path
    }

    /// Bytes written since the last reset.
    package var byteCount: Int { lock.withLock { size } }

    /// Appends `bytes` to the temporary file.
    /// - Throws: `FalError` `.fileSystem` (a full disk, a file size limit).
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        try lock.withLock {
            do throws(FileSafetyError) {
                try file.write(bytes)
            } catch {
                throw FalError(.fileSystem, "writing '\(FalText.sanitize(path, limit: 200))' failed: \(error.cause ?? error.message)")
            }
            size += bytes.count
        }
    }

    /// Truncates the temporary file (a transfer starts again).
    package func reset() throws {
        try lock.withLock {
            guard size > 0 else { return }
            do throws(FileSafetyError) {
                try file.reset()
            } catch {
                throw FalError(.fileSystem, "cannot reset '\(FalText.sanitize(path, limit: 200))': \(error.cause ?? error.message)")
            }
            size = 0
        }
    }

    /// The first `count` bytes written.
    package func head(_ count: Int) throws -> [UInt8] {
        try lock.withLock {
            do {
                return try file.read(upTo: max(count, 0), at: 0)
            } catch {
                throw FalError(.fileSystem, "cannot read back '\(FalText.sanitize(path, limit: 200))'")
            }
        }
    }

    /// Flushes the file and moves it to `directory/naming(container)`; never replaces a file.
    /// - Throws: `.fileExists` when that name is taken, `.fileSystem` otherwise.
    package func finish(container: AudioContainer) throws -> String {
        let name = naming(container)
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw FalError(.fileSystem, "invalid output file name '\(FalText.sanitize(name, limit: 80))'")
        }
        let final = directory + name
        try lock.withLock {
            do throws(FileSafetyError) {
                try file.place(at: final, overwrite: false)
            } catch {
                if error.code == .exists {
                    throw FalError(.fileExists, "'\(FalText.sanitize(final, limit: 200))' already exists; it was not overwritten")
                }
                throw FalError(.fileSystem, "cannot create '\(FalText.sanitize(final, limit: 200))': \(error.cause ?? error.message)")
            }
        }
        return final
    }

    /// Closes and removes the temporary file.
    package func discard() {
        lock.withLock { file.discard() }
    }
}
