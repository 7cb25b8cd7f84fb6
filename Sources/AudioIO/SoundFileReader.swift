import AudioCore
import CSndFile
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tags (metadata strings) libsndfile reads and writes.
public enum SoundTag: String, Sendable, CaseIterable, Hashable, Codable {
    case title, copyright, software, artist, comment, date, album, license, trackNumber, genre

    var sndfileID: Int32 {
        switch self {
        case .title: return Int32(SF_STR_TITLE)
        case .copyright: return Int32(SF_STR_COPYRIGHT)
        case .software: return Int32(SF_STR_SOFTWARE)
        case .artist: return Int32(SF_STR_ARTIST)
        case .comment: return Int32(SF_STR_COMMENT)
        case .date: return Int32(SF_STR_DATE)
        case .album: return Int32(SF_STR_ALBUM)
        case .license: return Int32(SF_STR_LICENSE)
        case .trackNumber: return Int32(SF_STR_TRACKNUMBER)
        case .genre: return Int32(SF_STR_GENRE)
        }
    }
}

/// What a decoded file holds.
public struct SoundFileInfo: Sendable, Hashable {
    /// Sample rate and channel layout (from the file's channel map when it has one).
    public var format: AudioFormat
    /// Frames the header announces. Exact for PCM, FLAC and Ogg; an estimate for MP3
    /// (`isFrameCountExact` is false), where decoding may end a few frames earlier.
    public var frameCount: Int
    public var isFrameCountExact: Bool
    /// The container when libsndfile can also write it (nil for read-only containers).
    public var container: Container?
    /// "WAV", "FLAC", "Ogg Vorbis", ...
    public var containerName: String
    /// "16-bit PCM", "32-bit float", "Vorbis", ...
    public var encodingName: String
    /// 16, 24 or 32 (float) when the encoding is one of those PCM/float kinds; nil otherwise.
    public var bitDepth: Int?
    /// The file's tags.
    public var tags: [SoundTag: String]

    /// Duration in seconds.
    public var duration: Double { format.seconds(frames: frameCount) }
}

/// Decodes any file libsndfile reads (WAV/WAVEX, FLAC, Ogg Vorbis/Opus, MP3, AIFF, CAF, W64,
/// RF64, ...) to planar `Float`, block by block.
///
/// Interleaved samples from libsndfile are split into planar channels here; nothing else in
/// the project sees interleaved data. The file is never modified. Not `Sendable`: one reader
/// belongs to one task.
public final class SoundFileReader: RewindableAudioSource {
    /// The path as given (for a reader of bytes in memory, the name given).
    public let path: String
    public let info: SoundFileInfo
    public var format: AudioFormat { info.format }
    public var frameCount: Int? { info.frameCount }

    private var handle: OpaquePointer?
    private var interleaved: [Float] = []
    /// Frames delivered since the start (or the last rewind).
    public private(set) var position = 0
    /// Data-chunk length the header claimed, when libsndfile noted it was longer than the file.
    private let truncatedHeaderFrames: Int?

    /// The highest input sample rate accepted, Hz (the highest output rate too).
    public static let maxSampleRate = 768_000
    /// The highest channels × sample rate accepted (1024 channels at 48 kHz, 64 at 768 kHz):
    /// the meters' and stages' buffers grow with channels × rate (the loudness meter's 100 ms
    /// sub-block of every channel, for one).
    public static let maxSamplesPerSecond = 1024 * 48_000

    /// The bytes being decoded, for a reader made with `init(bytes:name:)`; kept alive here
    /// because libsndfile reads them through `VirtualFile`'s callbacks until `close()`.
    private let memory: VirtualFile?

    /// Opens `path` for decoding.
    /// - Throws: `AudioIOError` with code `.missing`, `.unreadable`, `.empty`, `.notAudio`,
    ///   `.unsupportedEncoding`, `.malformed` or `.truncated`, naming the file.
    public convenience init(path: String) throws {
        try SoundFileReader.checkReadableFile(path)
        try self.init(name: path, memory: nil) { info in sf_open(path, Int32(SFM_READ), &info) }
    }

