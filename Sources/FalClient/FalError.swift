/// The one error type of the fal queue client.
///
/// `code` tells the kind (compare with the static members, e.g. `error.code == .unauthorized`);
/// `description` is a readable one-line message that says what went wrong and, where it can, how
/// to fix it. Every piece of server text in a message has been sanitised: control characters
/// removed, shortened, and the API key (if the server echoed it) replaced by `[redacted]`.
public struct FalError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct over a private enum, so new codes can be added without
    /// breaking exhaustive `switch`es in callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Sendable {
            case missingKey, unauthorized, invalidInput, validation, jobFailed, timeout, deadline
            case notFound, expired, responseTooLarge, unknownStatus, badResponse, transport
            case submitOutcomeUnknown, cancelled, rateLimited, httpStatus, insecureURL
            case downloadIncomplete, fileExists, fileSystem, invalidConfiguration, startTimeout
        }
        let base: Base
        /// No API key in the environment (`FAL_KEY`, or `FAL_KEY_ID` + `FAL_KEY_SECRET`).
        public static let missingKey = Code(base: .missingKey)
        /// HTTP 401/403: the key was refused.
        public static let unauthorized = Code(base: .unauthorized)
        /// The input failed the client's own checks; nothing was sent.
        public static let invalidInput = Code(base: .invalidInput)
        /// HTTP 422 (or a 400 with a validation body): the server refused the input.
        public static let validation = Code(base: .validation)
        /// The request completed with an error.
        public static let jobFailed = Code(base: .jobFailed)
        /// An HTTP call timed out (after retries).
        public static let timeout = Code(base: .timeout)
        /// The caller's overall deadline passed.
        public static let deadline = Code(base: .deadline)
        /// The request id is unknown to the queue (HTTP 404 on status or cancel).
        public static let notFound = Code(base: .notFound)
        /// The result or the file is gone (HTTP 404 on result or download).
        public static let expired = Code(base: .expired)
        /// A response or download is bigger than the configured cap.
        public static let responseTooLarge = Code(base: .responseTooLarge)
        /// The queue kept answering with a status this client does not know.
        public static let unknownStatus = Code(base: .unknownStatus)
        /// The server's answer could not be understood (not JSON, missing fields).
        public static let badResponse = Code(base: .badResponse)
        /// The connection failed (after retries).
        public static let transport = Code(base: .transport)
        /// A submit went out but no answer came back: a paid job may exist. Not retried.
        public static let submitOutcomeUnknown = Code(base: .submitOutcomeUnknown)
        /// The caller cancelled (task cancellation, Ctrl-C).
        public static let cancelled = Code(base: .cancelled)
        /// HTTP 429 after all retries, or a `Retry-After` longer than the client will wait.
        public static let rateLimited = Code(base: .rateLimited)
        /// Any other HTTP error status.
        public static let httpStatus = Code(base: .httpStatus)
        /// A URL that is not https (and not the explicitly configured plain-http queue host).
        public static let insecureURL = Code(base: .insecureURL)
        /// A download ended short of its announced size (after retries).
        public static let downloadIncomplete = Code(base: .downloadIncomplete)
        /// The destination file already exists; it is never overwritten.
        public static let fileExists = Code(base: .fileExists)
        /// Creating, writing or renaming a local file failed.
        public static let fileSystem = Code(base: .fileSystem)
        /// A bad queue URL or endpoint id.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// The request did not start before its start timeout (`X-Fal-Request-Timeout`): fal
        /// answered 504 with `X-Fal-Request-Timeout-Type: user`. Final: not retried, not resubmitted.
        public static let startTimeout = Code(base: .startTimeout)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// The one-line, sanitised message.
    public let message: String
    /// The fal request id, when one is known.
    public let requestID: String?
    /// The HTTP status that caused the error, if any.
    public let httpStatus: Int?
    /// The input field at fault (validation errors), if known.
    public let field: String?

    package init(_ code: Code, _ message: String, requestID: String? = nil, httpStatus: Int? = nil, field: String? = nil) {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.httpStatus = httpStatus
        self.field = field
    }

    public var description: String { message }

    /// A fixed text per code, without any dynamic value: safe for logs and metrics.
    public var shortDescription: String {
        switch code.base {
        case .missingKey: return "missing fal API key"
        case .unauthorized: return "fal API key refused"
        case .invalidInput: return "invalid input"
        case .validation: return "input rejected by fal"
        case .jobFailed: return "fal request failed"
        case .timeout: return "HTTP timeout"
        case .deadline: return "deadline exceeded"
        case .notFound: return "request not found"
        case .expired: return "result expired"
        case .responseTooLarge: return "response too large"
        case .unknownStatus: return "unknown queue status"
        case .badResponse: return "unreadable response"
        case .transport: return "connection failed"
        case .submitOutcomeUnknown: return "submit outcome unknown"
        case .cancelled: return "cancelled"
        case .rateLimited: return "rate limited"
        case .httpStatus: return "HTTP error"
        case .insecureURL: return "insecure URL refused"
        case .downloadIncomplete: return "download incomplete"
        case .fileExists: return "file exists"
        case .fileSystem: return "file system error"
        case .invalidConfiguration: return "invalid configuration"
        case .startTimeout: return "request did not start in time"
        }
    }
}
