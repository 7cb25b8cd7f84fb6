import AudioCore
import CSampleRate

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
}

/// A stage that converts the sample rate with libsamplerate, streaming (`src_process`).
///
/// The output is time-aligned with the input (libsamplerate's sinc converters add no delay:
/// output frame k is the input at time k / ratio) and its length is exactly
/// `round(inputFrames * ratio)`: the converter is drained at the end and the last frames are
/// cut or padded to that count. At equal rates the stage passes blocks through unchanged.
/// Not `Sendable` (it owns a C converter state); one instance per stream.
public struct Resampler: AudioStage {
    public let targetRate: Int
    public let quality: ResamplerQuality
    private var state: ConverterState?
    private var ratio = 1.0
    private var channels = 0
    private var inputFrames = 0
    private var outputFrames = 0
    private var drained = false

    /// - Parameters:
    ///   - targetRate: output sample rate in Hz (1 ... 768000 ... libsamplerate allows ratios 1/256 to 256).
    ///   - quality: converter quality, `.best` by default.
    public init(to targetRate: Int, quality: ResamplerQuality = .best) {
        precondition(targetRate > 0, "sample rate must be positive")
        self.targetRate = targetRate
        self.quality = quality
    }

    public var name: String { "resample to \(targetRate) Hz (\(quality.rawValue))" }

    public mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
        ratio = Double(targetRate) / Double(format.sampleRate)
        channels = format.channelCount
        inputFrames = 0
        outputFrames = 0
        drained = false
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
        state = try ConverterState(quality: quality, channels: channels, maxInputFrames: maxFrames, maxOutputFrames: maxOut)
        return StreamSpec(format: out, maxFrames: maxOut)
    }

    public mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws {
        guard let state else {
            output.append(input)
            return
        }
        inputFrames += input.frameCount
        let produced = try state.convert(input, ratio: ratio, endOfInput: false, into: &output)
        outputFrames += produced
    }

    public mutating func flush(into output: inout AudioBlock) throws {
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

/// The libsamplerate converter and its interleaved buffers; freed on deinit.
final class ConverterState {
    private let converter: OpaquePointer
    private let channels: Int
    private var inBuffer: [Float]
    private var outBuffer: [Float]
    private let maxOutputFrames: Int

    init(quality: ResamplerQuality, channels: Int, maxInputFrames: Int, maxOutputFrames: Int) throws {
        var error: Int32 = 0
        guard let c = src_new(quality.converter, Int32(channels), &error) else {
            throw AudioIOError(.resampleFailed, path: "resampler",
                "libsamplerate could not start", cause: String(cString: src_strerror(error)))
        }
        converter = c
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
        var consumed = 0
        var total = 0
        repeat {
            let room = min(maxOutputFrames, output.capacity - output.frameCount)
            guard room > 0 else {
                throw AudioIOError(.resampleFailed, path: "resampler", "output block overflow (internal error)")
            }
            var data = SRC_DATA()
            let err: Int32 = inBuffer.withUnsafeBufferPointer { inp in
                outBuffer.withUnsafeMutableBufferPointer { out in
                    data.data_in = inp.baseAddress! + consumed * channels
                    data.input_frames = Int(frames - consumed)
                    data.data_out = out.baseAddress!
                    data.output_frames = Int(room)
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
                        SoundFileReader.deinterleave(src.baseAddress!, into: dst.baseAddress! + start, channels: channels, frames: produced, stride: stride)
                    }
                }
                output.frameCount = start + produced
                total += produced
            }
            if endOfInput || produced == 0 && Int(data.input_frames_used) == 0 { break }
        } while consumed < frames
        return total
    }
}
