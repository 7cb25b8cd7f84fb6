/// Where the queue is and how patient the client is.
public struct FalConfiguration: Sendable {
    /// The default queue host.
    public static let defaultQueueURL = "https://queue.fal.run"

    /// The queue base URL in use.
    public var queueURL: String { base.description }
    package let base: HTTPURL
    /// The `host:port` that may be spoken to over plain http: only an explicitly given http
    /// queue URL (the tests' fake server), never the default.
    package let plainHTTPAuthority: String?

    /// Retry and backoff policy for every HTTP call.
    public var retry: FalRetryPolicy = .standard
    /// Delay between two status polls.
    public var pollInterval: Duration = .milliseconds(250)
    /// How many polls in a row may answer with an unknown status before giving up
    /// (120 at the default interval: about 30 s).
    public var maxUnknownStatusPolls: Int = 120
    /// Timeout of one HTTP exchange (status, result, cancel, submit), as in fal's client.
    public var requestTimeout: Duration = .seconds(120)
    /// Timeout to establish a connection.
    public var connectTimeout: Duration = .seconds(10)
    /// How long a cancel may take, its retries included (it is sent when time has run out or
    /// on Ctrl-C, so it must not wait long).
    public var cancelTimeout: Duration = .seconds(30)
    /// Largest JSON response accepted, in bytes (a `sync_mode` result carries the audio inline).
    public var maxJSONBytes: Int = 64 << 20
    /// Largest download (or decoded `data:` URI) accepted, in bytes.
    public var maxDownloadBytes: Int = 1 << 30
    /// Sent as `User-Agent`.
    public var userAgent: String = "ltx-audio-falclient/0.1 (swift)"
    /// Follow a request through the server-sent-events status stream
    /// (`…/status/stream?logs=1`) before polling; polling takes over when the stream is
    /// refused, breaks, or ends without `COMPLETED`. `false` polls only (`--poll`).
    public var statusStream = true
    /// The clock every wait (retry backoff, poll interval) sleeps on. Tests pass one that
    /// does not really sleep; deadlines are still measured on `ContinuousClock`.
    public var clock: any Clock<Duration> = ContinuousClock()
    /// The jitter factor for each retry, drawn from the policy's range (default: uniform
    /// random). Tests pass a fixed one.
    public var jitterSource: @Sendable (ClosedRange<Double>) -> Double = { range in
        range.lowerBound == range.upperBound ? range.lowerBound : Double.random(in: range)
    }

    /// Resolves the queue URL: `explicit` wins (the CLI's `--queue-url`), then the environment
    /// variable `FAL_QUEUE_URL`, then ``defaultQueueURL``.
    ///
    /// - Throws: `FalError.invalidConfiguration` for anything but an absolute http(s) URL without
    ///   credentials, query or fragment.
    public init(queueURL explicit: String? = nil, environment: [String: String] = [:]) throws {
        let given = [explicit, environment["FAL_QUEUE_URL"]].compactMap { $0?.trimmingWhitespace() }.first { !$0.isEmpty }
        let text = given ?? Self.defaultQueueURL
        guard let url = HTTPURL(text), url.query == nil, !text.contains("#") else {
            throw FalError(
                .invalidConfiguration,
                "invalid queue URL '\(FalText.sanitize(text, limit: 100))': expected http(s)://host[:port][/path] without credentials or query")
        }
        self.base = url
        self.plainHTTPAuthority = (given != nil && !url.isHTTPS) ? url.authority : nil
    }

    /// Whether a URL may be used at all: https, or http on the explicitly given queue host.
    package func isAllowed(_ url: HTTPURL) -> Bool {
        url.isHTTPS || url.authority == plainHTTPAuthority
    }

    /// Whether a URL may receive the API key: same scheme, host and port as the queue URL.
    package func isQueueOrigin(_ url: HTTPURL) -> Bool {
        url.scheme == base.scheme && url.authority == base.authority
    }
}
