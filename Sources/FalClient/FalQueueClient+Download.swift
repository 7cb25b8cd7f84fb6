import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A file written by ``FalQueueClient/download(_:to:deadline:events:)``.
public struct DownloadedFile: Sendable, Hashable {
    /// Where it was written (what ``FalDownloadDestination/finish(container:)`` returned).
    public let path: String
    /// The container sniffed from its bytes.
    public let container: AudioContainer
    /// Its size in bytes.
    public let byteCount: Int
    /// A description of what the bytes look like when the container is unknown.
    public let contentDescription: String
}

extension FalQueueClient {
    /// Downloads a result file into `destination`.
    ///
    /// An https URL is streamed (plain http only on the explicitly configured queue host;
    /// redirects to anything else are refused). The size is checked against `Content-Length`
    /// and `file.fileSize`; a transfer cut short, failed, or answered with 408/429/5xx is
    /// retried through the client's retry loop (the destination is reset first). A `data:`
    /// URI (base64) is decoded. Both are capped at ``FalConfiguration/maxDownloadBytes``. The
    /// container is sniffed from the bytes and handed to
    /// ``FalDownloadDestination/finish(container:)``; the server's `file_name` is not used.
    /// On any failure the destination is discarded.
    ///
    /// - Throws: `.expired` on 404, `.downloadIncomplete`, `.responseTooLarge`, `.insecureURL`,
    ///   `.cancelled`, `.deadline`, and whatever the destination throws.
    public func download(
        _ file: FalFile, to destination: some FalDownloadDestination, deadline: ContinuousClock.Instant? = nil,
        events: FalEventHandler? = nil
    ) async throws -> DownloadedFile {
        do {
            if file.url.hasPrefix("data:") {
                let bytes = try FalDataURI.decode(file.url, maxBytes: configuration.maxDownloadBytes)
                try bytes.withUnsafeBytes { try destination.write($0) }
            } else {
                try await fetch(file, into: destination, deadline: deadline, events: events)
            }
            let head = try destination.head(64)
            let container = AudioContainer.sniff(head)
            let size = destination.byteCount
            let path = try destination.finish(container: container)
            return DownloadedFile(
                path: path, container: container, byteCount: size,
                contentDescription: container == .unknown ? AudioContainer.describe(head) : container.rawValue)
        } catch {
            destination.discard()
            throw error
        }
    }

    /// Streams `file.url` into `destination`, retrying short or failed transfers.
    func fetch(
        _ file: FalFile, into destination: some FalDownloadDestination, deadline: ContinuousClock.Instant?, events: FalEventHandler?
    ) async throws {
        guard let first = HTTPURL(file.url) else {
            throw FalError(.badResponse, "the result's file URL is not an http(s) URL: '\(clean(file.url, limit: 100))'")
        }
        guard configuration.isAllowed(first) else {
            throw FalError(.insecureURL, "refusing to download over plain http from \(first.authority): only https is allowed")
        }
        if let size = file.fileSize, size > configuration.maxDownloadBytes {
            throw FalError(.responseTooLarge, "the result file is \(size) bytes, more than the cap of \(configuration.maxDownloadBytes) bytes")
        }
        try await withRetries("downloading", requestID: nil, deadline: deadline, events: events) {
            try destination.reset()
            let problem: String
            var retryAfter: Duration? = nil
            var status: Int? = nil
            do {
                (problem, retryAfter, status) = try await fetchOnce(
                    first, expectedSize: file.fileSize, into: destination, deadline: deadline, events: events)
                if problem.isEmpty { return }
            } catch let e as DestinationFailure {
                throw e.underlying
            } catch let e as FalError {
                throw e
            } catch {
                if Task.isCancelled { throw cancelledError(nil) }
                if let d = deadline, ContinuousClock.now >= d { throw deadlineError(nil) }
                let what = TransportKind(error, url: first).what
                problem = "transfer failed after \(destination.byteCount) bytes (\(clean(what, limit: 140)))"
            }
            throw RetryableFailure(reason: problem, retryAfter: retryAfter, httpStatus: status) { n in
                FalError(.downloadIncomplete, "the download did not complete after \(n) attempts: \(problem)")
            }
        }
    }

    /// One download attempt. Returns "" when complete, or why it should be retried (and the
    /// server's `Retry-After` and status, if any). Destination errors come as ``DestinationFailure``.
    func fetchOnce(
        _ start: HTTPURL, expectedSize: Int?, into temp: some FalDownloadDestination, deadline: ContinuousClock.Instant?,
        events: FalEventHandler?
    ) async throws -> (String, Duration?, Int?) {
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
                return ("HTTP \(status)", retryAfter, status)
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
                if temp.byteCount + chunk.readableBytes > configuration.maxDownloadBytes {
                    throw FalError(.responseTooLarge, "the result file is larger than the cap of \(configuration.maxDownloadBytes) bytes")
                }
                do {
                    try chunk.withUnsafeReadableBytes { try temp.write($0) }
                } catch {
                    throw DestinationFailure(underlying: error)
                }
                if temp.byteCount - lastReport >= 1 << 20 {
                    lastReport = temp.byteCount
                    events?(.downloading(bytes: temp.byteCount, total: total))
                }
            }
            events?(.downloading(bytes: temp.byteCount, total: total))
            if let n = contentLength, temp.byteCount != n {
                return ("got \(temp.byteCount) of \(n) bytes", nil, nil)
            }
            if let n = expectedSize, temp.byteCount < n {
                return ("got \(temp.byteCount) of \(n) bytes announced by fal", nil, nil)
            }
            if temp.byteCount == 0 {
                return ("empty file", nil, nil)
            }
            return ("", nil, nil)
        }
    }

    func downloadDeadline(_ deadline: ContinuousClock.Instant?) -> NIODeadline {
        // Large files may take longer than one API call; the read timeout still catches stalls.
        guard let deadline else { return .distantFuture }
        let left = max(deadline - ContinuousClock.now, .milliseconds(1))
        return .now() + .nanoseconds(left.nanoseconds)
    }
}


/// An error thrown by the download destination: final, rethrown unchanged.
struct DestinationFailure: Error {
    var underlying: any Error
}
