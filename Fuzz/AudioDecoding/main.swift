// libFuzzer target 1: arbitrary bytes decoded through libsndfile's virtual I/O
// (`SoundFileReader(bytes:name:)`), measured, then run through the mastering stages into memory:
// trim, resample to 48 kHz, gain, true-peak limiter, dither. Nothing touches the disk.
//
// Built by Fuzz/run-fuzz.sh (LTX_AUDIO_FUZZ=1 adds this target to the package) with
// AddressSanitizer and coverage counters; the last line hands control to libFuzzer's driver,
// which calls the function below with each input.
// Expected failures (AudioIOError for bad data) are fine; crashes, sanitizer reports and hangs
// are findings.
import AudioCore
import AudioIO
import CLibFuzzer
import DSP
import Glibc
import Mastering

/// At most this many frames are processed per input, so a tiny compressed file that expands
/// to hours of audio does not stall the fuzzer.
let maxFrames = 1 << 17
let blockSize = 1024

/// Stops a source after `limit` frames.
struct CappedSource<Base: AudioSource>: AudioSource {
    var base: Base
    var remaining: Int
    var format: AudioFormat { base.format }
    var frameCount: Int? { base.frameCount.map { min($0, remaining) } }
    mutating func read(into block: inout AudioBlock) throws -> Int {
        guard remaining > 0 else { block.frameCount = 0; return 0 }
        let n = try base.read(into: &block)
        if n > remaining { block.frameCount = remaining }
        remaining -= block.frameCount
        return block.frameCount
    }
}

/// Keeps only a checksum, so the work cannot be optimised away.
struct DiscardingSink: AudioSink {
    var frames = 0
    var sum: Float = 0
    mutating func write(_ block: AudioBlock) throws {
        frames += block.frameCount
        if block.frameCount > 0 { sum += block.channel(0)[0] }
    }
}

func decodeMeasureAndMaster(_ bytes: [UInt8]) throws {
    let reader = try SoundFileReader(bytes: bytes, name: "fuzz-input")
    let format = reader.format
    // Pass 1, as `master` does: silence scan, loudness, non-finite check.
    var scanner = SilenceScanner(format: format, threshold: Decibels(-50))
    var meter = LoudnessMeter(format: format)
    var block = AudioBlock(channelCount: format.channelCount, capacity: blockSize)
    var source = CappedSource(base: reader, remaining: maxFrames)
    while try source.read(into: &block) > 0 {
        scanner.write(block)
        meter.write(block)
    }
    _ = meter.report()
    guard scanner.nonFiniteCount == 0 else { return }  // master refuses such files
    let rate = Double(format.sampleRate)
    let plan = TrimPlan.from(scanner.result(), pad: Int(0.05 * rate), fade: Int(0.005 * rate), maxGap: nil)

    // Pass 2: the stages, into memory.
    try reader.rewind()
    var stages: [any AudioStage] = [TrimStage(plan)]
    let ratio = 48000 / rate
    if format.sampleRate != 48000 && ratio <= 256 && ratio >= 1.0 / 256 { stages.append(Resampler(to: 48000, quality: .fast)) }
    stages += [GainStage(Decibels(6)), TruePeakLimiter(ceiling: Decibels(-1)), TPDFDither(bitDepth: 16)] as [any AudioStage]
    var pipeline = Pipeline(stages)
    var capped = CappedSource(base: reader, remaining: maxFrames)
    var sink = DiscardingSink()
    _ = try pipeline.run(from: &capped, to: &sink, blockSize: blockSize)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudioDecoding(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do {
        try decodeMeasureAndMaster(bytes)
    } catch {
        // Refusing bad input with an error is the expected outcome.
    }
    return 0
}

var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, fuzzAudioDecoding))
