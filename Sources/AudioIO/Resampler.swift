import AudioCore
import CSampleRate
import Dispatch

/// libsamplerate converter quality.
public enum ResamplerQuality: String, Sendable, CaseIterable, Hashable {
    /// SRC_SINC_BEST_QUALITY: 97 dB SNR, 97 % bandwidth. The default.
    case best
    /// SRC_SINC_MEDIUM_QUALITY: 97 dB SNR, 90 % bandwidth; several times faster.
    case medium
    /// SRC_SINC_FASTEST: 97 dB SNR, 80 % bandwidth; fastest band-limited converter.
    case fast

    var converter: Int32 {
        switch self {
        case .best: return Int32(SRC_SINC_BEST_QUALITY)
        case .medium: return Int32(SRC_SINC_MEDIUM_QUALITY)
        case .fast: return Int32(SRC_SINC_FASTEST)
        }
    }

    /// A new libsamplerate converter of this quality for `channels` interleaved channels (the
    /// caller `src_delete`s it).
    /// - Throws: `.resampleFailed` with libsamplerate's reason.
    func newConverter(channels: Int) throws -> OpaquePointer {
        var error: Int32 = 0
        guard let c = src_new(converter, Int32(channels), &error) else {
            throw AudioIOError(.resampleFailed, path: "resampler",
                "libsamplerate could not start", cause: String(cString: src_strerror(error)))
        }
        return c
    }
}

/// A stage that converts the sample rate with libsamplerate, streaming (`src_process`).
///
/// The output is time-aligned with the input (libsamplerate's sinc converters add no delay:
/// output frame k is the input at time k / ratio) and its length is exactly
/// `round(inputFrames * ratio)`: the converter is drained at the end and the last frames are
/// cut or padded to that count. At equal rates the stage passes blocks through unchanged.
/// ``Threading-swift.enum`` chooses how many cores one stream uses; the samples are the same
/// whichever is chosen (see each case for how close).
/// Not `Sendable` (it owns a C converter state); one instance per stream.
public struct Resampler: AudioStage {
    /// How one stream's conversion uses threads.
    ///
    /// Measured on 2 cores (7.7 s of 24 kHz to 48 kHz, block by block, release build; medians
    /// of 15 alternating runs, the machine shared with other builds, load average 4 to 7; the
    /// stopwatch and the benchmark `Resampler/...` in MasteringKernels): CPU per conversion,
    /// `best` stereo: `.single` 131 ms, `.channels` 256 ms, `.segments(2)` 139 ms; `best` mono
    /// 127 / 127 / 135 ms; `medium` stereo 44 / 83 / 45 ms; `medium` mono 41 / 41 / 42 ms. Wall
    /// time with the second core free (one set of 15 runs found it so), `best` stereo:
    /// `.single` 131 ms, `.channels` 133 ms, `.segments(2)` 71 ms (0.54×); the fastest mono
    /// runs: `best` 125 against 81 ms, `medium` 40 against 27 ms. With no core free each takes
    /// its CPU time or more. So `.segments` nearly halves the wall time for 2 to 6 % more CPU,
    /// mono included, and `.channels` costs twice the CPU for no gain over it. Allocation:
    /// `.segments` allocates its buffers in `prepare`; Dispatch allocates a little per parallel
    /// step, once per chunk (69 mallocs for the 7.7 s clip, `.single` 29, `.channels`, which
    /// steps per block, 191).
    public enum Threading: Sendable, Hashable {
        /// One multi-channel converter on the calling thread: the least CPU; the choice when
        /// other streams already keep the cores busy (a batch).
        case single
        /// One mono converter per channel, the channels on separate threads: identical samples
        /// to `.single` within 1e-6; no help for mono.
        case channels
        /// The stream cut into time segments, `count` of them converted concurrently, each
        /// from a fresh converter given enough input before and after it (``SegmentPlan``)
        /// that it computes what one serial converter would: equal to `.single` within 1e-5 of
        /// full scale (-100 dB), exactly as long. Buffers a quarter second to a second of input (flat
        /// memory).
        case segments(Int)
    }

    public let targetRate: Int
    public let quality: ResamplerQuality
    public let threading: Threading
    /// Whether each channel has its own converter on its own thread (``Threading-swift.enum/channels``).
    public var parallelChannels: Bool { threading == .channels }
    /// Input seconds per parallel step with `.segments` (tests shorten it to cross many
    /// chunks); nil: ``defaultChunkSeconds(for:)``.
    package var segmentChunkSeconds: Double?

