import AudioCore
import CSampleRate
import Dispatch

/// How a segment-parallel conversion splits the stream: all counts in input frames (a frame
/// is one instant across all channels) unless named `output`.
///
/// Segment and chunk boundaries fall on input frames `s` where `s * ratio` is a whole number
/// (`alignment` divides `s`), so a segment's first output frame lies exactly on an output
/// time of the serial converter: output frame `k` is input time `k / ratio` in both.
package struct SegmentPlan: Sendable, Hashable {
    /// Input frames between two points where input and output frames coincide:
    /// `inputRate / gcd(inputRate, outputRate)` (1 for 24 to 48 kHz, 147 for 44.1 to 48 kHz).
    package let alignment: Int
    /// Output frames in `alignment` input frames.
    package let outputAlignment: Int
    /// Input given to each segment's converter before its start and after its end, so that
    /// every filter tap of every output frame in the segment reads real input (or, before the
    /// stream, the zeros the serial converter sees). A multiple of `alignment`.
    package let roll: Int
    /// Input frames converted per parallel step (a multiple of `segments * alignment`).
    package let chunkFrames: Int
    /// Segments per chunk, converted concurrently.
    package let segments: Int

    /// libsamplerate's half filter length in input frames at unity ratio, per quality:
    /// `lrint((coeff_half_len + 2) / index_inc) + 1` from src_sinc.c (libsamplerate 0.2), with
    /// the coefficient tables' lengths and increments: best 340239 / 2381 → 144, medium
    /// 22438 / 491 → 47, fastest 2464 / 128 → 20. When downsampling the filter stretches by
    /// 1 / ratio (the `count /= src_ratio` there).
    package static func halfFilterFrames(_ quality: ResamplerQuality) -> Int {
        switch quality {
        case .best: return 144
        case .medium: return 47
        case .fast: return 20
        }
    }

    /// - Parameters:
    ///   - inputRate, outputRate: sample rates in Hz (different).
    ///   - segments: segments per chunk (1 or more).
    ///   - chunkSeconds: input seconds per chunk (rounded up to whole segments).
    package init(quality: ResamplerQuality, inputRate: Int, outputRate: Int, segments: Int, chunkSeconds: Double = 0.25) {
        precondition(inputRate > 0 && outputRate > 0 && segments > 0, "rates and segments must be positive")
        var a = inputRate, b = outputRate
        while b != 0 { (a, b) = (b, a % b) }
        alignment = inputRate / a
        outputAlignment = outputRate / a
        let ratio = Double(outputRate) / Double(inputRate)
        // Twice the filter's reach. Measured over SegmentParallelResamplerTests' 157 cases (4
        // ratios, 3 qualities, mono and stereo, 0 to 1.3 s): with one reach the output is
        // bit-identical to the serial converter's; with 0.9 of it the largest difference is
        // 1.9e-5 (the outermost taps are missing), with half of it 7e-3. Libsamplerate's
        // position is a double summed per output frame, so on long streams its rounding could
        // differ from the fresh converter's by an ulp; the margin keeps every tap real anyway.
        let reach = Int((Double(Self.halfFilterFrames(quality)) / min(ratio, 1)).rounded(.up))
        roll = Self.roundUp(2 * reach, to: alignment)
        self.segments = segments
        let wanted = max(Int(chunkSeconds * Double(inputRate)), segments * 16 * roll)
        chunkFrames = Self.roundUp(wanted, to: segments * alignment)
    }

    /// Output frames for `inputFrames` input frames, a multiple of `alignment`.
    package func outputFrames(_ inputFrames: Int) -> Int {
        precondition(inputFrames % alignment == 0, "segment boundaries must be aligned")
        return inputFrames / alignment * outputAlignment
    }

    static func roundUp(_ n: Int, to m: Int) -> Int { (n + m - 1) / m * m }
}

