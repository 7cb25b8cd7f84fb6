import Foundation

/// Queue options of one submit, sent as headers and a query parameter beside the input.
public struct FalSubmitOptions: Sendable, Hashable {
    /// fal's queue priority (`X-Fal-Queue-Priority`).
    public enum Priority: String, Sendable, Hashable, CaseIterable {
        /// The default.
        case normal
        /// Waits behind every normal request.
        case low
    }

    /// A deadline for the request to *start* (queue wait and fal's own retries included),
    /// sent as `X-Fal-Request-Timeout` in seconds. When it passes, fal answers 504 with
    /// `X-Fal-Request-Timeout-Type: user`, which is final. More than 1 s, as fal's clients require.
    public var startTimeout: Duration?
    /// `X-Fal-Queue-Priority`; nil sends nothing (fal's default, normal).
    public var priority: Priority?
    /// An https URL fal POSTs the outcome to, sent as the `fal_webhook` query parameter.
    public var webhookURL: String?

    /// Options of one submit; nil sends nothing for that option.
    public init(startTimeout: Duration? = nil, priority: Priority? = nil, webhookURL: String? = nil) {
        self.startTimeout = startTimeout
        self.priority = priority
        self.webhookURL = webhookURL
    }

    /// Checks the values before anything is sent.
    /// - Throws: `FalError.invalidInput` naming the option: a start timeout of 1 s or less,
    ///   a webhook that is not an absolute https URL.
    public func validate() throws {
        if let t = startTimeout, t <= .seconds(1) {
            throw FalError(
                .invalidInput, "start timeout \(t.seconds) s is too short: it must be more than 1 second", field: "start_timeout")
        }
        if let w = webhookURL {
            guard let u = HTTPURL(w), u.isHTTPS else {
                throw FalError(
                    .invalidInput, "webhook '\(FalText.sanitize(w, limit: 100))' must be an absolute https URL", field: "webhook")
            }
        }
    }

    /// The `X-Fal-Request-Timeout` value, e.g. `30.0` (seconds, as fal's Python client sends it).
    var startTimeoutHeader: String? {
        guard let t = startTimeout else { return nil }
        let (s, a) = t.components
        let ms = a / 1_000_000_000_000_000
        return ms == 0 ? "\(s).0" : "\(s).\(String(format: "%03d", ms))"
    }

    /// `fal_webhook=<percent-encoded URL>`, or nil.
    var webhookQuery: String? {
        guard let w = webhookURL else { return nil }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "fal_webhook=" + (w.addingPercentEncoding(withAllowedCharacters: allowed) ?? w)
    }
}