    /// Decodes an audio file held in memory (a download, a fuzzer's input) through libsndfile's
    /// virtual I/O, with the same checks, errors and behaviour as `init(path:)`.
    /// - Parameters:
    ///   - bytes: the whole file; copied, so the caller may reuse its array.
    ///   - name: what messages call the file (`AudioIOError.path`), e.g. its URL or intended name.
    /// - Throws: `AudioIOError` with code `.empty`, `.notAudio`, `.unsupportedEncoding`,
    ///   `.malformed` or `.truncated`, naming `name`.
    public convenience init(bytes: [UInt8], name: String) throws {
        if bytes.isEmpty { throw AudioIOError(.empty, path: name, "empty file (0 bytes), not audio") }
        let memory = VirtualFile(bytes)
        try self.init(name: name, memory: memory) { info in
            var io = VirtualFile.callbacks
            return sf_open_virtual(&io, Int32(SFM_READ), &info, Unmanaged.passUnretained(memory).toOpaque())
        }
    }

    /// Checks that `path` is a readable, non-empty regular file, naming the reason otherwise.
    private static func checkReadableFile(_ path: String) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            let err = errno
            if err == ENOENT || err == ENOTDIR {
                var link = stat()
                if lstat(path, &link) == 0 && (link.st_mode & S_IFMT) == S_IFLNK {
                    throw AudioIOError(.missing, path: path, "is a symbolic link to a file that does not exist")
                }
                if path.unicodeScalars.contains("\u{FFFD}") {
                    // Swift decodes a command-line argument that is not UTF-8 with U+FFFD in
                    // place of the bad bytes, so the path no longer names the file.
                    throw AudioIOError(.missing, path: path,
                        "not found; if the name holds bytes that are not UTF-8 (shown as \u{FFFD}), it cannot be opened by name: rename it or give its folder")
                }
                throw AudioIOError(.missing, path: path, "no such file")
            }
            if err == ELOOP {
                throw AudioIOError(.unreadable, path: path, "is a symbolic link loop (it leads back to itself)")
            }
            throw AudioIOError(.unreadable, path: path, "cannot read: \(String(cString: strerror(err)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw AudioIOError(.unreadable, path: path, "is a folder, not an audio file")
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFIFO: throw AudioIOError(.unreadable, path: path, "is a named pipe, not a regular file")
        case S_IFCHR, S_IFBLK: throw AudioIOError(.unreadable, path: path, "is a device, not a regular file")
        case S_IFSOCK: throw AudioIOError(.unreadable, path: path, "is a socket, not a regular file")
        default: throw AudioIOError(.unreadable, path: path, "is not a regular file")
        }
        if access(path, R_OK) != 0 {
            throw AudioIOError(.unreadable, path: path, "cannot read: \(String(cString: strerror(errno)))")
        }
        if st.st_size == 0 {
            throw AudioIOError(.empty, path: path, "empty file (0 bytes), not audio")
        }
    }

    /// The decoding common to files and memory: `open` asks libsndfile for a handle.
    private init(name path: String, memory: VirtualFile?, open: (inout SF_INFO) -> OpaquePointer?) throws {
        self.path = path
        self.memory = memory
        var sfinfo = SF_INFO()
        let h: OpaquePointer
        switch SndFileOpen.run({ open(&sfinfo) }) {
        case .success(let opened): h = opened
        case .failure(let failure): throw SoundFileReader.openError(failure, path: path)
        }
        handle = h

        let (container, containerName) = SndFileNames.container(sfinfo.format)
        let (encodingName, bitDepth) = SndFileNames.encoding(sfinfo.format)
        let channels = Int(sfinfo.channels)
        guard channels > 0, sfinfo.samplerate > 0 else {
            sf_close(h)
            throw AudioIOError(.malformed, path: path, "header gives \(channels) channels at \(sfinfo.samplerate) Hz")
        }
        // Buffers of the meters and stages scale with the rate (a 100 ms sub-block is rate/10
        // frames per channel), so a damaged header claiming gigahertz would allocate gigabytes.
        guard Int(sfinfo.samplerate) <= SoundFileReader.maxSampleRate else {
            sf_close(h)
            throw AudioIOError(.malformed, path: path,
                "header gives a sample rate of \(sfinfo.samplerate) Hz, above the \(SoundFileReader.maxSampleRate) Hz this tool handles; the header is probably damaged")
        }
        guard channels * Int(sfinfo.samplerate) <= SoundFileReader.maxSamplesPerSecond else {
            sf_close(h)
            throw AudioIOError(.malformed, path: path,
                "header gives \(channels) channels at \(sfinfo.samplerate) Hz, more than the \(SoundFileReader.maxSamplesPerSecond) samples per second this tool handles (1024 channels at 48 kHz, 64 at 768 kHz)")
        }
        let layout = SoundFileReader.channelLayout(h, channels: channels)
        var tags: [SoundTag: String] = [:]
        for tag in SoundTag.allCases {
            if let p = sf_get_string(h, tag.sndfileID) {
                let value = String(cString: p)
                if !value.isEmpty { tags[tag] = value }
            }
        }
        let isMPEG = (sfinfo.format & Int32(SF_FORMAT_TYPEMASK)) == Int32(SF_FORMAT_MPEG)
        info = SoundFileInfo(
            format: AudioFormat(sampleRate: Int(sfinfo.samplerate), layout: layout),
            frameCount: Int(sfinfo.frames), isFrameCountExact: !isMPEG,
            container: container, containerName: containerName, encodingName: encodingName,
            bitDepth: bitDepth, tags: tags)
        truncatedHeaderFrames = SoundFileReader.claimedDataFrames(h, sfinfo: sfinfo)

        if let claimed = truncatedHeaderFrames {
            sf_close(h)
            handle = nil
            let have = info.frameCount
            throw AudioIOError(.truncated, path: path,
                "truncated: the header promises \(claimed) frames (\(seconds(claimed)) s), the data ends at frame \(have) (\(seconds(have)) s); re-download or re-export it")
        }
        if info.frameCount == 0 {
            sf_close(h)
            handle = nil
            throw AudioIOError(.empty, path: path, "contains no audio frames")
        }
    }

    /// The error for a failed open, in the user's terms where libsndfile's own are cryptic.
    private static func openError(_ failure: SndFileOpen.Failure, path: String) -> AudioIOError {
        switch failure.code {
        case Int(SF_ERR_UNRECOGNISED_FORMAT):
            return AudioIOError(.notAudio, path: path, "not an audio file libsndfile can decode", cause: failure.text)
        case Int(SF_ERR_UNSUPPORTED_ENCODING):
            return AudioIOError(.unsupportedEncoding, path: path, "unsupported encoding", cause: failure.text)
        case Int(SF_ERR_MALFORMED_FILE):
            return AudioIOError(.malformed, path: path, "malformed audio file", cause: failure.text)
        default:
            // libsndfile parsed the header, then refused its values ("SF_INFO struct incomplete").
            if let rate = failure.parsedSampleRate, rate < 1 {
                return AudioIOError(.malformed, path: path,
                    "header gives a sample rate of \(rate) Hz; the header is damaged", cause: failure.text)
            }
            if let frames = failure.parsedFrames, frames < 0 {
                return AudioIOError(.malformed, path: path,
                    "header gives a negative length (\(frames) frames); the header is damaged", cause: failure.text)
            }
            return AudioIOError(.malformed, path: path, "cannot decode", cause: failure.text)
        }
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    /// Reads up to `block.capacity` frames into `block` (planar), setting its `frameCount`.
    /// - Returns: frames read; 0 at the end.
    /// - Throws: `.truncated` when the data ends before the header's frame count (PCM, FLAC,
    ///   Ogg), `.readFailed` when libsndfile reports a decoding error.
    public func read(into block: inout AudioBlock) throws -> Int {
        precondition(block.channelCount == info.format.channelCount, "block has \(block.channelCount) channels, file has \(info.format.channelCount)")
        block.frameCount = 0
        guard let handle else { return 0 }
        let channels = info.format.channelCount
        let want = block.capacity
        guard want > 0 else { return 0 }
        if interleaved.count < want * channels { interleaved = [Float](repeating: 0, count: want * channels) }
        let got = interleaved.withUnsafeMutableBufferPointer { buf in
            Int(sf_readf_float(handle, buf.baseAddress!, sf_count_t(want)))
        }
        if got < want {
            let err = sf_error(handle)
            if err != 0 {
                throw AudioIOError(.readFailed, path: path,
                    "cannot decode at frame \(position + got) (\(seconds(position + got)) s)",
                    cause: String(cString: sf_strerror(handle)))
            }
            if info.isFrameCountExact && position + got < info.frameCount {
                throw AudioIOError(.truncated, path: path,
                    "truncated: data ends at frame \(position + got) (\(seconds(position + got)) s) of \(info.frameCount); re-download or re-export it")
            }
        }
        if got > 0 {
            block.frameCount = got
            interleaved.withUnsafeBufferPointer { src in
                block.withMutableStorage { dst, stride in
                    Self.deinterleave(src.baseAddress!, into: dst.baseAddress!, channels: channels, frames: got, stride: stride)
                }
            }
        }
        position += got
        return got
    }

    /// Reads everything from the current position into one block. Allocates the whole signal:
    /// for short files and tests; processing streams with `read(into:)` instead.
    public func readAll(blockSize: Int = 4096) throws -> AudioBlock {
        var all = BufferSink(channelCount: info.format.channelCount)
        var block = AudioBlock(channelCount: info.format.channelCount, capacity: blockSize)
        while try read(into: &block) > 0 { try all.write(block) }
        return all.samples
    }

    /// Goes back to the first frame.
    public func rewind() throws {
        guard let handle else { return }
        if sf_seek(handle, 0, SEEK_SET) < 0 {
            throw AudioIOError(.readFailed, path: path, "cannot seek back to the start", cause: String(cString: sf_strerror(handle)))
        }
        position = 0
    }

    /// Closes the file early; reads after this return 0.
    public func close() {
        if let handle { sf_close(handle) }
        handle = nil
    }

    private func seconds(_ frames: Int) -> String {
        let s = Double(frames) / Double(info.format.sampleRate)
        return String(Double(Int((s * 100).rounded())) / 100)
    }

    static func deinterleave(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, channels: Int, frames: Int, stride: Int) {
        if channels == 1 {
            dst.update(from: src, count: frames)
            return
        }
        for c in 0..<channels {
            let out = dst + c * stride
            var i = 0, j = c
            while i < frames {
                out[i] = src[j]
                i += 1
                j += channels
            }
        }
    }

    /// The layout from the file's channel map (WAVEX, CAF, ...) or inferred from the count.
    private static func channelLayout(_ h: OpaquePointer, channels: Int) -> ChannelLayout {
        var map = [Int32](repeating: 0, count: channels)
        let ok = map.withUnsafeMutableBytes { buf in
            sf_command(h, Int32(SFC_GET_CHANNEL_MAP_INFO), buf.baseAddress, Int32(buf.count))
        }
        guard ok == Int32(SF_TRUE) else { return .inferred(channelCount: channels) }
        let roles = map.map(role(of:))
        if channels == 1 { return .mono }
        return roles.allSatisfy({ $0 == .unknown }) ? .inferred(channelCount: channels) : ChannelLayout(roles: roles)
    }

    private static func role(of id: Int32) -> ChannelRole {
        switch Int(id) {
        case Int(SF_CHANNEL_MAP_MONO): return .mono
        case Int(SF_CHANNEL_MAP_LEFT), Int(SF_CHANNEL_MAP_FRONT_LEFT): return .left
        case Int(SF_CHANNEL_MAP_RIGHT), Int(SF_CHANNEL_MAP_FRONT_RIGHT): return .right
        case Int(SF_CHANNEL_MAP_CENTER), Int(SF_CHANNEL_MAP_FRONT_CENTER): return .center
        case Int(SF_CHANNEL_MAP_LFE): return .lfe
        case Int(SF_CHANNEL_MAP_REAR_LEFT): return .leftSurround
        case Int(SF_CHANNEL_MAP_REAR_RIGHT): return .rightSurround
        case Int(SF_CHANNEL_MAP_REAR_CENTER): return .centerBack
        case Int(SF_CHANNEL_MAP_SIDE_LEFT): return .leftSide
        case Int(SF_CHANNEL_MAP_SIDE_RIGHT): return .rightSide
        default: return .unknown
        }
    }

    /// libsndfile accepts a RIFF/AIFF file whose data chunk claims more bytes than the file has,
    /// shortening the frame count and noting "data : N (should be M)" in its log. We report
    /// such a file as truncated instead of silently decoding part of it.
    private static func claimedDataFrames(_ h: OpaquePointer, sfinfo: SF_INFO) -> Int? {
        let text = SndFileOpen.log(h)
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingLeadingSpaces()
            guard trimmed.hasPrefix("data") || trimmed.hasPrefix("SSND") else { continue }
            guard let open = trimmed.range(of: "(should be ") else { continue }
            let claimedText = trimmed[trimmed.index(after: trimmed.firstIndex(of: ":") ?? trimmed.startIndex)..<open.lowerBound]
            let actualText = trimmed[open.upperBound...].prefix { $0.isNumber }
            guard let claimed = Int(claimedText.filter { $0.isNumber }), let actual = Int(actualText),
                  claimed > actual, claimed != 0xFFFF_FFFF, claimed != 0 else { continue }
            // Bytes per frame from the encoding when it is plain PCM/float (so a header with no
            // data at all still gives the frames it promised); else from what was found.
            let frameBytes: Double
            if let sampleBytes = bytesPerSample(sfinfo.format) {
                frameBytes = Double(sampleBytes * Int(sfinfo.channels))
            } else if actual > 0 && sfinfo.frames > 0 {
                frameBytes = Double(actual) / Double(sfinfo.frames)
            } else {
                frameBytes = 0
            }
            guard frameBytes > 0 else { return Int(sfinfo.frames) }
            let claimedFrames = Int(Double(claimed) / frameBytes)
            // A size a few bytes over the data that adds no whole frame (an odd size, a missing
            // pad byte) loses nothing: decode it.
            if claimedFrames <= Int(sfinfo.frames) { continue }
            return claimedFrames
        }
        return nil
    }

    /// Bytes of one sample for uncompressed PCM and float encodings; nil for the others.
    private static func bytesPerSample(_ format: Int32) -> Int? {
        switch Int(format & Int32(SF_FORMAT_SUBMASK)) {
        case Int(SF_FORMAT_PCM_S8), Int(SF_FORMAT_PCM_U8): return 1
        case Int(SF_FORMAT_PCM_16): return 2
        case Int(SF_FORMAT_PCM_24): return 3
        case Int(SF_FORMAT_PCM_32), Int(SF_FORMAT_FLOAT): return 4
        case Int(SF_FORMAT_DOUBLE): return 8
        default: return nil
        }
    }
}