/// Converts a stream in chunks whose segments run concurrently (`DispatchQueue.concurrentPerform`),
/// each on a fresh libsamplerate converter given `plan.roll` frames of input before and after it,
/// and joins the segments' outputs in order: the same samples as one converter over the whole
/// stream (within float rounding of libsamplerate's position arithmetic, far below -100 dBFS;
/// see ResamplerTests), with the same length, zero delay and drained tail.
///
/// Memory is flat in the stream's length: the input of one chunk plus its rolls, the output of one
/// chunk, and each segment's interleaved buffers, all allocated at init. The work grows by
/// `2 * roll / (chunkFrames / segments)` (about 5 % for best quality at 24 kHz with two
/// segments and 1 s chunks), the price of starting each segment's filter afresh; a shorter
/// chunk costs more work and less memory (see `Resampler.defaultChunkSeconds(for:)`).
///
/// Output is emitted as converted: `process` and `flush` write at most the output block's
/// capacity and keep the rest for the next call.
final class SegmentParallelConverter {
    let plan: SegmentPlan
    private let channels: Int
    private let ratio: Double
    /// The input held: frame 0 is `plan.roll` frames before the chunk being gathered. Starts
    /// with `roll` zeros: the silence before the stream that the serial converter assumes.
    private var input: AudioBlock
    /// Frames held in `input`.
    private var buffered: Int { input.frameCount }
    /// Planar output of the last converted chunk, frames `pendingStart ..< pendingEnd` not yet emitted.
    private var pending: [Float]
    private let pendingStride: Int
    private var pendingStart = 0, pendingEnd = 0
    private let workers: [SegmentWorker]
    /// Per-segment results of one chunk, allocated once.
    private var results: [SegmentResult]
    /// Input frames received and output frames produced so far (for the exact final length).
    private var inputFrames = 0
    private var outputFrames = 0
    private var finished = false

    /// - Parameters:
    ///   - maxInputFrames: the most frames one `process` input holds.
    init(plan: SegmentPlan, quality: ResamplerQuality, channels: Int, ratio: Double, maxInputFrames: Int) throws {
        self.plan = plan
        self.channels = channels
        self.ratio = ratio
        // Less than one chunk with both rolls stays after each call, plus one block arriving
        // (one more chunk of slack).
        let inputCapacity = 2 * plan.roll + 2 * plan.chunkFrames + maxInputFrames
        input = AudioBlock(channelCount: channels, capacity: inputCapacity, frameCount: plan.roll)
        let longestStretch = inputCapacity - plan.roll
        // The backlog: each call emits up to the output block's capacity, more than one input
        // block's worth, so what waits never exceeds the input held (converted in chunks) plus
        // one output block.
        let outputBlock = Int((Double(maxInputFrames) * ratio).rounded(.up)) + 1024
        pendingStride = Int((Double(inputCapacity) * ratio).rounded(.up)) + outputBlock + 64
        pending = [Float](repeating: 0, count: pendingStride * channels)
        let longestSegment = SegmentPlan.roundUp((longestStretch + plan.segments - 1) / plan.segments, to: plan.alignment)
        var made: [SegmentWorker] = []
        for _ in 0..<plan.segments {
            made.append(try SegmentWorker(quality: quality, channels: channels,
                                          maxInputFrames: longestSegment + 2 * plan.roll, ratio: ratio))
        }
        workers = made
        results = [SegmentResult](repeating: SegmentResult(), count: plan.segments)
    }

    /// Takes all of `block`; converts each chunk that is complete with its post-roll (behind
    /// any output not yet emitted); emits what fits in `output`.
    /// - Returns: frames appended to `output`.
    func process(_ block: AudioBlock, into output: inout AudioBlock) throws -> Int {
        let frames = block.frameCount
        guard buffered + frames <= input.capacity else {
            throw AudioIOError(.resampleFailed, path: "resampler", "segment input overflow (internal error)")
        }
        if frames > 0 {
            input.append(block)
            inputFrames += frames
        }
        while buffered >= 2 * plan.roll + plan.chunkFrames {
            try convertChunk(length: plan.chunkFrames, final: false)
        }
        return emit(into: &output)
    }

    /// End of stream: emits what is pending, then converts the rest (the last segment drained
    /// like the serial converter, cut or padded with silence to `round(inputFrames * ratio)`).
    /// - Returns: frames appended to `output`; 0 when all is out.
    func flush(into output: inout AudioBlock) throws -> Int {
        if pendingStart == pendingEnd && !finished {
            finished = true
            try convertChunk(length: buffered - plan.roll, final: true)
        }
        return emit(into: &output)
    }

