import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A failure the retry loop may try again, and the error to throw when the attempts run out.
struct RetryableFailure: Error {
    /// Why, for the `.retrying` event.
    var reason: String
    /// The server's `Retry-After`, a minimum delay.
    var retryAfter: Duration?
    var httpStatus: Int?
    /// The error once `attempts` attempts have been made.
    var exhausted: @Sendable (_ attempts: Int) -> FalError
}

/// An answer received in full.
struct RawResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// A transport error, with fal's request id if the answer's head arrived before the failure.
struct TransportFailure: Error {
    var underlying: any Error
    var answeredID: String?
}

extension FalQueueClient {
    /// The one retry loop of the client: every fal call (submit, status, result, cancel,
    /// download) runs its attempts through it.
    ///
    /// `attempt` either returns, throws a ``RetryableFailure`` (tried again within
    /// ``FalRetryPolicy/maxAttempts``, after the policy's backoff with jitter, `Retry-After`
    /// as a minimum), or throws anything else (final). Each wait is announced as a
    /// `.retrying` event, sleeps on ``FalConfiguration/clock`` and ends at `deadline`.
    func withRetries<T>(
        _ operation: String, requestID: String?, deadline: ContinuousClock.Instant?, events: FalEventHandler?,
        _ attempt: () async throws -> T
    ) async throws -> T {
        let policy = configuration.retry
        var made = 1
        while true {
            try checkDeadline(deadline, requestID: requestID)
            do {
                return try await attempt()
            } catch let failure as RetryableFailure {
                if Task.isCancelled { throw cancelledError(requestID) }
                guard made < policy.maxAttempts else { throw failure.exhausted(made) }
                if let wait = failure.retryAfter, wait > policy.maxRetryAfter {
                    throw FalError(
                        .rateLimited,
                        "the server asked to wait \(wait.seconds) s before retrying (\(failure.reason)) while \(operation), more than the \(policy.maxRetryAfter.seconds) s this client waits; try again later",
                        requestID: requestID, httpStatus: failure.httpStatus)
                }
                let delay = policy.delay(
                    beforeRetry: made, jitterFactor: configuration.jitterSource(policy.jitter), retryAfter: failure.retryAfter)
                events?(.retrying(operation: operation, attempt: made + 1, delay: delay, reason: failure.reason))
                try await pause(delay, deadline: deadline, requestID: requestID)
                made += 1
            }
        }
    }

