/// What a request's successive status answers (polled or streamed) have shown so far, turned
/// into progress events: each queue position change, the start, each new log line once (every
/// answer carries the whole log), and the end.
struct StatusTracker {
    let requestID: String
    let maxUnknown: Int
    private var lastPosition: Int?? = .none
    private var started = false
    private var seenLogs = 0
    private var unknownRun = 0

    init(requestID: String, maxUnknown: Int) {
        self.requestID = requestID
        self.maxUnknown = maxUnknown
    }

    /// Takes one status answer.
    /// - Returns: true when the request completed successfully.
    /// - Throws: `.jobFailed` (COMPLETED with an error), `.unknownStatus` (too many unknown answers in a row).
    mutating func observe(_ s: FalQueueStatus, clean: (String, Int) -> String, events: FalEventHandler?) throws -> Bool {
        if s.logs.count > seenLogs {
            for entry in s.logs[seenLogs...] {
                let line = clean(entry.message, 500)
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
                let type = s.errorType.map { " (\(clean($0, 60)))" } ?? ""
                throw FalError(.jobFailed, "fal request \(requestID) failed\(type): \(clean(e.text, 300))", requestID: requestID)
            }
            events?(.completed)
            return true
        default:
            unknownRun += 1
            if unknownRun == 1 { events?(.unknownStatus(clean(s.status, 60))) }
            if unknownRun >= maxUnknown {
                throw FalError(
                    .unknownStatus,
                    "fal request \(requestID): the queue answered with the unknown status '\(clean(s.status, 60))' \(unknownRun) times in a row; giving up (check it later with `resume`)",
                    requestID: requestID)
            }
        }
        return false
    }
}