    /// A second for `best`, whose long filter makes each segment's roll dear (a quarter second
    /// costs it 5 to 8 % more time, measured with compare-tools.sh); a quarter second for the
    /// others, which keeps a 24 kHz stereo file's peak memory about 3 MiB lower (31 MiB with
    /// `medium`, 34 MiB against 31 with one converter at `best`).
    static func defaultChunkSeconds(for quality: ResamplerQuality) -> Double { quality == .best ? 1.0 : 0.25 }
    /// The most channels given to one multi-channel converter.
    static let maxInterleavedChannels = 32
    private var state: (any SampleRateConverter)?
    private var segmented: SegmentParallelConverter?
    private var ratio = 1.0
    private var channels = 0
    private var inputFrames = 0
    private var outputFrames = 0
    private var drained = false

    /// - Parameters:
    ///   - targetRate: output sample rate in Hz (1 ... 768000 ... libsamplerate allows ratios 1/256 to 256).
    ///   - quality: converter quality, `.best` by default.
    ///   - threading: how the conversion uses threads (default `.single`).
    public init(to targetRate: Int, quality: ResamplerQuality = .best, threading: Threading = .single) {
        precondition(targetRate > 0, "sample rate must be positive")
        if case .segments(let n) = threading { precondition(n >= 1, "segments must be at least 1") }
        self.targetRate = targetRate
        self.quality = quality
        self.threading = threading
    }

    /// - Parameters:
    ///   - parallelChannels: one converter per channel, the channels on separate threads
    ///     (`.channels`), else `.single`.
    public init(to targetRate: Int, quality: ResamplerQuality = .best, parallelChannels: Bool) {
        self.init(to: targetRate, quality: quality, threading: parallelChannels ? .channels : .single)
    }

    public var name: String { "resample to \(targetRate) Hz (\(quality.rawValue))" }

    public mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
        ratio = Double(targetRate) / Double(format.sampleRate)
        channels = format.channelCount
        inputFrames = 0
        outputFrames = 0
        drained = false
        segmented = nil
        var out = format
        out.sampleRate = targetRate
        guard targetRate != format.sampleRate else {
            state = nil
            return StreamSpec(format: out, maxFrames: maxFrames)
        }
        guard src_is_valid_ratio(ratio) != 0 else {
            throw AudioIOError(.resampleFailed, path: "resampler",
                "cannot convert \(format.sampleRate) Hz to \(targetRate) Hz (ratio \(ratio) is outside 1/256...256)")
        }
        // Generous room: libsamplerate may release a little buffered input on any call.
        let maxOut = Int((Double(maxFrames) * ratio).rounded(.up)) + 1024
        // libsamplerate's converters take a limited number of channels (its sinc converter
        // refuses 1024): beyond `maxInterleavedChannels`, one converter per channel.
        if channels > Self.maxInterleavedChannels {
            state = try PerChannelConverters(quality: quality, channels: channels, maxOutputFrames: maxOut)
            return StreamSpec(format: out, maxFrames: maxOut)
        }
        switch threading {
        case .segments(let count):
            state = nil
            let plan = SegmentPlan(quality: quality, inputRate: format.sampleRate, outputRate: targetRate, segments: count,
                                   chunkSeconds: segmentChunkSeconds ?? Self.defaultChunkSeconds(for: quality))
            segmented = try SegmentParallelConverter(plan: plan, quality: quality, channels: channels, ratio: ratio,
                                                     maxInputFrames: maxFrames)
        case .channels where channels > 1:
            state = try PerChannelConverters(quality: quality, channels: channels, maxOutputFrames: maxOut)
        default:
            state = try InterleavedConverter(quality: quality, channels: channels, maxInputFrames: maxFrames, maxOutputFrames: maxOut)
        }
        return StreamSpec(format: out, maxFrames: maxOut)
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        if let segmented {
            _ = try segmented.process(input, into: &output)
            return
        }
        guard let state else {
            output.append(input)
            return
        }
        inputFrames += input.frameCount
        let produced = try state.convert(input, ratio: ratio, endOfInput: false, into: &output)
        outputFrames += produced
    }

    public mutating func flush(into output: inout AudioBlock) throws {
        if let segmented {
            // It keeps the exact length itself and emits until nothing is left.
            _ = try segmented.flush(into: &output)
            return
        }
        guard let state, !drained else { return }
        // Exactly round(in * ratio) frames in all: drain the converter, cut its tail or pad.
        let remaining = Int((Double(inputFrames) * ratio).rounded()) - outputFrames
        guard remaining > 0 else {
            drained = true
            return
        }
        let empty = AudioBlock(channelCount: channels, capacity: 0)
        let produced = try state.convert(empty, ratio: ratio, endOfInput: true, into: &output)
        if produced > remaining {
            output.frameCount = remaining
        } else if produced == 0 {
            output.frameCount = min(remaining, output.capacity)
            output.silence()
        }
        outputFrames += output.frameCount
    }
}