    /// One JSON call to the queue, with retries.
    ///
    /// - Parameters:
    ///   - repeatable: whether the call may be sent again after it may have reached fal
    ///     (status, result, cancel). A submit is not: one whose outcome is unknown throws
    ///     `.submitOutcomeUnknown` and is never repeated. For a repeatable call, a 2xx answer
    ///     that `interpret` cannot read (`.badResponse`: cut off, not JSON, the wrong shape) is
    ///     retried like a transport error.
    ///   - interpret: turns a final answer into the result, or throws.
    func call<T>(
        _ operation: String, _ method: HTTPMethod, _ url: HTTPURL, body: [UInt8]? = nil, headers extra: [(String, String)] = [],
        requestID: String?, repeatable: Bool, deadline: ContinuousClock.Instant?, events: FalEventHandler?,
        interpret: (RawResponse) throws -> T
    ) async throws -> T {
        try await withRetries(operation, requestID: requestID, deadline: deadline, events: events) {
            let r: RawResponse
            do {
                r = try await exchange(operation, method, url, body: body, headers: extra, requestID: requestID, deadline: deadline)
            } catch let failure as TransportFailure {
                if Task.isCancelled { throw cancelledError(requestID) }
                if let d = deadline, ContinuousClock.now >= d { throw deadlineError(requestID) }
                let kind = TransportKind(failure.underlying, url: url)
                if !repeatable && !kind.notSent {
                    let idText = failure.answeredID.map { " (fal's request id from the cut-off answer: \($0))" } ?? ""
                    throw FalError(
                        .submitOutcomeUnknown,
                        "the submit was sent but no complete answer came (\(clean(kind.what, limit: 160))); a paid job may have been created on fal\(idText). It was not resubmitted: check your fal dashboard before trying again",
                        requestID: failure.answeredID)
                }
                throw RetryableFailure(reason: clean(kind.what, limit: 160)) { n in
                    FalError(
                        kind.timeout ? .timeout : .transport,
                        "\(self.clean(kind.what, limit: 160)) while \(operation) (\(n) attempt\(n == 1 ? "" : "s"))"
                            + (requestID.map { "; fal request \($0) is not affected" } ?? ""),
                        requestID: requestID)
                }
            }
            if r.status == 504, r.headers.first(name: "x-fal-request-timeout-type")?.lowercased() == "user" {
                let who = requestID.map { "fal request \($0)" } ?? "the request"
                throw FalError(
                    .startTimeout,
                    "\(who) did not start in time: its start timeout (X-Fal-Request-Timeout) passed while it waited in the queue (HTTP 504, timeout type user); it was not retried and nothing was resubmitted",
                    requestID: requestID ?? r.headers.first(name: "x-fal-request-id").map { clean($0, limit: 80) }, httpStatus: 504)
            }
            if !repeatable && r.status == 504 && isIngressError(r) {
                throw FalError(
                    .submitOutcomeUnknown,
                    "the queue's proxy timed out on the submit (HTTP 504); a paid job may have been created on fal. It was not resubmitted: check your fal dashboard before trying again",
                    httpStatus: 504)
            }
            if let reason = retryReason(r) {
                let retryAfter = r.headers.first(name: "retry-after").flatMap { parseRetryAfter($0, now: Date().timeIntervalSince1970) }
                throw RetryableFailure(reason: reason, retryAfter: retryAfter, httpStatus: r.status) { _ in
                    self.httpError(r, operation: operation, requestID: requestID)
                }
            }
            do {
                return try interpret(r)
            } catch let e as FalError where repeatable && e.code == .badResponse && (200..<300).contains(r.status) {
                throw RetryableFailure(reason: "unreadable answer (HTTP \(r.status))", httpStatus: r.status) { n in
                    let prefix = "unexpected answer from fal while \(operation) "
                    let detail = e.message.hasPrefix(prefix) ? String(e.message.dropFirst(prefix.count)) : "(\(e.message))"
                    return FalError(
                        .badResponse,
                        (requestID.map { "fal request \($0): " } ?? "")
                            + "the answer while \(operation) was unreadable after \(n) attempt\(n == 1 ? "" : "s") \(detail)",
                        requestID: requestID, httpStatus: r.status)
                }
            }
        }
    }

    /// One HTTP exchange with the queue (the key goes only here). Transport failures are
    /// thrown as ``TransportFailure``; a body over the cap as `.responseTooLarge`.
    func exchange(
        _ operation: String, _ method: HTTPMethod, _ url: HTTPURL, body: [UInt8]?, headers extra: [(String, String)],
        requestID: String?, deadline: ContinuousClock.Instant?
    ) async throws -> RawResponse {
        var request = HTTPClientRequest(url: url.description)
        request.method = method
        request.headers.add(name: "Authorization", value: credentials.authorizationHeader)
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        var answeredID: String? = nil
        do {
            let r = try await http.execute(request, deadline: nioDeadline(deadline))
            answeredID = r.headers.first(name: "x-fal-request-id").map { clean($0, limit: 80) }
            if let lengthText = r.headers.first(name: "content-length"), let length = Int(lengthText),
                length > configuration.maxJSONBytes
            {
                throw FalError(
                    .responseTooLarge, "the answer while \(operation) is \(length) bytes, more than the cap of \(configuration.maxJSONBytes)",
                    requestID: requestID, httpStatus: Int(r.status.code))
            }
            let buffer = try await r.body.collect(upTo: configuration.maxJSONBytes)
            return RawResponse(status: Int(r.status.code), headers: r.headers, body: Array(buffer.readableBytesView))
        } catch let e as FalError {
            throw e
        } catch is NIOTooManyBytesError {
            throw FalError(
                .responseTooLarge, "the answer while \(operation) is larger than the cap of \(configuration.maxJSONBytes) bytes",
                requestID: requestID)
        } catch {
            throw TransportFailure(underlying: error, answeredID: answeredID)
        }
    }

