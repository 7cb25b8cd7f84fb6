import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file written by ``FalQueueClient/download(_:into:naming:deadline:events:)``.
public struct DownloadedFile: Sendable, Hashable {
    /// Where it was written.
    public let path: String
    /// The container sniffed from its bytes.
    public let container: AudioContainer
    /// Its size in bytes.
    public let byteCount: Int
    /// A description of what the bytes look like when the container is unknown.
    public let contentDescription: String
}

extension FalQueueClient {
    /// Downloads a result file into `directory` and places it atomically.
    ///
    /// An https URL is streamed to a temporary file in `directory` (plain http only on the
    /// explicitly configured queue host; redirects to anything else are refused). The size is
    /// checked against `Content-Length` and `file.fileSize`; a download cut short is retried.
    /// A `data:` URI (base64) is decoded. Both are capped at
    /// ``FalConfiguration/maxDownloadBytes``. The container is sniffed from the bytes; the file
    /// is then linked to `directory/naming(container)`, never overwriting anything. The
    /// server's `file_name` is not used.
    ///
    /// - Parameter naming: the final file name (one path component) for the sniffed container.
    /// - Throws: `.expired` on 404, `.downloadIncomplete`, `.responseTooLarge`, `.insecureURL`,
    ///   `.fileExists`, `.fileSystem`, `.cancelled`, `.deadline`.
    public func download(
        _ file: FalFile, into directory: String, naming: @Sendable (AudioContainer) -> String,
        deadline: ContinuousClock.Instant? = nil, events: FalEventHandler? = nil
    ) async throws -> DownloadedFile {
        let temp = try TempFile(directory: directory)
        do {
            if file.url.hasPrefix("data:") {
                try decodeDataURI(file.url, into: temp)
            } else {
                try await fetch(file, into: temp, deadline: deadline, events: events)
            }
            let head = try temp.head()
            let container = AudioContainer.sniff(head)
            let name = naming(container)
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw FalError(.fileSystem, "invalid output file name '\(clean(name, limit: 80))'")
            }
            let dir = directory.hasSuffix("/") ? directory : directory + "/"
            let final = dir + name
            try temp.place(at: final)
            return DownloadedFile(
                path: final, container: container, byteCount: temp.size,
                contentDescription: container == .unknown ? AudioContainer.describe(head) : container.rawValue)
        } catch {
            temp.remove()
            throw error
        }
    }

    func decodeDataURI(_ uri: String, into temp: TempFile) throws {
        try temp.write(FalDataURI.decode(uri, maxBytes: configuration.maxDownloadBytes))
    }

    /// Streams `file.url` into `temp`, retrying short or failed transfers.
    func fetch(_ file: FalFile, into temp: TempFile, deadline: ContinuousClock.Instant?, events: FalEventHandler?) async throws {
        guard let first = HTTPURL(file.url) else {
            throw FalError(.badResponse, "the result's file URL is not an http(s) URL: '\(clean(file.url, limit: 100))'")
        }
        guard configuration.isAllowed(first) else {
            throw FalError(.insecureURL, "refusing to download over plain http from \(first.authority): only https is allowed")
        }
        if let size = file.fileSize, size > configuration.maxDownloadBytes {
            throw FalError(.responseTooLarge, "the result file is \(size) bytes, more than the cap of \(configuration.maxDownloadBytes) bytes")
        }
        let policy = configuration.retry
        var attempt = 1
        while true {
            try checkDeadline(deadline, requestID: nil)
            try temp.truncate()
            var problem: String
            var retryAfter: Duration? = nil
            do {
                (problem, retryAfter) = try await fetchOnce(first, expectedSize: file.fileSize, into: temp, deadline: deadline, events: events)
                if problem.isEmpty { return }
            } catch let e as FalError {
                throw e
            } catch {
                if Task.isCancelled { throw cancelledError(nil) }
                if let d = deadline, ContinuousClock.now >= d { throw deadlineError(nil) }
                problem = "transfer failed after \(temp.size) bytes (\(clean(String(describing: error), limit: 100)))"
            }
            guard attempt < policy.maxAttempts else {
                throw FalError(.downloadIncomplete, "the download did not complete after \(attempt) attempts: \(problem)")
            }
            if let wait = retryAfter, wait > policy.maxRetryAfter {
                throw FalError(
                    .rateLimited, "the file host asked to wait \(wait.seconds) s (\(problem)), more than the \(policy.maxRetryAfter.seconds) s this client waits; try again later with `resume`")
            }
            let delay = policy.delay(beforeRetry: attempt, jitterFactor: policy.randomJitter(), retryAfter: retryAfter)
            events?(.retrying(operation: "downloading", attempt: attempt + 1, delay: delay, reason: problem))
            try await pause(delay, deadline: deadline, requestID: nil)
            attempt += 1
        }
    }

    /// One download attempt. Returns "" when complete, or why it should be retried (and the
    /// server's `Retry-After`, if any).
    func fetchOnce(
        _ start: HTTPURL, expectedSize: Int?, into temp: TempFile, deadline: ContinuousClock.Instant?, events: FalEventHandler?
    ) async throws -> (String, Duration?) {
        var url = start
        var redirects = 0
        while true {
            var request = HTTPClientRequest(url: url.description)
            request.method = .GET
            request.headers.add(name: "User-Agent", value: configuration.userAgent)
            // No Authorization header: result files live on a CDN, not on the queue.
            let response = try await http.execute(request, deadline: downloadDeadline(deadline))
            let status = Int(response.status.code)
            if (300..<400).contains(status), let location = response.headers.first(name: "location") {
                redirects += 1
                guard redirects <= 5, let next = url.resolving(location) else {
                    throw FalError(.badResponse, "too many or invalid redirects while downloading the result")
                }
                guard configuration.isAllowed(next) else {
                    throw FalError(
                        .insecureURL, "refusing a redirect of the download to a non-https URL (\(clean(next.scheme, limit: 10))://\(clean(next.host, limit: 60)))")
                }
                _ = try? await response.body.collect(upTo: 64 << 10)
                url = next
                continue
            }
            switch status {
            case 200: break
            case 404, 410:
                throw FalError(.expired, "the result file is gone (HTTP \(status)): fal's media links expire", httpStatus: status)
            case 408, 429, 500...599:
                _ = try? await response.body.collect(upTo: 64 << 10)
                let retryAfter = response.headers.first(name: "retry-after").flatMap {
                    parseRetryAfter($0, now: Date().timeIntervalSince1970)
                }
                return ("HTTP \(status)", retryAfter)
            default:
                let body = (try? await response.body.collect(upTo: 64 << 10)).map { Array($0.readableBytesView) } ?? []
                throw FalError(
                    .httpStatus, "downloading the result failed with HTTP \(status): \(FalText.excerpt(body, redacting: credentials.secrets))",
                    httpStatus: status)
            }
            let contentLength = response.headers.first(name: "content-length").flatMap { Int($0) }
            if let n = contentLength, n > configuration.maxDownloadBytes {
                throw FalError(.responseTooLarge, "the result file is \(n) bytes, more than the cap of \(configuration.maxDownloadBytes) bytes")
            }
            let total = contentLength ?? expectedSize
            var lastReport = 0
            for try await chunk in response.body {
                if temp.size + chunk.readableBytes > configuration.maxDownloadBytes {
                    throw FalError(.responseTooLarge, "the result file is larger than the cap of \(configuration.maxDownloadBytes) bytes")
                }
                try chunk.withUnsafeReadableBytes { try temp.write($0) }
                if temp.size - lastReport >= 1 << 20 {
                    lastReport = temp.size
                    events?(.downloading(bytes: temp.size, total: total))
                }
            }
            events?(.downloading(bytes: temp.size, total: total))
            if let n = contentLength, temp.size != n {
                return ("got \(temp.size) of \(n) bytes", nil)
            }
            if let n = expectedSize, temp.size < n {
                return ("got \(temp.size) of \(n) bytes announced by fal", nil)
            }
            if temp.size == 0 {
                return ("empty file", nil)
            }
            return ("", nil)
        }
    }

    func downloadDeadline(_ deadline: ContinuousClock.Instant?) -> NIODeadline {
        // Large files may take longer than one API call; the read timeout still catches stalls.
        guard let deadline else { return .distantFuture }
        let left = max(deadline - ContinuousClock.now, .milliseconds(1))
        return .now() + .nanoseconds(left.nanoseconds)
    }
}

