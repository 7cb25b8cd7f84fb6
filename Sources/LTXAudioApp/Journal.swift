import FalClient
import FileSafety
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One submitted fal request, as remembered by ``Journal``.
package struct JournalEntry: Codable, Sendable, Equatable {
    /// Where a request is in its life.
    package enum Status: String, Codable, Sendable, CaseIterable {
        case submitted, completed, downloaded, mastered, failed, cancelled
    }

    package var requestID: String
    /// The endpoint id it was submitted to.
    package var endpoint: String
    /// The model input (never the key).
    package var input: LTXTextToAudioInput
    package var submittedAt: Date
    package var updatedAt: Date
    /// The queue base URL it was submitted to.
    package var queueURL: String
    /// The intended mastered output path.
    package var output: String
    /// The downloaded original, once there.
    package var original: String?
    package var status: Status
    /// The seed fal reports, once known.
    package var seed: Int?
    /// Why it failed, if it did (sanitised, one line).
    package var message: String?
    /// The webhook fal was given (`--webhook`), if any.
    package var webhook: String?
    /// The prompt-file line this request is for (`--prompts`): a digest of the output folder,
    /// the output stem and the input, so that a re-run of the batch finds it.
    package var batchKey: String?
    /// Set when fal ended the request without a result (it failed, or did not start in time):
    /// nothing of it can be fetched, so a re-run of its batch submits the line again.
    package var endedOnFal: Bool?

    package init(
        requestID: String, endpoint: String, input: LTXTextToAudioInput, submittedAt: Date = Date(), queueURL: String,
        output: String, status: Status = .submitted
    ) {
        self.requestID = requestID
        self.endpoint = endpoint
        self.input = input
        self.submittedAt = submittedAt
        self.updatedAt = submittedAt
        self.queueURL = queueURL
        self.output = output
        self.status = status
    }
}

/// A small JSON state file (`$XDG_STATE_HOME/ltx-audio/requests.json`, by default
/// `~/.local/state/ltx-audio/requests.json`) listing submitted requests, so an interrupted run
/// can be resumed. Written atomically (FileSafety's `AtomicFile`: a registered temporary file,
/// flushed to disk, then renamed over the old journal; mode 0600) under an advisory lock, so
/// concurrent clips and concurrent processes do not lose each other's updates. Keeps the
/// newest ``maxEntries``.
package final class Journal: Sendable {
    /// The state file.
    package let path: String
    package let maxEntries: Int
    private let lock = NSLock()

    package init(path: String, maxEntries: Int = 500) {
        self.path = path
        self.maxEntries = maxEntries
    }

    /// The journal in the user's state directory.
    package static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> Journal {
        Journal(path: directory(environment: environment) + "/requests.json")
    }

    /// `$XDG_STATE_HOME/ltx-audio`, or `~/.local/state/ltx-audio` (XDG: a relative value is ignored).
    package static func directory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            return xdg + "/ltx-audio"
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/ltx-audio"
    }

    /// All entries, oldest first. A missing file is an empty journal.
    package func entries() throws -> [JournalEntry] {
        try lock.withLock { try withFileLock { try read() } }
    }

    /// The entry of `requestID`, if recorded.
    package func entry(_ requestID: String) throws -> JournalEntry? {
        try entries().last { $0.requestID == requestID }
    }

    /// Adds or replaces the entry with the same request id.
    package func record(_ entry: JournalEntry) throws {
        try modify { list in
            list.removeAll { $0.requestID == entry.requestID }
            list.append(entry)
        }
    }

    /// Changes the entry of `requestID` (nothing if it is not recorded).
    package func update(_ requestID: String, _ change: (inout JournalEntry) -> Void) throws {
        try modify { list in
            guard let i = list.lastIndex(where: { $0.requestID == requestID }) else { return }
            change(&list[i])
            list[i].updatedAt = Date()
        }
    }

    private func modify(_ change: (inout [JournalEntry]) -> Void) throws {
        try lock.withLock {
            try withFileLock {
                var list = try read()
                change(&list)
                if list.count > maxEntries {
                    // The oldest finished entries go first; unfinished ones are kept for
                    // resume (and for batches being re-run) as long as finished ones remain.
                    var excess = list.count - maxEntries
                    let finished: Set<JournalEntry.Status> = [.mastered, .failed, .cancelled]
                    list.removeAll { e in
                        guard excess > 0, finished.contains(e.status) else { return false }
                        excess -= 1
                        return true
                    }
                    if excess > 0 { list.removeFirst(excess) }
                }
                try write(list)
            }
        }
    }

    private static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }

    private func read() throws -> [JournalEntry] {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return [] }
        do {
            return try Self.decoder().decode(JournalFile.self, from: data).requests
        } catch {
            throw JournalError("the journal \(path) is unreadable (\(error)); move it aside to start a new one")
        }
    }

    private func write(_ list: [JournalEntry]) throws {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try e.encode(JournalFile(version: 1, requests: list))
        // A temporary file a killed writer left beside the journal (its lock is free then).
        FileSafety.removeStaleTemporaryFiles(in: (path as NSString).deletingLastPathComponent)
        do throws(FileSafetyError) {
            try AtomicFile.write(Array(data), to: path, overwrite: true, mode: 0o600)
        } catch {
            throw JournalError("cannot write the journal \(path): \(error.detail)")
        }
    }

    private func withFileLock<T>(_ body: () throws -> T) throws -> T {
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw JournalError("cannot create the state directory \(dir): \(error.localizedDescription)")
        }
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError("cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw JournalError("cannot lock \(path).lock: \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

private struct JournalFile: Codable {
    var version: Int
    var requests: [JournalEntry]
}

/// A journal that cannot be read or written.
package struct JournalError: Error, CustomStringConvertible, Sendable {
    package let description: String
    init(_ description: String) { self.description = description }
}