    /// Why a response may be retried, or nil.
    func retryReason(_ r: RawResponse) -> String? {
        switch r.status {
        case 408: return "HTTP 408 request timeout"
        case 409: return "HTTP 409 conflict"
        case 429: return "HTTP 429 rate limited"
        case 502, 503, 504: return isIngressError(r) ? "HTTP \(r.status) from the ingress proxy" : nil
        default: return nil
        }
    }

    /// A 502/503/504 from the proxy in front of fal (not from fal itself): no
    /// `x-fal-request-id`, no timeout type, and an nginx or HTML body.
    func isIngressError(_ r: RawResponse) -> Bool {
        guard [502, 503, 504].contains(r.status), r.headers.first(name: "x-fal-request-id") == nil,
            r.headers.first(name: "x-fal-request-timeout-type") == nil
        else { return false }
        let text = String(decoding: r.body.prefix(4096), as: UTF8.self).lowercased()
        return text.contains("nginx") || text.contains("<html")
    }

    /// Sleeps `duration` on the configured clock, or until the deadline (then throws `.deadline`).
    func pause(_ duration: Duration, deadline: ContinuousClock.Instant?, requestID: String?) async throws {
        var d = duration
        var hitsDeadline = false
        if let deadline {
            let left = deadline - ContinuousClock.now
            if left <= d {
                d = max(left, .zero)
                hitsDeadline = true
            }
        }
        do { try await configuration.clock.sleep(for: d) } catch { throw cancelledError(requestID) }
        if Task.isCancelled { throw cancelledError(requestID) }
        if hitsDeadline { throw deadlineError(requestID) }
    }
}

/// What a transport error says about the request, and a readable account of it naming the
/// host and the reason (connection refused, name not found, TLS, timed out).
struct TransportKind {
    /// The request certainly did not leave (connect failed): safe to repeat even a submit.
    var notSent = false
    var timeout = false
    /// e.g. `cannot connect to queue.fal.run:443: connection refused`.
    var what: String

    init(_ error: any Error, url: HTTPURL) {
        let text = String(describing: error)
        let lower = text.lowercased()
        let host = url.authority
        var reason: String
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout,
                .getConnectionFromPoolTimeout:
                notSent = true
                timeout = true
            case .readTimeout, .writeTimeout, .deadlineExceeded:
                timeout = true
            default: break
            }
        } else if String(describing: type(of: error)) == "NIOConnectionError" {
            // NIOPosix's type (all connect attempts failed); matched by name so this target
            // needs no NIOPosix dependency.
            notSent = true
        } else if let e = error as? ChannelError, case .connectTimeout = e {
            notSent = true
            timeout = true
        } else if let e = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(e.errnoCode) {
            notSent = true
        }
        if lower.contains("refused") || lower.contains("errno: 111") {
            reason = "cannot connect to \(host): connection refused (is the queue URL right, is the server up?)"
            notSent = true
        } else if lower.contains("dns") || lower.contains("resolve") || lower.contains("nodename") || lower.contains("name or service") {
            reason = "cannot connect to \(host): the host name was not found"
            notSent = true
        } else if lower.contains("ssl") || lower.contains("tls") || lower.contains("certificate") || lower.contains("handshake") {
            reason = "the secure connection (TLS) to \(host) failed: \(text)"
        } else if lower.contains("unreach") {
            reason = "cannot connect to \(host): network unreachable"
        } else if notSent && timeout {
            reason = "cannot connect to \(host): the connection timed out"
        } else if timeout {
            reason = "\(host) did not answer in time (\(text))"
        } else if lower.contains("remoteconnectionclosed") || lower.contains("closed") || lower.contains("eof") {
            reason = "\(host) closed the connection before answering completely"
        } else {
            reason = "the connection to \(host) failed: \(text)"
        }
        what = reason
    }
}
