import Foundation

/// Runs the built `ltx-audio` binary, as a user would.
public enum LTXAudioBinary {
    /// The binary: `$LTX_AUDIO_BIN`, else `ltx-audio` beside the running test bundle
    /// (`.build/<config>/`), where `swift test` builds it.
    public static let path: String = {
        if let env = ProcessInfo.processInfo.environment["LTX_AUDIO_BIN"], !env.isEmpty { return env }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The bundle may be a folder (.xctest/...) on some platforms; walk up to find the binary.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("ltx-audio").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return "ltx-audio"
    }()

    /// What a run printed and how it ended.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Whether the process ended by a signal (a crash, or killed at the timeout); `status`
        /// is then the signal number.
        public var signaled = false
        /// stdout and stderr together, for "appears nowhere" checks.
        public var allOutput: String { stdout + stderr }
    }

    /// Runs `ltx-audio args...` in `directory` with extra environment variables, waiting at most
    /// `timeout` seconds (then it is killed and the test fails on the status). `stdin` is what
    /// the process reads on standard input (default: nothing, /dev/null).
    public static func run(_ args: [String], in directory: String? = nil, environment: [String: String] = [:],
                           stdin: Data? = nil, timeout: Double = 120) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = stdin.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        try process.run()
        if let input, let stdin {
            DispatchQueue.global().async {
                try? input.fileHandleForWriting.write(contentsOf: stdin)
                try? input.fileHandleForWriting.close()
            }
        }
        // Read both pipes concurrently so a chatty process cannot block on a full pipe.
        let box = OutputBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { box.setOut(out.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        group.enter()
        DispatchQueue.global().async { box.setErr(err.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        group.wait()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: box.out, as: UTF8.self),
                      stderr: String(decoding: box.err, as: UTF8.self),
                      signaled: process.terminationReason == .uncaughtSignal)
    }
}

extension LTXAudioBinary {
    /// Runs `bash -c script` with `$0` = the binary and `$1...` = `arguments`, for what a Swift
    /// `Process` cannot set up itself (`ulimit -f`, file names that are not UTF-8).
    /// - Returns: the exit status and stderr (stdout is discarded); `signaled` when it died of one.
    public static func runThroughShell(_ script: String, arguments: [String]) throws -> (status: Int32, signaled: Bool, stderr: String) {
        let bash = Process()
        bash.executableURL = URL(fileURLWithPath: "/bin/bash")
        bash.arguments = ["-c", script, path] + arguments
        let err = Pipe()
        bash.standardError = err
        bash.standardOutput = FileHandle.nullDevice
        bash.standardInput = FileHandle.nullDevice
        try bash.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        bash.waitUntilExit()
        return (bash.terminationStatus, bash.terminationReason == .uncaughtSignal, stderr)
    }
}

private final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var out = Data()
    private(set) var err = Data()
    func setOut(_ d: Data) { lock.lock(); out = d; lock.unlock() }
    func setErr(_ d: Data) { lock.lock(); err = d; lock.unlock() }
}