/// A temporary file in the destination folder, written with POSIX calls and placed with
/// `link` + `unlink`, so the final name appears atomically and an existing file is never replaced.
final class TempFile: @unchecked Sendable {
    let path: String
    private var fd: Int32
    private(set) var size = 0

    /// The partial downloads of this process, for `FalQueueClient.removePartialDownloads()`.
    nonisolated(unsafe) private static var active: Set<String> = []
    /// Set once the process is exiting on a signal: no new partial download.
    nonisolated(unsafe) private static var closing = false
    private static let lock = NSLock()

    /// Removes every partial download and refuses new ones (see `removePartialDownloads()`).
    static func removeAll() -> Int {
        lock.withLock {
            closing = true
            let removed = active.filter { unlink($0) == 0 }.count
            active.removeAll()
            return removed
        }
    }

    private static func forget(_ path: String) {
        _ = lock.withLock { active.remove(path) }
    }

    init(directory: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw FalError(.fileSystem, "the destination folder '\(FalText.sanitize(directory, limit: 200))' does not exist")
        }
        let dir = directory.hasSuffix("/") ? directory : directory + "/"
        var lastErrno: Int32 = 0
        for _ in 0..<8 {
            // `.ltx-audio-tmp-<pid>-<n>-…`, the form of the mastering writer's temporary files,
            // locked while written: a download cut short by a killed process is then removed by
            // the next run into this folder (`SoundFileWriter.removeStaleTemporaryFiles`).
            let candidate = dir + ".ltx-audio-tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-download.part"
            // Created and recorded under the lock, so `removeAll()` sees every file.
            let (f, openErrno): (Int32, Int32) = TempFile.lock.withLock {
                guard !TempFile.closing else { return (-1, EINTR) }
                let f = open(candidate, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                let openErrno = errno
                if f >= 0 { TempFile.active.insert(candidate) }
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
        if fd >= 0 { close(fd) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FalError(.fileSystem, "writing '\(FalText.sanitize(path, limit: 200))' failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        size += bytes.count
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func truncate() throws {
        guard size > 0 else { return }
        if ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) < 0 {
            throw FalError(.fileSystem, "cannot reset '\(FalText.sanitize(path, limit: 200))': \(String(cString: strerror(errno)))")
        }
        size = 0
    }

    /// The first 64 bytes.
    func head() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 64, 0) }
        guard n >= 0 else { throw FalError(.fileSystem, "cannot read back '\(FalText.sanitize(path, limit: 200))'") }
        return Array(buffer.prefix(n))
    }

    /// Flushes, closes and links the file to `final`; fails if `final` exists.
    func place(at final: String) throws {
        if fsync(fd) != 0 {
            throw FalError(.fileSystem, "cannot flush '\(FalText.sanitize(path, limit: 200))': \(String(cString: strerror(errno)))")
        }
        close(fd)
        fd = -1
        if link(path, final) != 0 {
            let e = errno
            if e == EEXIST {
                throw FalError(.fileExists, "'\(FalText.sanitize(final, limit: 200))' already exists; it was not overwritten")
            }
            // File systems without hard links: rename, after checking nothing is there.
            guard e == EPERM || e == ENOTSUP || e == EXDEV, access(final, F_OK) != 0, rename(path, final) == 0 else {
                throw FalError(
                    .fileSystem, "cannot create '\(FalText.sanitize(final, limit: 200))': \(String(cString: strerror(e)))")
            }
            TempFile.forget(path)
            return
        }
        unlink(path)
        TempFile.forget(path)
    }

    func remove() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(path)
        TempFile.forget(path)
    }
}

extension FalQueueClient {
    /// Removes the partial downloads this process is writing and refuses to start new ones:
    /// what an interrupted run (SIGTERM, a second Ctrl-C) does just before it exits. The
    /// request stays in fal's queue and in the journal, so `resume` fetches it again.
    /// - Returns: how many files were removed.
    @discardableResult
    public static func removePartialDownloads() -> Int { TempFile.removeAll() }
}
