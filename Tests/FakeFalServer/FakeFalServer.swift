// A fake fal.ai queue server for the client and CLI tests.
//
// It listens on 127.0.0.1 on a free port, follows the queue protocol (submit, status with logs,
// the server-sent-events status stream, result, cancel, a start timeout, and a file host under
// /files/), records every request it receives, and can be told to misbehave: replies queued
// per route are used first, then the simulated job answers.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

public final class FakeFalServer: @unchecked Sendable {
    /// What the client sent.
    public struct Request: Sendable, CustomStringConvertible {
        public let method: String
        /// The path without the query.
        public let path: String
        public let query: String?
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]
        public let route: Route

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
        /// Everything the client sent, as text (for scanning for secrets).
        public var fullText: String {
            "\(method) \(path)\(query.map { "?" + $0 } ?? "")\n" + headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
                + "\n\n" + bodyText
        }
        public var description: String { "\(method) \(path)\(query.map { "?" + $0 } ?? "")" }
    }

    /// The kind of request, for scripting and counting.
    public enum Route: String, Sendable, Hashable {
        case submit, status, stream, result, cancel, file, other
    }

    /// A scripted answer.
    public indirect enum Reply: Sendable {
        /// A complete response.
        case respond(status: Int, headers: [(String, String)], body: [UInt8])
        /// Read the request, then close the connection without answering.
        case closeWithoutResponse
        /// Announce `body.count` bytes, send only the first `sendBytes`, then close.
        case truncated(status: Int, headers: [(String, String)], body: [UInt8], sendBytes: Int)
        /// Answer after a delay.
        case delayed(milliseconds: Int64, Reply)
        /// Whatever the simulated job would answer.
        case normal
        /// The job's status stream (server-sent events), written as the job moves on.
        case eventStream(requestID: String)

        public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Reply {
            .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
        }
        public static func text(_ status: Int, _ text: String, contentType: String = "text/html", headers: [(String, String)] = []) -> Reply {
            .respond(status: status, headers: [("Content-Type", contentType)] + headers, body: Array(text.utf8))
        }
        /// An nginx ingress error page, without `x-fal-request-id`.
        public static func ingress(_ status: Int) -> Reply {
            .text(status, "<html><head><title>\(status) Service Temporarily Unavailable</title></head><body><center><h1>\(status)</h1></center><hr><center>nginx</center></body></html>")
        }
    }

    /// How the simulated job behaves.
    public struct Scenario: Sendable {
        /// The key the server expects (`Authorization: Key <expectedKey>`); nil accepts any.
        public var expectedKey: String?
        /// Queue positions reported by successive status polls.
        public var queuePositions: [Int] = [2, 1, 0]
        /// Log lines; each IN_PROGRESS poll reveals one more.
        public var logs: [String] = ["loading model", "step 8/15", "step 15/15"]
        /// Stay IN_QUEUE (at the last position) until ``release()``.
        public var holdInQueue = false
        /// COMPLETED with this error instead of a result.
        public var completedError: String?
        /// The file served as the result.
        public var audio: [UInt8] = Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfake".utf8)
        public var contentType = "audio/wav"
        public var fileName = "output.wav"
        /// Return the audio inline as a data: URI.
        public var inlineDataURI = false
        /// The seed reported when the input had none.
        public var seed = 4242
        /// Extra JSON fields added to the result object (raw JSON text, e.g. `"timings":{}`).
        public var extraOutputJSON = "\"timings\":{\"inference\":1.5},\"has_nsfw_concepts\":[false]"
        /// Serve `GET …/status/stream` (server-sent events); false answers it with 404, as a
        /// queue without the stream would, so clients fall back to polling.
        public var offersStatusStream = false
        /// Close the stream's connection abruptly after this many events.
        public var streamBreaksAfter: Int?
        /// End the stream cleanly after this many events (without COMPLETED, if it came later).
        public var streamEndsAfter: Int?

        public init() {}
    }

    /// A WAV of a 440 Hz tone at -12 dBFS, 16-bit, `channels` channels: LTX-2.3's decoder
    /// gives 48 kHz stereo, LTX-2 24 kHz.
    public static func toneWAV(sampleRate: Int = 48000, channels: Int = 2, seconds: Double = 1) -> [UInt8] {
        let frames = Int(Double(sampleRate) * seconds)
        var b: [UInt8] = []
        func u32(_ v: UInt32) { b += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u16(_ v: UInt16) { b += withUnsafeBytes(of: v.littleEndian, Array.init) }
        let dataBytes = frames * channels * 2
        b += Array("RIFF".utf8); u32(UInt32(36 + dataBytes)); b += Array("WAVE".utf8)
        b += Array("fmt ".utf8); u32(16); u16(1); u16(UInt16(channels)); u32(UInt32(sampleRate))
        u32(UInt32(sampleRate * channels * 2)); u16(UInt16(channels * 2)); u16(16)
        b += Array("data".utf8); u32(UInt32(dataBytes))
        b.reserveCapacity(b.count + dataBytes)
        for i in 0..<frames {
            let v = Int16(0.25 * sin(2 * Double.pi * 440 * Double(i) / Double(sampleRate)) * 32767)
            for _ in 0..<channels { u16(UInt16(bitPattern: v)) }
        }
        return b
    }

    private struct Job {
        var id: String
        var endpoint: String
        var input: [String: Any]
        var polls = 0
        var cancelled = false
        /// `X-Fal-Request-Timeout` of the submit, in seconds, and when it came.
        var startTimeout: Double?
        var submittedAt = Date()
        var started = false
    }

    private let lock = NSLock()
    private var _scenario = Scenario()
    private var _released = false
    private var scripted: [Route: [Reply]] = [:]
    private var jobs: [String: Job] = [:]
    private var jobOrder: [String] = []
    private var _requests: [Request] = []
    private var counter = 0
    private var channel: (any Channel)?
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    public private(set) var port = 0

    public init(scenario: Scenario = Scenario()) {
        _scenario = scenario
    }

    /// Binds 127.0.0.1 on a free port and starts serving.
    @discardableResult
    public func start() async throws -> FakeFalServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(Handler(server: self))
                }
            }
        let ch = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        lock.withLock {
            channel = ch
            port = ch.localAddress?.port ?? 0
        }
        return self
    }

    /// Stops the server.
    public func stop() async {
        let ch = lock.withLock { channel }
        try? await ch?.close()
        try? await group.shutdownGracefully()
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public var scenario: Scenario {
        get { lock.withLock { _scenario } }
        set { lock.withLock { _scenario = newValue } }
    }

    /// Lets held jobs leave the queue.
    public func release() { lock.withLock { _released = true } }

    /// Queues replies for the next requests of `route` (used before the simulated job).
    public func script(_ route: Route, _ replies: Reply...) {
        lock.withLock { scripted[route, default: []].append(contentsOf: replies) }
    }

    /// Every request received so far.
    public var requests: [Request] { lock.withLock { _requests } }

    public func requests(_ route: Route) -> [Request] { requests.filter { $0.route == route } }

    /// The ids of the jobs created, in order.
    public var jobIDs: [String] { lock.withLock { jobOrder } }

    // MARK: Routing

    fileprivate func handle(_ request: Request) -> Reply {
        lock.withLock {
            _requests.append(request)
            if var queue = scripted[request.route], !queue.isEmpty {
                let r = queue.removeFirst()
                scripted[request.route] = queue
                if case .normal = r {} else { return r }
            }
            return simulate(request)
        }
    }

    static func route(method: String, path: String) -> Route {
        let parts = path.split(separator: "/").map(String.init)
        if parts.first == "files" { return .file }
        if let i = parts.firstIndex(of: "requests"), i == 2, parts.count > 3 {
            if parts.count == 6, parts[4] == "status", parts[5] == "stream", method == "GET" { return .stream }
            if parts.count == 5, parts[4] == "status", method == "GET" { return .status }
            if parts.count == 5, parts[4] == "cancel", method == "PUT" { return .cancel }
            if parts.count == 4, method == "GET" { return .result }
            return .other
        }
        if method == "POST", parts.count >= 3 { return .submit }
        return .other
    }

    private func json(_ status: Int, _ object: [String: Any]) -> Reply {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return .respond(status: status, headers: [("Content-Type", "application/json")], body: Array(data))
    }

    private func urls(_ id: String) -> [String: Any] {
        let base = "\(baseURL)/fal-ai/ltx-2.3-quality/requests/\(id)"
        return ["request_id": id, "response_url": base, "status_url": base + "/status", "cancel_url": base + "/cancel"]
    }

    /// Must hold `lock`.
    private func simulate(_ request: Request) -> Reply {
        let s = _scenario
        if request.route != .file && request.route != .other, let key = s.expectedKey,
            request.header("authorization") != "Key " + key
        {
            // Like some proxies, echo what was presented, so tests can check the client redacts it.
            let presented = request.header("authorization") ?? "(none)"
            return json(401, ["detail": "Invalid authorization header: \(presented)"])
        }
        let parts = request.path.split(separator: "/").map(String.init)
        switch request.route {
        case .submit:
            counter += 1
            let id = String(format: "0199aa%02d-fake-4e1d-b3c2-%012d", counter % 100, counter)
            let input = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
            jobs[id] = Job(
                id: id, endpoint: request.path, input: input,
                startTimeout: request.header("x-fal-request-timeout").flatMap(Double.init))
            jobOrder.append(id)
            var answer = urls(id)
            answer["status"] = "IN_QUEUE"
            answer["queue_position"] = s.queuePositions.first ?? 0
            return json(200, answer)
        case .status:
            guard var job = jobs[parts[3]] else { return json(404, ["detail": "Request not found"]) }
            let withLogs = request.query?.contains("logs=1") == true || request.query?.contains("logs=true") == true
            defer { jobs[job.id] = job }
            if job.cancelled {
                return json(200, ["status": "COMPLETED", "error": "Request was cancelled", "error_type": "client_cancelled", "logs": NSNull()])
            }
            if s.holdInQueue && !_released {
                if let limit = job.startTimeout, !job.started, Date().timeIntervalSince(job.submittedAt) > limit {
                    // fal's answer when the start deadline of X-Fal-Request-Timeout passes.
                    return .respond(
                        status: 504,
                        headers: [("Content-Type", "application/json"), ("X-Fal-Request-Timeout-Type", "user"), ("x-fal-request-id", job.id)],
                        body: Array(#"{"detail":"Request timed out before it started","error_type":"request_timeout"}"#.utf8))
                }
                return json(202, ["status": "IN_QUEUE", "queue_position": s.queuePositions.last ?? 0, "logs": withLogs ? [] as [Any] : NSNull()])
            }
            let i = job.polls
            job.polls += 1
            if i >= s.queuePositions.count { job.started = true }
            if i < s.queuePositions.count {
                return json(202, ["status": "IN_QUEUE", "queue_position": s.queuePositions[i], "logs": withLogs ? [] as [Any] : NSNull()])
            }
            let j = i - s.queuePositions.count
            let logObjects: (Int) -> [[String: Any]] = { n in
                s.logs.prefix(n).enumerated().map { ["message": $0.element, "level": "INFO", "timestamp": "2026-11-24T22:00:0\($0.offset % 10)Z"] }
            }
            if j < s.logs.count {
                return json(202, ["status": "IN_PROGRESS", "logs": withLogs ? logObjects(j + 1) : NSNull()])
            }
            var done: [String: Any] = [
                "status": "COMPLETED", "logs": withLogs ? logObjects(s.logs.count) : NSNull(), "metrics": ["inference_time": 1.25],
            ]
            if let e = s.completedError {
                done["error"] = e
                done["error_type"] = "runner_server_error"
            } else {
                done["error"] = NSNull()
            }
            return json(200, done)
        case .result:
            guard let job = jobs[parts[3]] else { return json(404, ["detail": "Request not found"]) }
            if let e = s.completedError { return json(500, ["detail": e, "error_type": "runner_server_error"]) }
            if job.cancelled { return json(400, ["detail": "Request was cancelled"]) }
            let ext = s.fileName.split(separator: ".").last.map(String.init) ?? "bin"
            let url = s.inlineDataURI
                ? "data:\(s.contentType);base64," + Data(s.audio).base64EncodedString()
                : "\(baseURL)/files/\(job.id).\(ext.filter { $0.isLetter || $0.isNumber })"
            let file: [String: Any] = ["url": url, "content_type": s.contentType, "file_name": s.fileName, "file_size": s.audio.count]
            let seed = (job.input["seed"] as? Int) ?? s.seed
            let prompt = (job.input["prompt"] as? String) ?? ""
            let core = try? JSONSerialization.data(withJSONObject: ["audio": file, "seed": seed, "prompt": prompt], options: [.sortedKeys])
            var text = String(decoding: core ?? Data("{}".utf8), as: UTF8.self)
            if !s.extraOutputJSON.isEmpty { text.removeLast(); text += "," + s.extraOutputJSON + "}" }
            return .json(200, text)
        case .cancel:
            guard var job = jobs[parts[3]] else { return json(404, ["status": "NOT_FOUND"]) }
            let completed = !job.cancelled && !(s.holdInQueue && !_released) && job.polls >= s.queuePositions.count + s.logs.count
            if completed { return json(400, ["status": "ALREADY_COMPLETED"]) }
            job.cancelled = true
            jobs[job.id] = job
            return json(202, ["status": "CANCELLATION_REQUESTED"])
        case .file:
            return .respond(status: 200, headers: [("Content-Type", s.contentType)], body: s.audio)
        case .stream:
            guard s.offersStatusStream else { return json(404, ["detail": "Not Found"]) }
            guard jobs[parts[3]] != nil else { return json(404, ["detail": "Request not found"]) }
            return .eventStream(requestID: parts[3])
        case .other:
            return json(404, ["detail": "Not Found"])
        }
    }

    /// The next thing the status stream of `id` says: a status JSON (as a poll would answer,
    /// so the job moves on), nil to wait (held in the queue), or the end.
    enum StreamStep { case event(String, last: Bool), wait, end }

    fileprivate func streamStep(_ id: String, sent: Int, lastEvent: String?) -> StreamStep {
        lock.withLock {
            let s = _scenario
            if let n = s.streamEndsAfter, sent >= n { return .end }
            guard jobs[id] != nil else { return .end }
            let reply = simulate(Request(
                method: "GET", path: "/fal-ai/ltx-2.3-quality/requests/\(id)/status", query: "logs=1",
                headers: [("Authorization", "Key " + (s.expectedKey ?? ""))], body: [],
                route: .status))
            guard case .respond(let code, _, let body) = reply, code == 200 || code == 202 else { return .end }
            let text = String(decoding: body, as: UTF8.self)
            if text == lastEvent { return .wait }
            return .event(text, last: text.contains(#""status":"COMPLETED""#))
        }
    }

    // MARK: NIO

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: FakeFalServer
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(server: FakeFalServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let h = head else { return }
                let pathAndQuery = h.uri.split(separator: "?", maxSplits: 1).map(String.init)
                let path = pathAndQuery.first ?? "/"
                let request = Request(
                    method: h.method.rawValue, path: path, query: pathAndQuery.count > 1 ? pathAndQuery[1] : nil,
                    headers: h.headers.map { ($0.name, $0.value) }, body: body,
                    route: FakeFalServer.route(method: h.method.rawValue, path: path))
                let reply = server.handle(request)
                send(reply, context: context, keepAlive: h.isKeepAlive)
            }
        }

        func send(_ reply: Reply, context: ChannelHandlerContext, keepAlive: Bool) {
            switch reply {
            case .normal:
                send(.json(500, "{}"), context: context, keepAlive: keepAlive)
            case .eventStream(let id):
                var h = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
                h.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))), promise: nil)
                streamNext(id: id, sent: 0, lastEvent: nil, context: context)
            case .closeWithoutResponse:
                context.close(promise: nil)
            case .delayed(let ms, let inner):
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .milliseconds(ms)) {
                    let (handler, ctx) = loopBound.value
                    handler.send(inner, context: ctx, keepAlive: keepAlive)
                }
            case .respond(let status, let headers, let bytes):
                var h = HTTPHeaders(headers)
                h.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
                if !keepAlive { h.replaceOrAdd(name: "Connection", value: "close") }
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: h))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
                let done = context.writeAndFlushPromise()
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
                if !keepAlive {
                    let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
                    done.futureResult.whenComplete { _ in ctx.value.close(promise: nil) }
                }
            case .truncated(let status, let headers, let bytes, let sendBytes):
                var h = HTTPHeaders(headers)
                h.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: h))), promise: nil)
                let done = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes.prefix(sendBytes))))), promise: done)
                let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.futureResult.whenComplete { _ in ctx.value.close(promise: nil) }
            }
        }

        /// Writes the stream's next event (or a keep-alive comment while nothing changes), then
        /// schedules the one after; ends after COMPLETED.
        func streamNext(id: String, sent: Int, lastEvent: String?, context: ChannelHandlerContext) {
            guard context.channel.isActive else { return }
            let scenario = server.scenario
            if let n = scenario.streamBreaksAfter, sent >= n {
                context.close(promise: nil)
                return
            }
            var sentNow = sent
            var last = lastEvent
            var delay: Int64 = 5
            switch server.streamStep(id, sent: sent, lastEvent: lastEvent) {
            case .end:
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            case .wait:
                write(": keep-alive\r\n\r\n", context: context)
                delay = 50
            case .event(let text, let isLast):
                // CRLF and a comment between events, as servers may send them.
                write("data: \(text)\r\n\r\n", context: context)
                sentNow += 1
                last = text
                if isLast {
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                    return
                }
            }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let (n, l) = (sentNow, last)
            context.eventLoop.scheduleTask(in: .milliseconds(delay)) {
                let (handler, ctx) = loopBound.value
                handler.streamNext(id: id, sent: n, lastEvent: l, context: ctx)
            }
        }

        func write(_ text: String, context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: Array(text.utf8))))), promise: nil)
        }
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise(of: Void.self) }
}
