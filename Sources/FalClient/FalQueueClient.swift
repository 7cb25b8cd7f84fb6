import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A client for fal's queue: submit, status (with logs), result, cancel, and downloads.
///
/// Generic over the endpoint id. Every call retries as fal's own client does (transport errors,
/// timeouts, 408/409/429, ingress 502/503/504) with exponential backoff and jitter, and honours
/// `Retry-After`. A submit whose outcome is unknown (it went out, no answer came) is never
/// repeated: that could create a second paid job.
///
/// The API key is sent only to the queue's own origin, in `Authorization: Key …`; it never
/// appears in an error message or an event. Call ``shutdown()`` when done.
public final class FalQueueClient: Sendable {
    public let configuration: FalConfiguration
    let credentials: FalCredentials
    let http: HTTPClient

    /// - Parameters:
    ///   - credentials: the API key (see ``FalCredentials/fromEnvironment(_:)``).
    ///   - configuration: queue URL, timeouts, caps, retry policy.
    public init(credentials: FalCredentials, configuration: FalConfiguration) {
        self.credentials = credentials
        self.configuration = configuration
        let timeout = HTTPClient.Configuration.Timeout(
            connect: .nanoseconds(configuration.connectTimeout.nanoseconds),
            read: .nanoseconds(configuration.requestTimeout.nanoseconds))
        // Redirects are followed by hand (downloads only), so no redirect can carry the key
        // or lead to plain http.
        let config = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: timeout, decompression: .disabled)
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }

    /// Releases connections. The client cannot be used afterwards.
    public func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: Queue operations

    /// Submits `input` to `endpoint` (`POST {queue}/{endpoint}`).
    ///
    /// An input conforming to ``FalValidatable`` is validated first; nothing is sent if it fails.
    /// - Returns: the handle with the URLs to follow the request (those returned by the queue
    ///   when they are on the queue's origin, otherwise built from the app id).
    /// - Throws: `FalError`; `.submitOutcomeUnknown` if the request may have reached fal.
    public func submit<Input: Encodable & Sendable>(
        _ endpoint: FalEndpoint, input: Input, deadline: ContinuousClock.Instant? = nil, events: FalEventHandler? = nil
    ) async throws -> FalRequestHandle {
        if let v = input as? any FalValidatable { try v.validate() }
        let body: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            body = try encoder.encode(input)
        } catch {
            throw FalError(.invalidInput, "the input could not be encoded as JSON: \(clean("\(error)"))")
        }
        let url = configuration.base.appending(endpoint.id.split(separator: "/").map(String.init))
        let r = try await exchange(
            "submitting", .POST, url, body: Array(body), isSubmit: true, requestID: nil, deadline: deadline, events: events)
        guard r.status == 200 || r.status == 201 || r.status == 202 else {
            throw httpError(r, operation: "submitting to \(endpoint.id)", requestID: nil)
        }
        let answer: SubmitAnswer = try decode(r, operation: "submitting", requestID: r.headers.first(name: "x-fal-request-id"))
        guard FalEndpoint.isValidRequestID(answer.request_id) else {
            throw FalError(
                .badResponse, "the queue answered the submit with an unusable request id '\(clean(answer.request_id, limit: 80))'; a paid job may have been created",
                httpStatus: r.status)
        }
        let built = try handle(for: answer.request_id, endpoint: endpoint)
        func pick(_ given: String?, _ fallback: String) -> String {
            guard let g = given, let u = HTTPURL(g), configuration.isQueueOrigin(u) else { return fallback }
            return u.withQuery(nil).description
        }
        let h = FalRequestHandle(
            requestID: answer.request_id, endpointID: endpoint.id,
            statusURL: pick(answer.status_url, built.statusURL),
            responseURL: pick(answer.response_url, built.responseURL),
            cancelURL: pick(answer.cancel_url, built.cancelURL))
        events?(.submitted(requestID: h.requestID))
        return h
    }

    /// The handle of a request known only by its id: URLs built from the app id,
    /// `{queue}/{owner}/{app}/requests/{id}`, without the endpoint's sub-path.
    /// - Throws: `FalError.invalidInput` for an id that is not a plain token.
    public func handle(for requestID: String, endpoint: FalEndpoint) throws -> FalRequestHandle {
        guard FalEndpoint.isValidRequestID(requestID) else {
            throw FalError(.invalidInput, "'\(clean(requestID, limit: 80))' is not a valid request id", field: "request_id")
        }
        let base = configuration.base.appending(endpoint.appID.split(separator: "/").map(String.init) + ["requests", requestID])
        return FalRequestHandle(
            requestID: requestID, endpointID: endpoint.id,
            statusURL: base.appending(["status"]).description,
            responseURL: base.description,
            cancelURL: base.appending(["cancel"]).description)
    }

    /// One status poll (`GET status_url?logs=1`).
    public func status(
        _ handle: FalRequestHandle, logs: Bool = true, deadline: ContinuousClock.Instant? = nil, events: FalEventHandler? = nil
    ) async throws -> FalQueueStatus {
        let url = try queueURL(handle.statusURL, requestID: handle.requestID).withQuery(logs ? "logs=1" : "logs=0")
        let r = try await exchange(
            "checking the status", .GET, url, body: nil, isSubmit: false, requestID: handle.requestID, deadline: deadline,
            events: events)
        guard r.status == 200 || r.status == 202 else {
            throw httpError(r, operation: "checking the status", requestID: handle.requestID)
        }
        return try decode(r, operation: "checking the status", requestID: handle.requestID)
    }

    /// Polls until the request completes, reporting queue position changes, the start, and
    /// each new log line once (every poll returns the whole log).
    ///
    /// - Throws: `.jobFailed` for COMPLETED with an `error`; `.unknownStatus` after
    ///   ``FalConfiguration/maxUnknownStatusPolls`` unknown answers in a row; `.deadline`
    ///   when `deadline` passes (no cancel is sent: the caller decides); `.cancelled`.
    @discardableResult
    public func waitForCompletion(
        _ handle: FalRequestHandle, deadline: ContinuousClock.Instant? = nil, events: FalEventHandler? = nil
    ) async throws -> FalQueueStatus {
        var lastPosition: Int?? = .none
        var started = false
        var seenLogs = 0
        var unknownRun = 0
        while true {
            try checkDeadline(deadline, requestID: handle.requestID)
            let s = try await status(handle, logs: true, deadline: deadline, events: events)
            if s.logs.count > seenLogs {
                for entry in s.logs[seenLogs...] {
                    let line = clean(entry.message, limit: 500)
                    if !line.isEmpty { events?(.log(line)) }
                }
            }
            seenLogs = max(seenLogs, s.logs.count)
            switch s.status {
            case "IN_QUEUE":
                unknownRun = 0
                if lastPosition != .some(s.queuePosition) {
                    lastPosition = .some(s.queuePosition)
                    events?(.queued(position: s.queuePosition))
                }
            case "IN_PROGRESS":
                unknownRun = 0
                if !started {
                    started = true
                    events?(.started)
                }
            case "COMPLETED":
                if let e = s.error {
                    let type = s.errorType.map { " (\(clean($0, limit: 60)))" } ?? ""
                    throw FalError(
                        .jobFailed, "fal request \(handle.requestID) failed\(type): \(clean(e.text))", requestID: handle.requestID)
                }
                events?(.completed)
                return s
            default:
                unknownRun += 1
                if unknownRun == 1 { events?(.unknownStatus(clean(s.status, limit: 60))) }
                if unknownRun >= configuration.maxUnknownStatusPolls {
                    throw FalError(
                        .unknownStatus,
                        "fal request \(handle.requestID): the queue answered with the unknown status '\(clean(s.status, limit: 60))' \(unknownRun) times in a row; giving up (check it later with `resume`)",
                        requestID: handle.requestID)
                }
            }
            try await pause(configuration.pollInterval, deadline: deadline, requestID: handle.requestID)
        }
    }

    /// Fetches the output of a completed request (`GET response_url`).
    /// - Throws: `.expired` on 404, `.jobFailed` when the queue returns the request's error.
    public func result<Output: Decodable>(
        _ handle: FalRequestHandle, as type: Output.Type = Output.self, deadline: ContinuousClock.Instant? = nil,
        events: FalEventHandler? = nil
    ) async throws -> Output {
        let url = try queueURL(handle.responseURL, requestID: handle.requestID)
        let r = try await exchange(
            "fetching the result", .GET, url, body: nil, isSubmit: false, requestID: handle.requestID, deadline: deadline,
            events: events)
        if r.status == 404 {
            throw FalError(
                .expired,
                "the result of fal request \(handle.requestID) is no longer available (HTTP 404): it expired or the id is wrong",
                requestID: handle.requestID, httpStatus: 404)
        }
        guard r.status == 200 else {
            let e = httpError(r, operation: "fetching the result", requestID: handle.requestID)
            if e.code == .unauthorized || e.code == .rateLimited || isIngressError(r) {
                throw e
            }
            throw FalError(.jobFailed, e.message, requestID: handle.requestID, httpStatus: r.status, field: e.field)
        }
        return try decode(r, operation: "fetching the result", requestID: handle.requestID)
    }

    /// Asks the queue to cancel (`PUT cancel_url`). Queued requests are removed; running ones
    /// are signalled. The cancel can race with completion.
    public func cancel(_ handle: FalRequestHandle, events: FalEventHandler? = nil) async throws -> FalCancelOutcome {
        let url = try queueURL(handle.cancelURL, requestID: handle.requestID)
        let deadline = ContinuousClock.now + .seconds(30)
        let r = try await exchange(
            "cancelling", .PUT, url, body: nil, isSubmit: false, requestID: handle.requestID, deadline: deadline, events: events)
        let bodyStatus = (try? JSONDecoder().decode(JSONValue.self, from: Data(r.body)))?["status"]?.stringValue
        switch (r.status, bodyStatus) {
        case (_, "ALREADY_COMPLETED"): return .alreadyCompleted
        case (404, _), (_, "NOT_FOUND"): return .notFound
        case (200..<300, let s): return .accepted(clean(s ?? "OK", limit: 40))
        default: throw httpError(r, operation: "cancelling", requestID: handle.requestID)
        }
    }

    /// Submit, wait and fetch in one call.
    public func subscribe<Input: Encodable & Sendable, Output: Decodable>(
        _ endpoint: FalEndpoint, input: Input, as type: Output.Type = Output.self,
        deadline: ContinuousClock.Instant? = nil, events: FalEventHandler? = nil
    ) async throws -> (FalRequestHandle, Output) {
        let h = try await submit(endpoint, input: input, deadline: deadline, events: events)
        try await waitForCompletion(h, deadline: deadline, events: events)
        return (h, try await result(h, as: type, deadline: deadline, events: events))
    }

    // MARK: Plumbing

    /// Server text made safe to show: the key removed, control characters stripped, shortened.
    package func clean(_ text: String, limit: Int = 300) -> String {
        FalText.sanitize(text, redacting: credentials.secrets, limit: limit)
    }

    func queueURL(_ text: String, requestID: String) throws -> HTTPURL {
        guard let u = HTTPURL(text), configuration.isQueueOrigin(u), configuration.isAllowed(u) else {
            throw FalError(
                .insecureURL, "refusing to send the API key to '\(clean(text, limit: 100))': not the configured queue \(configuration.queueURL)",
                requestID: requestID)
        }
        return u
    }

    func checkDeadline(_ deadline: ContinuousClock.Instant?, requestID: String?) throws {
        if Task.isCancelled { throw cancelledError(requestID) }
        if let d = deadline, ContinuousClock.now >= d { throw deadlineError(requestID) }
    }

    func deadlineError(_ requestID: String?) -> FalError {
        FalError(
            .deadline, "the time limit ran out" + (requestID.map { " while waiting for fal request \($0)" } ?? ""),
            requestID: requestID)
    }

    func cancelledError(_ requestID: String?) -> FalError {
        FalError(.cancelled, "cancelled" + (requestID.map { " (fal request \($0))" } ?? ""), requestID: requestID)
    }

    /// Sleeps `duration`, or until the deadline (then throws `.deadline`).
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
        do { try await Task.sleep(for: d) } catch { throw cancelledError(requestID) }
        if hitsDeadline { throw deadlineError(requestID) }
    }

    struct RawResponse {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
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

    /// One HTTP exchange with retries; returns the final response (any status).
    func exchange(
        _ operation: String, _ method: HTTPMethod, _ url: HTTPURL, body: [UInt8]?, isSubmit: Bool, requestID: String?,
        deadline: ContinuousClock.Instant?, events: FalEventHandler?
    ) async throws -> RawResponse {
        let policy = configuration.retry
        var attempt = 1
        while true {
            try checkDeadline(deadline, requestID: requestID)
            var request = HTTPClientRequest(url: url.description)
            request.method = method
            request.headers.add(name: "Authorization", value: credentials.authorizationHeader)
            request.headers.add(name: "User-Agent", value: configuration.userAgent)
            request.headers.add(name: "Accept", value: "application/json")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response: RawResponse
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
                response = RawResponse(status: Int(r.status.code), headers: r.headers, body: Array(buffer.readableBytesView))
            } catch let e as FalError {
                throw e
            } catch is NIOTooManyBytesError {
                throw FalError(
                    .responseTooLarge, "the answer while \(operation) is larger than the cap of \(configuration.maxJSONBytes) bytes",
                    requestID: requestID)
            } catch {
                if Task.isCancelled { throw cancelledError(requestID) }
                if let d = deadline, ContinuousClock.now >= d { throw deadlineError(requestID) }
                let kind = TransportKind(error)
                let what = clean(String(describing: error), limit: 120)
                if isSubmit && !kind.notSent {
                    let idText = answeredID.map { " (fal's request id from the cut-off answer: \($0))" } ?? ""
                    throw FalError(
                        .submitOutcomeUnknown,
                        "the submit was sent but no complete answer came (\(what)); a paid job may have been created on fal\(idText). It was not resubmitted: check your fal dashboard before trying again",
                        requestID: answeredID)
                }
                if attempt < policy.maxAttempts {
                    let delay = policy.delay(beforeRetry: attempt, jitterFactor: policy.randomJitter())
                    events?(.retrying(operation: operation, attempt: attempt + 1, delay: delay, reason: what))
                    try await pause(delay, deadline: deadline, requestID: requestID)
                    attempt += 1
                    continue
                }
                throw FalError(
                    kind.timeout ? .timeout : .transport,
                    (kind.timeout ? "timed out" : "connection failed") + " while \(operation) after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(what)",
                    requestID: requestID)
            }

            if isSubmit && response.status == 504 && isIngressError(response) {
                throw FalError(
                    .submitOutcomeUnknown,
                    "the queue's proxy timed out on the submit (HTTP 504); a paid job may have been created on fal. It was not resubmitted: check your fal dashboard before trying again",
                    httpStatus: 504)
            }
            guard let reason = retryReason(response), attempt < policy.maxAttempts else { return response }
            var retryAfter: Duration? = nil
            if let ra = response.headers.first(name: "retry-after") {
                retryAfter = parseRetryAfter(ra, now: Date().timeIntervalSince1970)
                if let wait = retryAfter, wait > policy.maxRetryAfter {
                    throw FalError(
                        .rateLimited,
                        "fal asked to wait \(wait.seconds) s before retrying (HTTP \(response.status)) while \(operation), more than the \(policy.maxRetryAfter.seconds) s this client waits; try again later",
                        requestID: requestID, httpStatus: response.status)
                }
            }
            let delay = policy.delay(beforeRetry: attempt, jitterFactor: policy.randomJitter(), retryAfter: retryAfter)
            events?(.retrying(operation: operation, attempt: attempt + 1, delay: delay, reason: reason))
            try await pause(delay, deadline: deadline, requestID: requestID)
            attempt += 1
        }
    }

    func nioDeadline(_ deadline: ContinuousClock.Instant?) -> NIODeadline {
        var d = configuration.requestTimeout
        if let deadline {
            let left = deadline - ContinuousClock.now
            if left < d { d = max(left, .milliseconds(1)) }
        }
        return .now() + .nanoseconds(d.nanoseconds)
    }

    func decode<T: Decodable>(_ r: RawResponse, operation: String, requestID: String?) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(r.body))
        } catch {
            let type = r.headers.first(name: "content-type").map { clean($0, limit: 40) } ?? "no content type"
            throw FalError(
                .badResponse,
                "unexpected answer from fal while \(operation) (HTTP \(r.status), \(type)): \(FalText.excerpt(r.body, redacting: credentials.secrets))",
                requestID: requestID, httpStatus: r.status)
        }
    }

    /// The readable error for a non-success response.
    func httpError(_ r: RawResponse, operation: String, requestID: String?) -> FalError {
        let info = ErrorBody(r.body, headers: r.headers, clean: { self.clean($0, limit: $1) })
        let rid = requestID ?? r.headers.first(name: "x-fal-request-id").map { clean($0, limit: 80) }
        let ridText = rid.map { " [request \($0)]" } ?? ""
        let typeText = info.errorType.map { " (\($0))" } ?? ""
        switch r.status {
        case 401, 403:
            return FalError(
                .unauthorized,
                "fal refused the API key (HTTP \(r.status)) while \(operation): check FAL_KEY (or FAL_KEY_ID and FAL_KEY_SECRET). Server said: \(info.summary)",
                requestID: rid, httpStatus: r.status)
        case _ where r.status == 422 || (r.status == 400 && !info.fields.isEmpty):
            let first = info.fields.first
            return FalError(
                .validation, "fal rejected the input (HTTP \(r.status)): \(info.summary)\(ridText)", requestID: rid,
                httpStatus: r.status, field: first?.field)
        case 404:
            return FalError(
                .notFound, "fal does not know this request (HTTP 404) while \(operation): \(info.summary)\(ridText)",
                requestID: rid, httpStatus: 404)
        case 429:
            return FalError(
                .rateLimited, "fal kept rate-limiting (HTTP 429) while \(operation): \(info.summary); try again later",
                requestID: rid, httpStatus: 429)
        default:
            let origin = isIngressError(r) ? " from the proxy in front of fal" : ""
            return FalError(
                .httpStatus, "fal returned HTTP \(r.status)\(typeText)\(origin) while \(operation): \(info.summary)\(ridText)",
                requestID: rid, httpStatus: r.status)
        }
    }
}