/// A streaming converter: all of a block in (or the end of input), planar frames out.
protocol SampleRateConverter: AnyObject {
    /// Converts all of `input` (or drains at end of input), appending planar frames to `output`.
    /// - Returns: frames appended.
    func convert(_ input: AudioBlock, ratio: Double, endOfInput: Bool, into output: inout AudioBlock) throws -> Int
}

/// One multi-channel libsamplerate converter and its interleaved buffers; freed on deinit.
///
/// libsamplerate shares the filter position and coefficient work across the channels of a
/// frame, so this costs about 0.6× the CPU of a mono converter per channel (measured, 7.7 s of
/// 24 kHz stereo to 48 kHz); the right choice when other files keep the cores busy.
final class InterleavedConverter: SampleRateConverter {
    private let converter: OpaquePointer
    private let channels: Int
    private var inBuffer: [Float]
    private var outBuffer: [Float]
    private let maxOutputFrames: Int

    init(quality: ResamplerQuality, channels: Int, maxInputFrames: Int, maxOutputFrames: Int) throws {
        converter = try quality.newConverter(channels: channels)
        self.channels = channels
        self.maxOutputFrames = maxOutputFrames
        inBuffer = [Float](repeating: 0, count: max(1, maxInputFrames * channels))
        outBuffer = [Float](repeating: 0, count: max(1, maxOutputFrames * channels))
    }

    deinit { src_delete(converter) }

    /// Converts all of `input` (or drains at end of input), appending planar frames to `output`.
    /// - Returns: frames appended.
    func convert(_ input: AudioBlock, ratio: Double, endOfInput: Bool, into output: inout AudioBlock) throws -> Int {
        let frames = input.frameCount
        if frames > 0 {
            inBuffer.withUnsafeMutableBufferPointer { dst in
                input.withStorage { src, stride in
                    SoundFileWriter.interleave(src.baseAddress!, stride: stride, into: dst.baseAddress!, channels: channels, frames: frames)
                }
            }
        }
        var consumed = 0, total = 0
        repeat {
            let room = min(maxOutputFrames, output.capacity - output.frameCount)
            guard room > 0 else {
                throw AudioIOError(.resampleFailed, path: "resampler", "output block overflow (internal error)")
            }
            var data = SRC_DATA()
            let err: Int32 = inBuffer.withUnsafeBufferPointer { inp in
                outBuffer.withUnsafeMutableBufferPointer { out in
                    data.data_in = inp.baseAddress! + consumed * channels
                    data.input_frames = frames - consumed
                    data.data_out = out.baseAddress!
                    data.output_frames = room
                    data.end_of_input = endOfInput ? 1 : 0
                    data.src_ratio = ratio
                    return src_process(converter, &data)
                }
            }
            if err != 0 {
                throw AudioIOError(.resampleFailed, path: "resampler", "conversion failed", cause: String(cString: src_strerror(err)))
            }
            consumed += Int(data.input_frames_used)
            let produced = Int(data.output_frames_gen)
            if produced > 0 {
                let start = output.frameCount
                outBuffer.withUnsafeBufferPointer { src in
                    output.withMutableStorage { dst, stride in
                        SoundFileReader.deinterleave(src.baseAddress!, into: dst.baseAddress! + start, channels: channels,
                                                     frames: produced, stride: stride)
                    }
                }
                output.frameCount = start + produced
                total += produced
            }
            if endOfInput || (produced == 0 && data.input_frames_used == 0) { break }
        } while consumed < frames
        return total
    }
}

/// One mono libsamplerate converter per channel, run on planar data in place (no
/// interleaving), the channels on separate threads: libsamplerate treats channels
/// independently, so this gives the same samples as one multi-channel converter. It costs
/// about twice the CPU of one stereo converter (256 against 131 ms for 7.7 s of 24 kHz stereo
/// to 48 kHz, `best`), so even with two idle cores its wall time is no better; segments
/// (`SegmentParallelConverter`) parallelise at about 1.06× the CPU instead. Kept for more
/// channels than one converter takes.
final class PerChannelConverters: SampleRateConverter {
    private let converters: [OpaquePointer]
    private let maxOutputFrames: Int
    // Per-channel results of one call, allocated once.
    private var produced: [Int]
    private var failure: [Int32]

