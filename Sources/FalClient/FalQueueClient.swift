import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A client for fal's queue: submit, status (with logs), result, cancel, and downloads.
///
/// Generic over the endpoint id. Every call goes through one retry loop: transport errors,
/// timeouts, 408/409/429 and ingress 502/503/504 are retried as fal's own client does, with
/// exponential backoff and jitter, honouring `Retry-After`; for status, result, cancel and
/// downloads, an answer that cannot be read (cut off, not JSON, the wrong shape) is retried
/// too. A submit whose outcome is unknown (it went out, no answer came) is never repeated:
/// that could create a second paid job. The client writes no files: a download goes into a
/// ``FalDownloadDestination`` the caller supplies.
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
        var config = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: timeout, decompression: .disabled)
        // A connection that cannot be made fails its attempt at once: the client's own retry
        // loop (budget, backoff, deadline, events) decides whether to try again, instead of
        // AsyncHTTPClient retrying silently for the whole connect timeout on every attempt.
        config.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }

    /// Releases connections. The client cannot be used afterwards.
    public func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: Queue operations

    /// Submits `input` to `endpoint` (`POST {queue}/{endpoint}`).
    ///
    /// An input conforming to ``FalValidatable`` is validated first, and `options` too;
    /// nothing is sent if either fails. The start timeout and the priority go out as headers,
    /// the webhook as the `fal_webhook` query parameter.
    /// - Returns: the handle with the URLs to follow the request (those returned by the queue
    ///   when they are on the queue's origin, otherwise built from the app id).
    /// - Throws: `FalError`; `.submitOutcomeUnknown` if the request may have reached fal
    ///   without an answer (never repeated); `.startTimeout` if fal says it did not start in time.
    public func submit<Input: Encodable & Sendable>(
        _ endpoint: FalEndpoint, input: Input, options: FalSubmitOptions = FalSubmitOptions(),
        deadline: ContinuousClock.Instant? = nil, events: FalEventHandler? = nil
    ) async throws -> FalRequestHandle {
        if let v = input as? any FalValidatable { try v.validate() }
        try options.validate()
        let body: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            body = try encoder.encode(input)
        } catch {
            throw FalError(.invalidInput, "the input could not be encoded as JSON: \(clean("\(error)"))")
        }
        let url = configuration.base.appending(endpoint.id.split(separator: "/").map(String.init), query: options.webhookQuery)
        var headers: [(String, String)] = []
        if let t = options.startTimeoutHeader { headers.append(("X-Fal-Request-Timeout", t)) }
        if let p = options.priority { headers.append(("X-Fal-Queue-Priority", p.rawValue)) }
        let answer: SubmitAnswer = try await call(
            "submitting", .POST, url, body: Array(body), headers: headers, requestID: nil, repeatable: false, deadline: deadline,
            events: events
        ) { r in
            guard r.status == 200 || r.status == 201 || r.status == 202 else {
                throw httpError(r, operation: "submitting to \(endpoint.id)", requestID: nil)
            }
            let answer: SubmitAnswer = try decode(r, operation: "submitting", requestID: r.headers.first(name: "x-fal-request-id"))
            guard FalEndpoint.isValidRequestID(answer.request_id) else {
                throw FalError(
                    .badResponse, "the queue answered the submit with an unusable request id '\(clean(answer.request_id, limit: 80))'; a paid job may have been created",
                    httpStatus: r.status)
            }
            return answer
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

    /// One status poll (`GET status_url?logs=1`). An answer that cannot be read is retried
    /// within the retry budget.
    public func status(
        _ handle: FalRequestHandle, logs: Bool = true, deadline: ContinuousClock.Instant? = nil, events: FalEventHandler? = nil
    ) async throws -> FalQueueStatus {
        let url = try queueURL(handle.statusURL, requestID: handle.requestID).withQuery(logs ? "logs=1" : "logs=0")
        return try await call(
            "checking the status", .GET, url, requestID: handle.requestID, repeatable: true, deadline: deadline, events: events
        ) { r in
            guard r.status == 200 || r.status == 202 else {
                throw httpError(r, operation: "checking the status", requestID: handle.requestID)
            }
            return try decode(r, operation: "checking the status", requestID: handle.requestID)
        }
    }

    /// Follows the request until it completes, reporting queue position changes, the start,
    /// and each new log line once.
    ///
    /// With ``FalConfiguration/statusStream`` the status stream is followed first (events as
    /// they happen); polling every ``FalConfiguration/pollInterval`` takes over when the
    /// stream is refused, breaks, or ends without `COMPLETED`.
    ///
    /// - Throws: `.jobFailed` for COMPLETED with an `error`; `.unknownStatus` after
    ///   ``FalConfiguration/maxUnknownStatusPolls`` unknown answers in a row; `.deadline`
    ///   when `deadline` passes (no cancel is sent: the caller decides); `.cancelled`.
    @discardableResult
    public func waitForCompletion(
        _ handle: FalRequestHandle, deadline: ContinuousClock.Instant? = nil, events: FalEventHandler? = nil
    ) async throws -> FalQueueStatus {
        var tracker = StatusTracker(requestID: handle.requestID, maxUnknown: configuration.maxUnknownStatusPolls)
        if configuration.statusStream,
            let done = try await followStream(handle, tracker: &tracker, deadline: deadline, events: events)
        {
            return done
        }
        while true {
            try checkDeadline(deadline, requestID: handle.requestID)
            let s = try await status(handle, logs: true, deadline: deadline, events: events)
            if try tracker.observe(s, clean: { self.clean($0, limit: $1) }, events: events) { return s }
            try await pause(configuration.pollInterval, deadline: deadline, requestID: handle.requestID)
        }
    }

    /// Fetches the output of a completed request (`GET response_url`). An answer that cannot
    /// be read (cut off, not JSON, the wrong shape) is retried within the retry budget.
    /// - Throws: `.expired` on 404, `.jobFailed` when the queue returns the request's error,
    ///   `.badResponse` once the budget is spent.
    public func result<Output: Decodable>(
        _ handle: FalRequestHandle, as type: Output.Type = Output.self, deadline: ContinuousClock.Instant? = nil,
        events: FalEventHandler? = nil
    ) async throws -> Output {
        let url = try queueURL(handle.responseURL, requestID: handle.requestID)
        return try await call(
            "fetching the result", .GET, url, requestID: handle.requestID, repeatable: true, deadline: deadline, events: events
        ) { r in
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
    }

    /// Asks the queue to cancel (`PUT cancel_url`). Queued requests are removed; running ones
    /// are signalled. The cancel can race with completion.
    ///
    /// The answer is judged by its JSON `status` (`OK`, `CANCELLATION_REQUESTED`,
    /// `ALREADY_COMPLETED`, `NOT_FOUND`), whatever the HTTP code; a 2xx answer without a
    /// readable status is retried like a transport error.
    public func cancel(_ handle: FalRequestHandle, events: FalEventHandler? = nil) async throws -> FalCancelOutcome {
        let url = try queueURL(handle.cancelURL, requestID: handle.requestID)
        let deadline = ContinuousClock.now + configuration.cancelTimeout
        return try await call(
            "cancelling", .PUT, url, requestID: handle.requestID, repeatable: true, deadline: deadline, events: events
        ) { r in
            let bodyStatus = (try? JSONDecoder().decode(JSONValue.self, from: Data(r.body)))?["status"]?.stringValue
            switch (r.status, bodyStatus) {
            case (_, "ALREADY_COMPLETED"): return .alreadyCompleted
            case (_, "NOT_FOUND"): return .notFound
            case (_, "OK"), (_, "CANCELLATION_REQUESTED"): return .accepted(bodyStatus!)
            case (404, nil): return .notFound
            case (200..<300, _):
                let shown = bodyStatus.map { "the unknown status '\(clean($0, limit: 40))'" } ?? FalText.excerpt(r.body, redacting: credentials.secrets)
                throw FalError(
                    .badResponse, "unexpected answer to the cancel (HTTP \(r.status)): \(shown)", requestID: handle.requestID,
                    httpStatus: r.status)
            default: throw httpError(r, operation: "cancelling", requestID: handle.requestID)
            }
        }
    }

    /// Submit, wait and fetch in one call.
    public func subscribe<Input: Encodable & Sendable, Output: Decodable>(
        _ endpoint: FalEndpoint, input: Input, as type: Output.Type = Output.self, options: FalSubmitOptions = FalSubmitOptions(),
        deadline: ContinuousClock.Instant? = nil, events: FalEventHandler? = nil
    ) async throws -> (FalRequestHandle, Output) {
        let h = try await submit(endpoint, input: input, options: options, deadline: deadline, events: events)
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