    private func emit(into output: inout AudioBlock) -> Int {
        let n = min(pendingEnd - pendingStart, output.capacity - output.frameCount)
        guard n > 0 else { return 0 }
        let start = output.frameCount, from = pendingStart
        pending.withUnsafeBufferPointer { src in
            output.withMutableStorage { dst, stride in
                for c in 0..<channels {
                    (dst.baseAddress! + c * stride + start).update(from: src.baseAddress! + c * pendingStride + from, count: n)
                }
            }
        }
        output.frameCount = start + n
        pendingStart += n
        return n
    }

    /// Converts input frames `roll ..< roll + length` of the buffer into `pending` after what
    /// waits there, the segments concurrently, then keeps the last `roll` frames before the
    /// next chunk (and whatever follows) at the buffer's start.
    private func convertChunk(length: Int, final: Bool) throws {
        let roll = plan.roll
        if pendingStart > 0 {
            let waiting = pendingEnd - pendingStart, from = pendingStart
            if waiting > 0 {
                pending.withUnsafeMutableBufferPointer { buf in
                    for c in 0..<channels {
                        let base = buf.baseAddress! + c * pendingStride
                        base.update(from: base + from, count: waiting)
                    }
                }
            }
            pendingStart = 0
            pendingEnd = waiting
        }
        // Segment starts on aligned frames; a short final stretch is one segment.
        var count = plan.segments
        var segmentLength = SegmentPlan.roundUp((length + count - 1) / count, to: plan.alignment)
        if segmentLength < 4 * roll || count == 1 {
            count = 1
            segmentLength = SegmentPlan.roundUp(max(length, 1), to: plan.alignment)
        }
        count = min(count, max(1, (length + segmentLength - 1) / segmentLength))
        // Output frames owed in all (final) or this chunk's exact share.
        let owed = final ? Int((Double(inputFrames) * ratio).rounded()) - outputFrames : plan.outputFrames(length)
        let base = pendingEnd
        guard base + Int((Double(length) * ratio).rounded(.up)) + 2 <= pendingStride else {
            throw AudioIOError(.resampleFailed, path: "resampler", "segment output overflow (internal error)")
        }
        for i in 0..<count { results[i] = SegmentResult() }
        input.withStorage { src, inputStride in
            pending.withUnsafeMutableBufferPointer { out in
                results.withUnsafeMutableBufferPointer { res in
                    let job = SegmentJob(workers: workers, input: src.baseAddress!, inputStride: inputStride,
                                         buffered: buffered, roll: roll, length: length, segmentLength: segmentLength,
                                         count: count, plan: plan, final: final, owed: owed,
                                         output: out.baseAddress! + base, outputStride: pendingStride, results: res.baseAddress!)
                    if count > 1 {
                        DispatchQueue.concurrentPerform(iterations: count) { job.run($0) }
                    } else {
                        job.run(0)
                    }
                }
            }
        }
        var produced = 0
        for i in 0..<count {
            let r = results[i]
            if r.error != 0 {
                throw AudioIOError(.resampleFailed, path: "resampler", "conversion failed", cause: String(cString: src_strerror(r.error)))
            }
            if i < count - 1 || !final {
                guard r.frames == r.expected else {
                    throw AudioIOError(.resampleFailed, path: "resampler",
                        "segment \(i) produced \(r.frames) frames instead of \(r.expected) (internal error)")
                }
            }
            produced += r.frames
        }
        if final {
            // Like the serial stage: the converter's drained tail, then silence, to the exact length.
            let total = max(0, owed)
            if produced < total {
                pending.withUnsafeMutableBufferPointer { out in
                    for c in 0..<channels {
                        (out.baseAddress! + c * pendingStride + base + produced).update(repeating: 0, count: total - produced)
                    }
                }
            }
            produced = total
        }
        pendingEnd = base + produced
        outputFrames += produced
        // Keep the next chunk's pre-roll and everything after it.
        input.removeFirst(min(length, buffered))
    }
}

/// What one segment produced: output frames written, frames expected (non-final), libsamplerate error.
private struct SegmentResult {
    var frames = 0
    var expected = 0
    var error: Int32 = 0
}

/// One chunk's conversion, shared by the segment threads. Each thread reads the shared input
/// (read-only) and writes only its own worker's buffers, its own span of the output and its
/// own result slot.
private struct SegmentJob: @unchecked Sendable {
    let workers: [SegmentWorker]
    let input: UnsafePointer<Float>
    let inputStride: Int
    let buffered: Int
    let roll: Int
    let length: Int
    let segmentLength: Int
    let count: Int
    let plan: SegmentPlan
    let final: Bool
    let owed: Int
    let output: UnsafeMutablePointer<Float>
    let outputStride: Int
    let results: UnsafeMutablePointer<SegmentResult>