    init(quality: ResamplerQuality, channels: Int, maxOutputFrames: Int) throws {
        var made: [OpaquePointer] = []
        for _ in 0..<channels {
            do {
                made.append(try quality.newConverter(channels: 1))
            } catch {
                made.forEach { src_delete($0) }
                throw error
            }
        }
        converters = made
        produced = [Int](repeating: 0, count: channels)
        failure = [Int32](repeating: 0, count: channels)
        self.maxOutputFrames = maxOutputFrames
    }

    deinit { converters.forEach { src_delete($0) } }

    /// Converts all of `input` (or drains at end of input), appending planar frames to `output`.
    /// - Returns: frames appended.
    func convert(_ input: AudioBlock, ratio: Double, endOfInput: Bool, into output: inout AudioBlock) throws -> Int {
        let frames = input.frameCount
        let start = output.frameCount
        let room = min(maxOutputFrames, output.capacity - start)
        let channels = converters.count
        input.withStorage { src, srcStride in
            output.withMutableStorage { dst, dstStride in
                produced.withUnsafeMutableBufferPointer { counts in
                    failure.withUnsafeMutableBufferPointer { errors in
                        let job = ChannelJob(converters: converters, input: src.baseAddress!, inputStride: srcStride,
                                             output: dst.baseAddress! + start, outputStride: dstStride,
                                             counts: counts.baseAddress!, errors: errors.baseAddress!,
                                             frames: frames, room: room, ratio: ratio, endOfInput: endOfInput)
                        if channels > 1 && frames >= 256 {
                            DispatchQueue.concurrentPerform(iterations: channels) { job.run($0) }
                        } else {
                            for c in 0..<channels { job.run(c) }
                        }
                    }
                }
            }
        }
        if let err = failure.first(where: { $0 != 0 }) {
            throw AudioIOError(.resampleFailed, path: "resampler", "conversion failed", cause: String(cString: src_strerror(err)))
        }
        guard produced.allSatisfy({ $0 == produced[0] }) else {
            throw AudioIOError(.resampleFailed, path: "resampler", "channels produced different lengths (internal error)")
        }
        output.frameCount = start + produced[0]
        return produced[0]
    }

    /// Feeds one channel's `frames` samples to its converter until all are used (or, at end of
    /// input, one drain call), writing at most `room` samples.
    static func convertChannel(_ converter: OpaquePointer, _ input: UnsafePointer<Float>, _ frames: Int,
                                       _ output: UnsafeMutablePointer<Float>, _ room: Int, _ ratio: Double,
                                       _ endOfInput: Bool) -> (Int, Int32) {
        var consumed = 0, total = 0
        repeat {
            var data = SRC_DATA()
            data.data_in = input + consumed
            data.input_frames = frames - consumed
            data.data_out = output + total
            data.output_frames = room - total
            data.end_of_input = endOfInput ? 1 : 0
            data.src_ratio = ratio
            guard room - total > 0 else { return (total, 0) }
            let err = src_process(converter, &data)
            if err != 0 { return (total, err) }
            consumed += Int(data.input_frames_used)
            total += Int(data.output_frames_gen)
            if endOfInput || (data.output_frames_gen == 0 && data.input_frames_used == 0) { break }
        } while consumed < frames
        return (total, 0)
    }
}

/// One block's conversion work, shared by the per-channel threads. Each thread touches only
/// its own channel's memory, converter and result slots.
private struct ChannelJob: @unchecked Sendable {
    let converters: [OpaquePointer]
    let input: UnsafePointer<Float>
    let inputStride: Int
    let output: UnsafeMutablePointer<Float>
    let outputStride: Int
    let counts: UnsafeMutablePointer<Int>
    let errors: UnsafeMutablePointer<Int32>
    let frames: Int
    let room: Int
    let ratio: Double
    let endOfInput: Bool

    func run(_ c: Int) {
        let (n, err) = PerChannelConverters.convertChannel(converters[c], input + c * inputStride, frames,
                                                     output + c * outputStride, room, ratio, endOfInput)
        counts[c] = n
        errors[c] = err
    }
}