/// The useful parts of an error body: `detail` as a string, a validation list, or raw text.
struct ErrorBody {
    var summary: String
    var fields: [(field: String, message: String)] = []
    var errorType: String?

    init(_ body: [UInt8], headers: HTTPHeaders, clean: (String, Int) -> String) {
        let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body))
        errorType = (json?["error_type"]?.stringValue ?? headers.first(name: "x-fal-error-type")).map { clean($0, 60) }
        switch json?["detail"] {
        case .string(let s)?:
            summary = clean(s, 300)
        case .array(let items)?:
            for item in items {
                if case .object = item {
                    var loc: [String] = []
                    if case .array(let parts)? = item["loc"] { loc = parts.map(\.text) }
                    if loc.first == "body" { loc.removeFirst() }
                    let field = loc.isEmpty ? "input" : loc.joined(separator: ".")
                    fields.append((clean(field, 80), clean(item["msg"]?.text ?? "invalid", 200)))
                } else {
                    fields.append(("input", clean(item.text, 200)))
                }
            }
            summary = fields.isEmpty ? "(empty detail)" : fields.prefix(3).map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        case let other?:
            summary = clean(other.text, 300)
        case nil:
            if let json, case .object = json {
                summary = clean((json["error"] ?? json["message"] ?? json).text, 300)
            } else {
                summary = FalText.excerpt(body, redacting: [], limit: 120)
                summary = clean(summary, 130)
            }
        }
    }
}

/// What a transport error says about the request.
struct TransportKind {
    /// The request certainly did not leave (connect failed): safe to repeat even a submit.
    var notSent = false
    var timeout = false

    init(_ error: any Error) {
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
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, a) = components
        return s * 1_000_000_000 + a / 1_000_000_000
    }
    var seconds: String {
        let (s, a) = components
        let ms = a / 1_000_000_000_000_000
        return ms == 0 ? "\(s)" : "\(s).\(String(format: "%03d", ms))".replacing(/0+$/, with: "")
    }
}
