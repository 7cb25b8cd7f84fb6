import AsyncHTTPClient
import Foundation
import NIOCore

extension FalQueueClient {
    /// Follows `GET status_url/stream?logs=1` (server-sent events, one status JSON per
    /// `data:`), feeding each status to `tracker`.
    ///
    /// - Returns: the COMPLETED status, or nil when polling should take over: the stream was
    ///   refused (any answer but 200 `text/event-stream`), broke, carried an unreadable event,
    ///   or ended without COMPLETED. A `.streamFallback` event says why.
    /// - Throws: what the tracker throws (`.jobFailed`, `.unknownStatus`), `.cancelled`, `.deadline`.
    func followStream(
        _ handle: FalRequestHandle, tracker: inout StatusTracker, deadline: ContinuousClock.Instant?, events: FalEventHandler?
    ) async throws -> FalQueueStatus? {
        let url = try queueURL(handle.statusURL, requestID: handle.requestID).appending(["stream"], query: "logs=1")
        var request = HTTPClientRequest(url: url.description)
        request.method = .GET
        request.headers.add(name: "Authorization", value: credentials.authorizationHeader)
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept", value: "text/event-stream")
        var parser = ServerSentEventParser(maxLineBytes: min(configuration.maxJSONBytes, 4 << 20))
        let decoder = JSONDecoder()
        do {
            // The read timeout still catches a silent stream: fal sends a comment every 15 s.
            let response = try await http.execute(request, deadline: downloadDeadline(deadline))
            let type = response.headers.first(name: "content-type")?.lowercased() ?? ""
            guard response.status == .ok, type.hasPrefix("text/event-stream") else {
                _ = try? await response.body.collect(upTo: 64 << 10)
                events?(.streamFallback(reason: "the status stream was refused (HTTP \(response.status.code))"))
                return nil
            }
            for try await chunk in response.body {
                for event in try parser.feed(chunk.readableBytesView) where event.type == "message" {
                    guard let s = try? decoder.decode(FalQueueStatus.self, from: Data(event.data.utf8)) else {
                        events?(.streamFallback(reason: "the status stream sent an unreadable event"))
                        return nil
                    }
                    if try tracker.observe(s, clean: { self.clean($0, limit: $1) }, events: events) { return s }
                }
            }
            events?(.streamFallback(reason: "the status stream ended before the request completed"))
            return nil
        } catch let e as FalError {
            throw e
        } catch {
            if Task.isCancelled { throw cancelledError(handle.requestID) }
            if let d = deadline, ContinuousClock.now >= d { throw deadlineError(handle.requestID) }
            let what = error is ServerSentEventParser.LineTooLong
                ? "an over-long line" : TransportKind(error, url: url).what
            events?(.streamFallback(reason: "the status stream broke (\(clean(what, limit: 160)))"))
            return nil
        }
    }
}
