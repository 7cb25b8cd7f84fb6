// libFuzzer target 1: arbitrary bytes decoded through libsndfile's virtual I/O
// (`SoundFileReader(bytes:name:)`), then mastered in memory by the engine (`Masterer`): silence
// scan and loudness, trim, resample to 48 kHz, the gain search under the true-peak limiter,
// dither, and the delivery measured. Nothing touches the disk.
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
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Mastering

/// At most this many samples (frames × channels) are processed per input, so a tiny compressed
/// file that expands to hours of audio, or to a thousand channels, does not stall the fuzzer.
let maxSamples = 1 << 18
let blockSize = 1024

/// Stops a source after `limit` frames; rewinding starts the count again.
struct CappedSource<Base: RewindableAudioSource>: RewindableAudioSource {
    var base: Base
    let limit: Int
    var remaining: Int
    init(base: Base, limit: Int) {
        self.base = base
        self.limit = limit
        remaining = limit
    }
    var format: AudioFormat { base.format }
    var frameCount: Int? { base.frameCount.map { min($0, limit) } }
    mutating func read(into block: inout AudioBlock) throws -> Int {
        guard remaining > 0 else { block.frameCount = 0; return 0 }
        let n = try base.read(into: &block)
        if n > remaining { block.frameCount = remaining }
        remaining -= block.frameCount
        return block.frameCount
    }
    mutating func rewind() throws {
        try base.rewind()
        remaining = limit
    }
}


/// The engine itself, as `master` runs it (trim, resample to 48 kHz, gain search under the
/// true-peak limiter, 16-bit dither), with the intermediate signal in memory.
func decodeMeasureAndMaster(_ bytes: [UInt8]) throws {
    let reader = try SoundFileReader(bytes: bytes, name: "fuzz-input")
    let format = reader.format
    var settings = MasteringSettings(ditherBitDepth: 16)
    settings.blockSize = blockSize
    let ratio = 48000 / Double(format.sampleRate)
    if ratio <= 256 && ratio >= 1.0 / 256 { settings.sampleRate = 48000 }
    let masterer = Masterer(settings: settings, resampler: { _, rate in Resampler(to: rate, quality: .fast) })
    var source = CappedSource(base: reader, limit: max(1, maxSamples / format.channelCount))
    _ = try masterer.master(&source, into: MeasuringDestination())
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
