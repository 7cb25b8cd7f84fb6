import AudioCore
import CSndFile
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes planar `Float` audio to a file through libsndfile, atomically.
///
/// Samples go to a hidden temporary file in the destination folder
/// (`.ltx-audio-tmp-…`), which `commit()` flushes to disk and moves to the final name. Until
/// then the final path is untouched; `discard()` (or deinit without commit) removes the
/// temporary file, so a failure never leaves a partial output. Without `overwrite`, an
/// existing output is refused up front and again, atomically, at commit (hard link).
public final class SoundFileWriter: AudioSink {
    /// Prefix of the temporary files this writer creates; input discovery skips such names.
    public static let temporaryPrefix = ".ltx-audio-tmp-"

    public let path: String
    public let format: AudioFormat
    public let encoding: OutputEncoding
    public let overwrite: Bool
    /// The temporary file being written.
    public let temporaryPath: String
    /// Frames written so far.
    public private(set) var frameCount = 0

    private var handle: OpaquePointer?
    private var fd: Int32 = -1
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
        (temporaryPath, fd) = try AtomicFile.createTemporary(for: path, overwrite: overwrite)
        // Held until the file is finished: `removeStaleTemporaryFiles` leaves locked files alone,
        // even when their pid looks dead from another pid namespace.
        _ = flock(fd, LOCK_EX | LOCK_NB)
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
        if fsync(fd) != 0 {
            let text = String(cString: strerror(errno))
            cleanUp()
            throw AudioIOError(.writeFailed, path: path, "cannot flush the file to disk: \(text)")
        }
        Glibc.close(fd)
        fd = -1
    }

    /// Finishes the encoder (if `finish()` was not called), flushes the file to disk and moves
    /// it to `path`.
    /// - Throws: `.writeFailed` or `.outputExists` (someone created `path` meanwhile);
    ///   the temporary file is removed in either case.
    public func commit() throws {
        guard !finished else { return }
        try finish()
        do {
            try AtomicFile.place(temporaryPath, at: path, overwrite: overwrite)
        } catch {
            cleanUp()
            throw error
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
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        AtomicFile.remove(temporaryPath)
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

    /// Removes the temporary files that writers of processes no longer running left in
    /// `folder` (a process killed with SIGKILL, a power cut), so that re-running a batch leaves
    /// only complete outputs under their final names.
    ///
    /// A file is removed only when all of these hold: its name is `temporaryName`'s form, it is
    /// a regular file, the pid in its name is not a running process, and no one holds its lock
    /// (a live writer does). Files of this process and of live ones are never touched.
    /// - Returns: the names removed (empty when the folder does not exist or cannot be read).
    @discardableResult
    public static func removeStaleTemporaryFiles(in folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var removed: [String] = []
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            guard let pid = owner(ofTemporaryName: name), pid != getpid() else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // running (EPERM: someone else's)
            let path = base + name
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { continue }
            defer { Glibc.close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            if unlink(path) == 0 { removed.append(name) }
        }
        return removed.sorted()
    }

    /// The pid in a temporary file's name (`.ltx-audio-tmp-<pid>-<serial>-...`), or nil.
    static func owner(ofTemporaryName name: String) -> Int32? {
        guard name.hasPrefix(temporaryPrefix) else { return nil }
        let fields = name.dropFirst(temporaryPrefix.count).split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let pid = Int32(fields[0]), pid > 0, Int(fields[1]) != nil else { return nil }
        return pid
    }

    /// Longest file name most file systems take, in bytes (NAME_MAX).
    static let maxNameBytes = 255

    /// `.ltx-audio-tmp-<pid>-<serial>-<base>`, with `base` shortened (at a character boundary)
    /// so the name fits in `maxNameBytes`: a 255-byte output name must still get a temporary
    /// file. The pid lets a later run recognise files left by a killed process.
    static func temporaryName(pid: Int32, serial: Int, base: String) -> String {
        let head = temporaryPrefix + "\(pid)-\(serial)-"
        var kept = Substring(base)
        while head.utf8.count + kept.utf8.count > maxNameBytes, !kept.isEmpty { kept = kept.dropLast() }
        return head + kept
    }

    static func split(_ path: String) -> (dir: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }
}

/// A small pthread mutex, so AudioIO needs no Foundation for one counter.
final class PThreadLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