    /// Converts segment `i` (chunk frames `i * segmentLength ..< min((i + 1) * segmentLength, length)`,
    /// offset by the buffer's pre-roll) into `output` at its own output offset.
    func run(_ i: Int) {
        let start = i * segmentLength
        let end = min(start + segmentLength, length)
        let last = i == count - 1
        // Buffer frames fed: the pre-roll before the segment, and after it the post-roll, or
        // for the stream's last segment nothing (the converter pads with zeros, as serially).
        let from = start  // = roll + start - roll
        let to = last && final ? buffered : min(roll + end + roll, buffered)
        let skip = plan.outputFrames(roll)
        let outputOffset = plan.outputFrames(start)
        var result = SegmentResult()
        result.expected = last && final ? max(0, owed - outputOffset) : plan.outputFrames(end - start)
        let worker = workers[i]
        let (generated, error) = worker.convert(input, stride: inputStride, from: from, to: to)
        result.error = error
        let usable = max(0, min(generated - skip, result.expected))
        worker.copyOut(from: skip, frames: usable, into: output + outputOffset, stride: outputStride)
        result.frames = usable
        results[i] = result
    }
}

/// A multi-channel libsamplerate converter reset for every segment, with interleaved buffers
/// sized at init.
private final class SegmentWorker: @unchecked Sendable {
    private let converter: OpaquePointer
    private let channels: Int
    private let ratio: Double
    private var inBuffer: [Float]
    private var outBuffer: [Float]
    private let maxOutputFrames: Int

    init(quality: ResamplerQuality, channels: Int, maxInputFrames: Int, ratio: Double) throws {
        converter = try quality.newConverter(channels: channels)
        self.channels = channels
        self.ratio = ratio
        maxOutputFrames = Int((Double(maxInputFrames) * ratio).rounded(.up)) + 64
        inBuffer = [Float](repeating: 0, count: maxInputFrames * channels)
        outBuffer = [Float](repeating: 0, count: maxOutputFrames * channels)
    }

    deinit { src_delete(converter) }

    /// Converts planar frames `from ..< to` from a fresh state to the end of input (zeros after).
    /// - Returns: output frames generated (kept interleaved here) and libsamplerate's error.
    func convert(_ planar: UnsafePointer<Float>, stride: Int, from: Int, to: Int) -> (Int, Int32) {
        let frames = to - from
        precondition(frames >= 0 && frames * channels <= inBuffer.count, "segment larger than its buffer")
        if frames > 0 {
            inBuffer.withUnsafeMutableBufferPointer { dst in
                SoundFileWriter.interleave(planar + from, stride: stride, into: dst.baseAddress!, channels: channels, frames: frames)
            }
        }
        let reset = src_reset(converter)
        if reset != 0 { return (0, reset) }
        var consumed = 0, total = 0
        while true {
            var data = SRC_DATA()
            let err: Int32 = inBuffer.withUnsafeBufferPointer { inp in
                outBuffer.withUnsafeMutableBufferPointer { out in
                    data.data_in = inp.baseAddress! + consumed * channels
                    data.input_frames = frames - consumed
                    data.data_out = out.baseAddress! + total * channels
                    data.output_frames = maxOutputFrames - total
                    data.end_of_input = 1
                    data.src_ratio = ratio
                    return src_process(converter, &data)
                }
            }
            if err != 0 { return (total, err) }
            consumed += Int(data.input_frames_used)
            total += Int(data.output_frames_gen)
            if data.output_frames_gen == 0 || total >= maxOutputFrames { break }
        }
        return (total, 0)
    }

    /// Copies `frames` generated frames from frame `from` into planar `output`.
    func copyOut(from: Int, frames: Int, into output: UnsafeMutablePointer<Float>, stride: Int) {
        guard frames > 0 else { return }
        outBuffer.withUnsafeBufferPointer { src in
            SoundFileReader.deinterleave(src.baseAddress! + from * channels, into: output, channels: channels,
                                         frames: frames, stride: stride)
        }
    }
}
