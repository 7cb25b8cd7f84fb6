/// An incremental parser for a `text/event-stream` body (the WHATWG HTML "server-sent events"
/// rules that matter here), fed with chunks as they arrive, split anywhere.
///
/// - Lines end with CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the
///   next are one line end).
/// - A line starting with `:` is a comment (fal sends one every 15 s to keep the stream open).
/// - `field: value` (one space after the colon is dropped); a line without a colon is a field
///   with an empty value. `data` lines accumulate, joined with `\n`; `event` sets the type;
///   `id` the last event id; other fields are ignored.
/// - An empty line dispatches the event, if it has data; an event cut off by the end of the
///   stream is dropped. A UTF-8 byte order mark at the very start is skipped.
package struct ServerSentEventParser: Sendable {
    /// One dispatched event.
    package struct Event: Sendable, Equatable {
        /// `event:` field, `message` when absent.
        package var type: String
        /// The `data:` lines, joined with `\n`.
        package var data: String
        /// The last `id:` seen, if any.
        package var lastEventID: String?

        package init(type: String, data: String, lastEventID: String?) {
            self.type = type
            self.data = data
            self.lastEventID = lastEventID
        }
    }

    private var line: [UInt8] = []
    private var afterCR = false
    private var atStart = true
    private var dataLines: [String] = []
    private var hasData = false
    private var eventType = ""
    private var lastEventID: String?
    /// The longest line accepted, in bytes.
    package let maxLineBytes: Int

    /// Thrown when a line is longer than ``maxLineBytes``.
    package struct LineTooLong: Error {}

    package init(maxLineBytes: Int = 4 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds the next chunk; returns the events it completed, in order.
    /// - Throws: ``LineTooLong``.
    package mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [Event] {
        var events: [Event] = []
        for b in bytes {
            if atStart {
                // The BOM (EF BB BF) is only skipped as the stream's first bytes.
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if line.count < 3 && b == bom[line.count] {
                    line.append(b)
                    if line.count == 3 {
                        line.removeAll()
                        atStart = false
                    }
                    continue
                }
                atStart = false
            }
            if afterCR {
                afterCR = false
                if b == 0x0A { continue }
            }
            if b == 0x0D || b == 0x0A {
                afterCR = b == 0x0D
                if let e = endLine() { events.append(e) }
                continue
            }
            guard line.count < maxLineBytes else { throw LineTooLong() }
            line.append(b)
        }
        return events
    }

    /// The line in `line` is complete.
    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                dataLines.removeAll()
                hasData = false
                eventType = ""
            }
            guard hasData else { return nil }
            return Event(type: eventType.isEmpty ? "message" : eventType, data: dataLines.joined(separator: "\n"), lastEventID: lastEventID)
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let field: String
        var value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var rest = line[(colon + 1)...]
            if rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            value = String(decoding: rest, as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "data":
            dataLines.append(value)
            hasData = true
        case "event":
            eventType = value
        case "id":
            if !value.unicodeScalars.contains("\u{0}") { lastEventID = value }
        default:
            value = ""
        }
        return nil
    }
}
