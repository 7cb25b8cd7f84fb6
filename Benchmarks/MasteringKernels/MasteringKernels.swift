// Mastering kernel benchmarks: the silence scan, the gain loops, the non-finite check and the
// leveler's kernels beside their scalar twins, the true-peak limiter, the leveler, the dither, the
// resampler's threadings (serial, channel-parallel, segment-parallel) side by side, and the
// engine (`Masterer`) mastering 60 s of stereo in memory.
import AudioCore
import AudioIO
import Benchmark
import BenchmarkSignals
import DSP
import Mastering

/// Speech-like test material: filtered noise in 0.4 s syllables and 0.25 s pauses, with
/// 0.8 s of silence at both ends (as a generated clip has), peaking well over -1 dBFS after
/// a +12 dB gain so the limiter works.
func clip(frames: Int, rate: Int, seed: UInt64) -> [Float] {
    var g = SplitMix64(state: seed)
    var out = [Float](repeating: 0, count: frames)
    let edge = Int(0.8 * Double(rate)), syllable = Int(0.4 * Double(rate)), pause = Int(0.25 * Double(rate))
    var lp: Float = 0
    for i in edge..<(frames - edge) {
        let phase = (i - edge) % (syllable + pause)
        guard phase < syllable else { continue }
        lp += 0.3 * (g.nextSignedUnit() - lp)
        let envelope = Float(phase) / Float(syllable) * (1 - Float(phase) / Float(syllable)) * 4
        out[i] = 0.5 * lp * envelope
    }
    return out
}

let rate = 48_000
let frames10s = 10 * rate
nonisolated(unsafe) var tenSeconds: [[Float]] = [clip(frames: frames10s, rate: rate, seed: 1), clip(frames: frames10s, rate: rate, seed: 2)]
nonisolated(unsafe) var minute24k: AudioBlock = AudioBlock(channels: [clip(frames: 60 * 24_000, rate: 24_000, seed: 3),
                                                                      clip(frames: 60 * 24_000, rate: 24_000, seed: 4)])
let stereo48k = AudioFormat(sampleRate: rate, channelCount: 2)
/// 7.7 s of 24 kHz stereo: the length of an LTX-2.3 clip (issue 15's resampling case).
let clipFrames24k = 184_800
nonisolated(unsafe) var clip24k: AudioBlock = AudioBlock(channels: [clip(frames: clipFrames24k, rate: 24_000, seed: 5),
                                                                    clip(frames: clipFrames24k, rate: 24_000, seed: 6)])

/// Runs `stages` over `input` block by block into `sink`.
func run<S: AudioSink>(_ stages: [any AudioStage], _ input: AudioBlock, format: AudioFormat, into sink: inout S) throws {
    var source = BufferSource(format: format, samples: input)
    var pipeline = Pipeline(stages)
    _ = try pipeline.run(from: &source, to: &sink, blockSize: 4096)
}

