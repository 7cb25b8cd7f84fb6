/// What submit returns, and everything needed to follow a request afterwards.
public struct FalRequestHandle: Sendable, Hashable, Codable {
    /// The request id.
    public let requestID: String
    /// The endpoint it was submitted to.
    public let endpointID: String
    /// `GET` for the status (`?logs=1` is added).
    public let statusURL: String
    /// `GET` for the result.
    public let responseURL: String
    /// `PUT` to cancel.
    public let cancelURL: String

    package init(requestID: String, endpointID: String, statusURL: String, responseURL: String, cancelURL: String) {
        self.requestID = requestID
        self.endpointID = endpointID
        self.statusURL = statusURL
        self.responseURL = responseURL
        self.cancelURL = cancelURL
    }
}

/// The submit answer as sent by fal (only `request_id` is required here).
struct SubmitAnswer: Decodable {
    let request_id: String
    let response_url: String?
    let status_url: String?
    let cancel_url: String?
    let queue_position: Int?
}

/// One model log line.
public struct FalLogEntry: Sendable, Hashable, Decodable {
    public let message: String
    public let level: String?
    public let timestamp: String?

    enum CodingKeys: String, CodingKey { case message, level, timestamp }

    public init(message: String, level: String? = nil, timestamp: String? = nil) {
        self.message = message
        self.level = level
        self.timestamp = timestamp
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let m = try? c.decodeIfPresent(JSONValue.self, forKey: .message)
        self.message = m.flatMap { $0 }.map(\.text) ?? ""
        self.level = try? c.decodeIfPresent(String.self, forKey: .level)
        self.timestamp = try? c.decodeIfPresent(String.self, forKey: .timestamp)
    }
}

/// One status answer.
public struct FalQueueStatus: Sendable, Decodable {
    /// `IN_QUEUE`, `IN_PROGRESS`, `COMPLETED`, or something this client does not know.
    public let status: String
    /// Requests ahead of this one, while `IN_QUEUE`.
    public let queuePosition: Int?
    /// The whole log so far (not only new lines).
    public let logs: [FalLogEntry]
    /// Set when a `COMPLETED` request failed.
    public let error: JSONValue?
    /// fal's `error_type` beside `error` (e.g. `runner_server_error`).
    public let errorType: String?
    /// Inference time, when reported.
    public let inferenceTime: Double?

    enum CodingKeys: String, CodingKey {
        case status, queue_position, logs, error, error_type, metrics
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decode(String.self, forKey: .status)
        queuePosition = try? c.decodeIfPresent(Int.self, forKey: .queue_position)
        logs = (try? c.decodeIfPresent([FalLogEntry].self, forKey: .logs)) ?? []
        let e = try? c.decodeIfPresent(JSONValue.self, forKey: .error)
        error = (e == nil || e == .null) ? nil : e
        errorType = try? c.decodeIfPresent(String.self, forKey: .error_type)
        let metrics = try? c.decodeIfPresent(JSONValue.self, forKey: .metrics)
        if case .number(let t)? = metrics?["inference_time"] { inferenceTime = t } else { inferenceTime = nil }
    }

    /// Whether the status is one this client knows (`IN_QUEUE`, `IN_PROGRESS`, `COMPLETED`).
    public var isKnown: Bool { ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"].contains(status) }
}

/// What a cancel achieved.
public enum FalCancelOutcome: Sendable, Equatable {
    /// The queue accepted the cancel (`OK` or `CANCELLATION_REQUESTED`).
    case accepted(String)
    /// Too late: the request had already completed.
    case alreadyCompleted
    /// The queue does not know the request.
    case notFound
}

/// A file in a fal output.
public struct FalFile: Codable, Sendable, Hashable {
    /// An https URL, or a `data:` URI with `sync_mode`.
    public var url: String
    public var contentType: String?
    /// The server's name for the file: informative only, never used as a path.
    public var fileName: String?
    /// Size in bytes, if known.
    public var fileSize: Int?

    enum CodingKeys: String, CodingKey {
        case url, contentType = "content_type", fileName = "file_name", fileSize = "file_size"
    }

    public init(url: String, contentType: String? = nil, fileName: String? = nil, fileSize: Int? = nil) {
        self.url = url
        self.contentType = contentType
        self.fileName = fileName
        self.fileSize = fileSize
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(String.self, forKey: .url)
        contentType = try? c.decodeIfPresent(String.self, forKey: .contentType)
        fileName = try? c.decodeIfPresent(String.self, forKey: .fileName)
        if let n = try? c.decodeIfPresent(Int.self, forKey: .fileSize) { fileSize = n }
        else if let d = try? c.decodeIfPresent(Double.self, forKey: .fileSize), d >= 0, d < 1e15 { fileSize = Int(d) }
        else { fileSize = nil }
    }
}

/// Progress while a request is followed, for a progress display.
public enum FalProgressEvent: Sendable, Equatable {
    /// Submitted; the request id is known.
    case submitted(requestID: String)
    /// Waiting in the queue; emitted when the position changes (nil: position not given).
    case queued(position: Int?)
    /// The model started running.
    case started
    /// A new model log line (already sanitised).
    case log(String)
    /// The queue answered with a status this client does not know (once per run of them).
    case unknownStatus(String)
    /// Done; the result can be fetched.
    case completed
    /// An HTTP call is retried after `delay`.
    case retrying(operation: String, attempt: Int, delay: Duration, reason: String)
    /// Bytes downloaded so far, and the expected total if known.
    case downloading(bytes: Int, total: Int?)
    /// The status stream could not be used to the end; polling takes over.
    case streamFallback(reason: String)
}

/// Where progress events go.
public typealias FalEventHandler = @Sendable (FalProgressEvent) -> Void

/// An input that checks itself before it is sent.
public protocol FalValidatable {
    /// - Throws: `FalError` with code `.invalidInput`, naming the field, the value and the range.
    func validate() throws
}
