/// When and how long to wait before trying an HTTP call again.
///
/// The delay before retry *n* (n = 1, 2, ...) is `min(baseDelay * 2^(n-1), maxDelay)` times a
/// uniform jitter in `jitter`, capped at `maxDelay` again: fal's async Python client with
/// 0.1 s, 10 s and 0.5...1.5. A `Retry-After` from the server is a minimum on top of that; one
/// longer than `maxRetryAfter` ends the retries instead of stalling.
public struct FalRetryPolicy: Sendable {
    /// Attempts in total, including the first.
    public var maxAttempts: Int
    /// The delay before the first retry, doubled for each further one.
    public var baseDelay: Duration
    /// The longest backoff delay (before and after jitter).
    public var maxDelay: Duration
    /// The range of the random factor applied to each delay.
    public var jitter: ClosedRange<Double>
    /// The longest `Retry-After` honoured.
    public var maxRetryAfter: Duration

    public init(
        maxAttempts: Int = 10, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(10),
        jitter: ClosedRange<Double> = 0.5...1.5, maxRetryAfter: Duration = .seconds(60)
    ) {
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// fal's own policy: 10 attempts, 0.1 s doubling, 10 s cap, 0.5-1.5 jitter.
    public static let standard = FalRetryPolicy()

    /// The delay before retry `retry` (1-based), given a jitter factor and an optional
    /// server-requested minimum.
    public func delay(beforeRetry retry: Int, jitterFactor: Double, retryAfter: Duration? = nil) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        var d = baseDelay * Double(1 << exponent)
        if d > maxDelay { d = maxDelay }
        d = d * jitterFactor
        if d > maxDelay { d = maxDelay }
        if let ra = retryAfter, ra > d { d = ra }
        return d
    }
}

/// Parses a `Retry-After` value: delta-seconds or an IMF-fixdate HTTP date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`). Returns nil for anything else.
package func parseRetryAfter(_ value: String, now: Double) -> Duration? {
    let v = value.trimmingWhitespace()
    // Anything beyond a year is as good as "too long" (callers cap it); clamping keeps absurd
    // values from overflowing the conversion to Duration.
    let year = 365.0 * 86_400
    if let secs = Int(v), secs >= 0 { return .seconds(min(secs, Int(year))) }
    if let secs = Double(v), secs >= 0, secs.isFinite { return .milliseconds(Int(min(secs, year) * 1000)) }
    guard let date = parseHTTPDate(v) else { return nil }
    let delta = date - now
    return delta <= 0 ? .zero : .milliseconds(Int(min(delta, year) * 1000))
}

/// Seconds since 1970 of an IMF-fixdate, or nil.
package func parseHTTPDate(_ s: String) -> Double? {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let parts = s.split(separator: " ")
    guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
        let day = Int(parts[1]), let year = Int(parts[3]), (1...9999).contains(year)
    else { return nil }
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    guard let mi = months.firstIndex(of: String(parts[2])) else { return nil }
    let hms = parts[4].split(separator: ":").compactMap { Int($0) }
    guard hms.count == 3, (1...31).contains(day), (0...23).contains(hms[0]), (0...59).contains(hms[1]), (0...60).contains(hms[2])
    else { return nil }
    // Days from civil (proleptic Gregorian), after H. Hinnant's well-known formulation.
    let m = mi + 1
    let y = m <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146097 + doe - 719468
    return Double(days * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2])
}
