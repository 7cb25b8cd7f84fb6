import AudioCore
import FileSafety
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary, unnamed file of raw `Float` frames: written once as a sink, then read back
/// (and rewound) as a source, so later passes need not decode and resample again while memory
/// stays flat whatever the length.
///
/// The file is created in `folder` (default `$TMPDIR` or /tmp) and unlinked at once, so it
/// disappears when closed, even if the process is killed.
public final class SpillFile: AudioSink, RewindableAudioSource {
    public let format: AudioFormat
    public var frameCount: Int? { written }
    private var fd: Int32
    private var buffer: [Float] = []
    private var readPosition = 0
    private var written = 0

    /// - Throws: `AudioIOError` (`.writeFailed`) when no temporary file can be made.
    public init(format: AudioFormat, folder: String? = nil) throws {
        self.format = format
        let dir = folder ?? (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        var template = Array((dir + "/.ltx-audio-spill-XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw AudioIOError(.writeFailed, path: dir, "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        let name = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        unlink(name)
    }

    deinit { close(fd) }

    /// Bytes of one interleaved frame on disk.
    private var bytesPerFrame: Int { format.channelCount * MemoryLayout<Float>.size }

    /// Appends the block's frames (interleaved on disk).
    public func write(_ block: AudioBlock) throws {
        let n = block.frameCount, ch = format.channelCount
        guard n > 0 else { return }
        if buffer.count < n * ch { buffer = [Float](repeating: 0, count: n * ch) }
        buffer.withUnsafeMutableBufferPointer { dst in
            block.withStorage { src, stride in
                SoundFileWriter.interleave(src.baseAddress!, stride: stride, into: dst.baseAddress!, channels: ch, frames: n)
            }
        }
        let ok = buffer.withUnsafeBytes { raw in
            FileDescriptorIO.writeAll(fd, raw.baseAddress!, count: n * bytesPerFrame, at: written * bytesPerFrame)
        }
        guard ok else {
            throw AudioIOError(.writeFailed, path: "temporary file", "cannot write the intermediate audio: \(String(cString: strerror(errno)))")
        }
        written += n
    }

    public func read(into block: inout AudioBlock) throws -> Int {
        block.frameCount = 0
        let ch = format.channelCount
        let n = min(block.capacity, written - readPosition)
        guard n > 0 else { return 0 }
        if buffer.count < n * ch { buffer = [Float](repeating: 0, count: n * ch) }
        let ok = buffer.withUnsafeMutableBytes { raw in
            FileDescriptorIO.readAll(fd, raw.baseAddress!, count: n * bytesPerFrame, at: readPosition * bytesPerFrame)
        }
        guard ok else {
            throw AudioIOError(.readFailed, path: "temporary file", "cannot read the intermediate audio back")
        }
        buffer.withUnsafeBufferPointer { src in
            block.withMutableStorage { dst, stride in
                SoundFileReader.deinterleave(src.baseAddress!, into: dst.baseAddress!, channels: ch, frames: n, stride: stride)
            }
        }
        block.frameCount = n
        readPosition += n
        return n
    }

    public func rewind() throws { readPosition = 0 }
}
