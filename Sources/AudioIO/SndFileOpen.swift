import CSndFile
import FileSafety

/// Opening a file with libsndfile, and reading why an open failed.
///
/// libsndfile reports a failed open through process-wide state (`sf_error(NULL)`,
/// `sf_strerror(NULL)` and the parse log), which a concurrent open in another thread
/// (`master --jobs`) would overwrite. Opens are therefore serialised and their failure is read
/// inside the same critical section; reading and writing the open files stays parallel.
enum SndFileOpen {
    /// Why an open failed, as libsndfile said it.
    struct Failure: Error, Sendable {
        /// `sf_error(NULL)`: one of the public `SF_ERR_*` codes or a private one.
        var code: Int
        /// `sf_strerror(NULL)`.
        var text: String
        /// The sample rate libsndfile parsed from the header, when its log states it.
        var parsedSampleRate: Int?
        /// The frame count libsndfile parsed from the header, when its log states it.
        var parsedFrames: Int?
    }

    private static let lock = PThreadLock()

    /// Runs `open` (a call of `sf_open`, `sf_open_virtual` or `sf_open_fd`) alone.
    static func run(_ open: () -> OpaquePointer?) -> Result<OpaquePointer, Failure> {
        lock.withLock {
            if let handle = open() { return .success(handle) }
            let text = String(cString: sf_strerror(nil))
            let parseLog = log(nil)
            return .failure(Failure(
                code: Int(sf_error(nil)), text: text,
                parsedSampleRate: summaryValue("Sample rate", in: parseLog),
                parsedFrames: summaryValue("Frames", in: parseLog)))
        }
    }

    /// libsndfile's log of a header parse: `handle`'s, or with nil, the last failed open's.
    static func log(_ handle: OpaquePointer?) -> String {
        var buffer = [CChar](repeating: 0, count: 16_384)
        _ = buffer.withUnsafeMutableBufferPointer { p in
            sf_command(handle, Int32(SFC_GET_LOG_INFO), p.baseAddress, Int32(p.count))
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A value of the summary libsndfile appends when a parsed header fails its checks
    /// (lines like ` Sample rate :   0`); the last such line wins.
    static func summaryValue(_ name: String, in log: String) -> Int? {
        var value: Int?
        for line in log.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingLeadingSpaces().trimmingTrailingSpaces() == name else { continue }
            if let v = Int(parts[1].trimmingLeadingSpaces().trimmingTrailingSpaces()) { value = v }
        }
        return value
    }
}
