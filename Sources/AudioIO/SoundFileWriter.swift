import AudioCore
import CSndFile
import FileSafety
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes planar `Float` audio to a file through libsndfile, atomically.
///
/// Samples go to a hidden temporary file in the destination folder
/// (`.ltx-audio-tmp-…`, a FileSafety `TemporaryFile`), which `commit()` flushes to disk and
/// moves to the final name. Until then the final path is untouched; `discard()` (or deinit
/// without commit) removes the temporary file, so a failure never leaves a partial output.
/// Without `overwrite`, an existing output is refused up front and again, atomically, at
/// commit (hard link).
public final class SoundFileWriter: AudioSink {
    /// Prefix of the temporary files this writer creates (FileSafety's `TemporaryName.prefix`).
    public static let temporaryPrefix = TemporaryName.prefix

    public let path: String
    public let format: AudioFormat
    public let encoding: OutputEncoding
    public let overwrite: Bool
    /// The temporary file being written.
    public let temporaryPath: String
    /// Frames written so far.
    public private(set) var frameCount = 0

    private var handle: OpaquePointer?
    /// The temporary file; libsndfile writes through its descriptor.
    private let file: TemporaryFile
    private var interleaved: [Float] = []
    private var finished = false

    /// Creates the temporary file and prepares the encoder.
    /// - Parameters:
    ///   - path: the final output path; its folder must exist.
    ///   - format: sample rate and channels of the blocks to be written.
    ///   - encoding: container and bit depth (checked against `format` first).
    ///   - tags: metadata strings to store (containers without tag support ignore them).
    ///   - overwrite: replace an existing file at `path` on commit.
    /// - Throws: `.unsupportedOutput` for impossible combinations, `.outputExists`, or
    ///   `.writeFailed` (folder missing or read-only, ...), naming `path`.
    public init(path: String, format: AudioFormat, encoding: OutputEncoding,
                tags: [SoundTag: String] = [:], overwrite: Bool = false) throws {
        self.path = path
        self.format = format
        self.encoding = encoding
        self.overwrite = overwrite
        try encoding.check(AudioFormatLimits(sampleRate: format.sampleRate, channelCount: format.channelCount), path: path)
        do throws(FileSafetyError) {
            file = try TemporaryFile(for: path, overwrite: overwrite)
        } catch {
            throw AudioIOError(error)
        }
        temporaryPath = file.path
        let fd = file.fileDescriptor
        var info = SF_INFO()
        info.samplerate = Int32(format.sampleRate)
        info.channels = Int32(format.channelCount)
        info.format = encoding.sndfileFormat
        guard sf_format_check(&info) == Int32(SF_TRUE) else {
            cleanUp()
            throw AudioIOError(.unsupportedOutput, path: path,
                "libsndfile cannot write \(encoding) at \(format.sampleRate) Hz with \(format.channelCount) channels; choose FLAC or WAV")
        }
        let h: OpaquePointer
        switch SndFileOpen.run({ sf_open_fd(fd, Int32(SFM_WRITE), &info, Int32(SF_FALSE)) }) {
        case .success(let opened): h = opened
        case .failure(let failure):
            cleanUp()
            throw AudioIOError(.unsupportedOutput, path: path, "cannot start the \(encoding) encoder", cause: failure.text)
        }
        handle = h
        configure(h, tags: tags)
    }

    deinit {
        if !finished { discard() }
    }

    private func configure(_ h: OpaquePointer, tags: [SoundTag: String]) {
        // Clip float samples beyond ±1 when converting to integer PCM instead of wrapping.
        _ = sf_command(h, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        switch encoding.container {
        case .vorbis, .opus:
            // libsndfile's 0...1 compression level; 0.3 is a transparent, modest size.
            var level = 0.3
            _ = sf_command(h, Int32(SFC_SET_COMPRESSION_LEVEL), &level, Int32(MemoryLayout<Double>.size))
        case .mp3:
            var mode = Int32(SF_BITRATE_MODE_VARIABLE)
            _ = sf_command(h, Int32(SFC_SET_BITRATE_MODE), &mode, Int32(MemoryLayout<Int32>.size))
            var level = 0.2
            _ = sf_command(h, Int32(SFC_SET_COMPRESSION_LEVEL), &level, Int32(MemoryLayout<Double>.size))
        default:
            break
        }
        for (tag, value) in tags.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where !value.isEmpty {
            _ = sf_set_string(h, tag.sndfileID, value)
        }
    }

    /// Encodes the valid frames of `block`.
    /// - Throws: `.writeFailed` with libsndfile's reason (disk full, file size limit, ...).
    public func write(_ block: AudioBlock) throws {
        precondition(block.channelCount == format.channelCount, "block has \(block.channelCount) channels, writer \(format.channelCount)")
        guard let handle else {
            throw AudioIOError(.writeFailed, path: path, "the writer is closed")
        }
        let frames = block.frameCount
        guard frames > 0 else { return }
        let channels = format.channelCount
        if interleaved.count < frames * channels { interleaved = [Float](repeating: 0, count: frames * channels) }
        interleaved.withUnsafeMutableBufferPointer { dst in
            block.withStorage { src, stride in
                SoundFileWriter.interleave(src.baseAddress!, stride: stride, into: dst.baseAddress!, channels: channels, frames: frames)
            }
        }
        let written = interleaved.withUnsafeBufferPointer { Int(sf_writef_float(handle, $0.baseAddress!, sf_count_t(frames))) }
        if written != frames {
            let reason = String(cString: sf_strerror(handle))
            let errText = errno != 0 ? String(cString: strerror(errno)) : ""
            throw AudioIOError(.writeFailed, path: path,
                "write failed at frame \(frameCount + written)", cause: reason == "No Error." ? errText : reason)
        }
        frameCount += frames
    }

    /// Finishes the encoder and flushes the temporary file to disk without moving it, so it can
    /// be checked (decoded from `temporaryPath`) before `commit()` or `discard()`.
    /// - Throws: `.writeFailed`; the temporary file is removed.
    public func finish() throws {
        guard !finished, let h = handle else { return }
        handle = nil
        let closeResult = sf_close(h)
        if closeResult != 0 {
            let text = String(cString: sf_error_number(closeResult))
            cleanUp()
            throw AudioIOError(.writeFailed, path: path, "cannot finish the file", cause: text)
        }
        do throws(FileSafetyError) {
            // The file stays open and locked until commit or discard.
            try file.sync()
        } catch {
            cleanUp()
            throw AudioIOError(error)
        }
    }

    /// Finishes the encoder (if `finish()` was not called), flushes the file to disk and moves
    /// it to `path`.
    /// - Throws: `.writeFailed` or `.outputExists` (someone created `path` meanwhile);
    ///   the temporary file is removed in either case.
    public func commit() throws {
        guard !finished else { return }
        try finish()
        do throws(FileSafetyError) {
            try file.place()
        } catch {
            cleanUp()
            throw AudioIOError(error)
        }
        finished = true
    }

    /// Abandons the output: closes the encoder and removes the temporary file.
    public func discard() {
        guard !finished else { return }
        if let h = handle { sf_close(h) }
        handle = nil
        cleanUp()
    }

    private func cleanUp() {
        file.discard()
        finished = true
    }

    static func interleave(_ src: UnsafePointer<Float>, stride: Int, into dst: UnsafeMutablePointer<Float>, channels: Int, frames: Int) {
        if channels == 1 {
            dst.update(from: src, count: frames)
            return
        }
        for c in 0..<channels {
            let input = src + c * stride
            var i = 0, j = c
            while i < frames {
                dst[j] = input[i]
                i += 1
                j += channels
            }
        }
    }
}