/// A file in memory for libsndfile's virtual I/O (`sf_open_virtual`): read-only, with a
/// position that may go past the end (reads there return nothing), as a file's can.
final class VirtualFile {
    private let bytes: UnsafeMutableRawBufferPointer
    private var position = 0

    init(_ source: [UInt8]) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 16)
        source.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }

    deinit { bytes.deallocate() }

    private static func this(_ p: UnsafeMutableRawPointer?) -> VirtualFile {
        Unmanaged<VirtualFile>.fromOpaque(p!).takeUnretainedValue()
    }

    /// libsndfile copies this table when opening.
    static var callbacks: SF_VIRTUAL_IO {
        SF_VIRTUAL_IO(
            get_filelen: { user in sf_count_t(VirtualFile.this(user).bytes.count) },
            seek: { offset, whence, user in
                let f = VirtualFile.this(user)
                let base: Int
                switch whence {
                case SEEK_SET: base = 0
                case SEEK_CUR: base = f.position
                case SEEK_END: base = f.bytes.count
                default: return -1
                }
                let (target, overflow) = base.addingReportingOverflow(Int(offset))
                guard !overflow, target >= 0 else { return -1 }
                f.position = target
                return sf_count_t(target)
            },
            read: { destination, count, user in
                let f = VirtualFile.this(user)
                guard let destination, count > 0, f.position < f.bytes.count else { return 0 }
                let n = min(Int(count), f.bytes.count - f.position)
                destination.copyMemory(from: f.bytes.baseAddress! + f.position, byteCount: n)
                f.position += n
                return sf_count_t(n)
            },
            write: { _, _, _ in 0 },
            tell: { user in sf_count_t(VirtualFile.this(user).position) })
    }
}

extension Substring {
    func trimmingLeadingSpaces() -> Substring { drop { $0 == " " || $0 == "\t" } }
    func trimmingTrailingSpaces() -> Substring {
        var s = Substring(self)
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
    func range(of needle: String) -> Range<Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}