/// A sink that only counts frames (so benchmarks measure the stages, not storage).
struct CountingSink: AudioSink {
    var frames = 0
    mutating func write(_ block: AudioBlock) { frames += block.frameCount }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 50)

    let block10s = AudioBlock(channels: tenSeconds)

    Benchmark("SilenceScan/scanner (10 s stereo, 10 ms windows)") { benchmark in
        var scanner = SilenceScanner(format: stereo48k, threshold: Decibels(-50), minGap: 0.5)
        benchmark.startMeasurement()
        scanner.write(block10s)
        benchmark.stopMeasurement()
        blackHole(scanner.result())
    }
    for (name, fast) in [("reference", false), ("simd", true)] {
        Benchmark("SilenceScan/countNonFinite \(name) (10 s stereo)") { benchmark in
            var n = 0
            benchmark.startMeasurement()
            for c in 0..<2 {
                tenSeconds[c].withUnsafeBufferPointer { p in
                    n += fast ? SilenceScan.countNonFinite(p.baseAddress!, count: frames10s)
                              : SilenceScan.countNonFiniteReference(p.baseAddress!, count: frames10s)
                }
            }
            benchmark.stopMeasurement()
            blackHole(n)
        }
        Benchmark("Gain/apply \(name) (10 s stereo)") { benchmark in
            var copy = tenSeconds
            benchmark.startMeasurement()
            for c in 0..<2 {
                copy[c].withUnsafeMutableBufferPointer { p in
                    if fast { Gain.apply(1.5, to: p.baseAddress!, count: frames10s) } else { Gain.applyReference(1.5, to: p.baseAddress!, count: frames10s) }
                }
            }
            benchmark.stopMeasurement()
            blackHole(copy)
        }
    }

    for (name, fast) in [("reference", false), ("simd", true)] {
        // The leveler's detector: 1 ms (48-frame) hop energies over 10 s of both channels.
        Benchmark("Leveler/accumulateHopEnergies \(name) (10 s stereo, 48-frame hops)") { benchmark in
            var energies = [Double](repeating: 0, count: frames10s / 48)
            benchmark.startMeasurement()
            energies.withUnsafeMutableBufferPointer { e in
                for c in 0..<2 {
                    tenSeconds[c].withUnsafeBufferPointer { p in
                        if fast {
                            Leveler.accumulateHopEnergies(p.baseAddress!, hopFrames: 48, hops: frames10s / 48, weight: 1, into: e.baseAddress!)
                        } else {
                            Leveler.accumulateHopEnergiesReference(p.baseAddress!, hopFrames: 48, hops: frames10s / 48, weight: 1, into: e.baseAddress!)
                        }
                    }
                }
            }
            benchmark.stopMeasurement()
            blackHole(energies)
        }
        // The leveler's gain curve: one 48-frame ramp per hop over 10 s.
        Benchmark("Leveler/fillRamp \(name) (10 s, 48-frame ramps)") { benchmark in
            var curve = [Float](repeating: 0, count: frames10s)
            benchmark.startMeasurement()
            curve.withUnsafeMutableBufferPointer { c in
                for k in 0..<(frames10s / 48) {
                    let start = Float(k % 100) / 100
                    if fast { Leveler.fillRamp(from: start, step: 0.0001, into: c.baseAddress! + 48 * k, count: 48) }
                    else { Leveler.fillRampReference(from: start, step: 0.0001, into: c.baseAddress! + 48 * k, count: 48) }
                }
            }
            benchmark.stopMeasurement()
            blackHole(curve)
        }
    }

    // The leveler alone, its threshold low enough that it works on most syllables; the
    // mallocCountTotal shows `process` allocates nothing (only the pipeline's setup does).
    Benchmark("Leveler (10 s stereo, -30 LUFS threshold)") { benchmark in
        var sink = CountingSink()
        benchmark.startMeasurement()
        try run([Leveler(threshold: Decibels(-30))], block10s, format: stereo48k, into: &sink)
        benchmark.stopMeasurement()
        blackHole(sink.frames)
    }
    Benchmark("Leveler + TruePeakLimiter (10 s stereo, +12 dB, -1 dBTP)") { benchmark in
        var sink = CountingSink()
        benchmark.startMeasurement()
        try run([GainStage(Decibels(12)), Leveler(threshold: Decibels(-18)), TruePeakLimiter(ceiling: Decibels(-1))],
                block10s, format: stereo48k, into: &sink)
        benchmark.stopMeasurement()
        blackHole(sink.frames)
    }

    // The limiter's idle path (frames far from any limiting skip the sliding minimum and the
    // average) beside the plain version, on the speech-like clip limited hard (+12 dB) and
    // lightly (+6 dB: a few syllables reach the ceiling).
    for (boost, plain) in [(12.0, true), (12.0, false), (6.0, true), (6.0, false)] {
        Benchmark("TruePeakLimiter/\(plain ? "plain" : "idle path") (10 s stereo, +\(Int(boost)) dB into -1 dBTP)") { benchmark in
            var sink = CountingSink()
            var limiter = TruePeakLimiter(ceiling: Decibels(-1))
            limiter.usesIdlePath = !plain
            benchmark.startMeasurement()
            try run([GainStage(Decibels(boost)), limiter], block10s, format: stereo48k, into: &sink)
            benchmark.stopMeasurement()
            blackHole(sink.frames)
        }
    }
    Benchmark("GainStage alone (10 s stereo)") { benchmark in
        var sink = CountingSink()
        benchmark.startMeasurement()
        try run([GainStage(Decibels(12))], block10s, format: stereo48k, into: &sink)
        benchmark.stopMeasurement()
        blackHole(sink.frames)
    }
    Benchmark("TPDFDither (10 s stereo)") { benchmark in
        var sink = CountingSink()
        benchmark.startMeasurement()
        try run([TPDFDither(bitDepth: 16)], block10s, format: stereo48k, into: &sink)
        benchmark.stopMeasurement()
        blackHole(sink.frames)
    }

    // The resampler alone, 24 -> 48 kHz, block by block as in the engine: one multi-channel
    // converter, one converter per channel on its own thread, and two time segments converted
    // concurrently (Resampler.Threading). cpuTotal shows what the parallel ones cost in CPU
    // (the process's user + system time), wallClock what they save; mallocCountTotal counts
    // the setup only (the converters, the chunk buffers), not the blocks.
    for quality in [ResamplerQuality.best, .medium] {
        for threading in [Resampler.Threading.single, .channels, .segments(2)] {
            Benchmark("Resampler/\(threading) (7.7 s stereo, 24 -> 48 kHz, \(quality))",
                      configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal])) { benchmark in
                var sink = CountingSink()
                let format = AudioFormat(sampleRate: 24_000, channelCount: 2)
                benchmark.startMeasurement()
                try run([Resampler(to: rate, quality: quality, threading: threading)], clip24k, format: format, into: &sink)
                benchmark.stopMeasurement()
                blackHole(sink.frames)
            }
        }
    }

    // The engine itself over 60 s of 24 kHz stereo, in memory: pass 1 (silence scan, loudness),
    // trim and resample to 48 kHz (medium) into a memory store, the gain search under the
    // limiter (measuring passes), the written pass with 16-bit dither into a destination that
    // measures what it receives. File I/O is left out.
    // The same with each pass's meter or destination on a second thread (`overlapsStages`,
    // what the tool does for one file at a time): wall time falls, CPU time does not.
    for overlapping in [false, true] {
    Benchmark("Masterer/master (60 s stereo, 24 -> 48 kHz medium, in memory\(overlapping ? ", stages overlapped" : ""))") { benchmark in
        let format = AudioFormat(sampleRate: 24_000, channelCount: 2)
        var settings = MasteringSettings(sampleRate: rate, ditherBitDepth: 16)
        settings.blockSize = 4096
        settings.overlapsStages = overlapping
        let masterer = Masterer(settings: settings, resampler: { _, r in Resampler(to: r, quality: .medium) })
        var source = BufferSource(format: format, samples: minute24k)
        let destination = MeasuringDestination()
        benchmark.startMeasurement()
        let report = try masterer.master(&source, into: destination)
        benchmark.stopMeasurement()
        blackHole(report.after.integrated)
    }
    }
}
