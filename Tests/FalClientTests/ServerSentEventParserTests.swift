import FalClient
import Testing

@Suite struct ServerSentEventParserTests {
    typealias Event = ServerSentEventParser.Event

    /// Feeds `text` cut at every position into two chunks (and byte by byte), expecting the
    /// same events each time.
    func parseEveryWay(_ text: String) throws -> [Event] {
        let bytes = Array(text.utf8)
        var whole = ServerSentEventParser()
        let expected = try whole.feed(bytes)
        for cut in 0...bytes.count {
            var p = ServerSentEventParser()
            let events = try p.feed(bytes[..<cut]) + p.feed(bytes[cut...])
            #expect(events == expected, "cut at \(cut)")
        }
        var single = ServerSentEventParser()
        var events: [Event] = []
        for b in bytes { events += try single.feed([b]) }
        #expect(events == expected, "byte by byte")
        return expected
    }

    @Test func dataLinesAreJoinedWithNewlines() throws {
        let events = try parseEveryWay("data: {\"a\":\ndata:1}\n\ndata: second\n\n")
        #expect(events.map(\.data) == ["{\"a\":\n1}", "second"])
        #expect(events.allSatisfy { $0.type == "message" })
    }

    @Test func commentsAreIgnored() throws {
        let events = try parseEveryWay(": keep-alive\n\n:another\ndata: x\n: inside\n\n")
        #expect(events.map(\.data) == ["x"])
    }

    @Test func crlfCrAndLfLineEnds() throws {
        #expect(try parseEveryWay("data: a\r\n\r\ndata: b\r\rdata: c\n\n").map(\.data) == ["a", "b", "c"])
        // A CR at the end of one chunk and the LF opening the next are one line end, not two.
        var p = ServerSentEventParser()
        let events = try p.feed(Array("data: x\r".utf8)) + p.feed(Array("\ndata: y\r\n\r\n".utf8))
        #expect(events.map(\.data) == ["x\ny"])
    }

    @Test func fieldsEventTypeIDAndOneSpace() throws {
        let events = try parseEveryWay("event: status\nid: 7\ndata:  two spaces\nretry: 10\nunknown: z\n\ndata\n\n")
        #expect(events == [
            Event(type: "status", data: " two spaces", lastEventID: "7"),
            Event(type: "message", data: "", lastEventID: "7"),
        ])
    }

    @Test func anEventCutOffByTheEndIsNotDispatched() throws {
        var p = ServerSentEventParser()
        #expect(try p.feed(Array("data: complete\n\ndata: half".utf8)).map(\.data) == ["complete"])
    }

    @Test func byteOrderMarkAndUTF8() throws {
        let events = try parseEveryWay("\u{FEFF}data: pluie sur le toit — ☔\n\n")
        #expect(events.map(\.data) == ["pluie sur le toit — ☔"])
    }

    @Test func overLongLinesAreRefused() {
        var p = ServerSentEventParser(maxLineBytes: 16)
        #expect(throws: ServerSentEventParser.LineTooLong.self) {
            _ = try p.feed(Array(("data: " + String(repeating: "x", count: 40)).utf8))
        }
    }
}
