// DSP kernel benchmarks: each SIMD kernel beside its scalar reference, and a full analysis
// (integrated loudness + loudness range + true peak) of 10 minutes of 48 kHz stereo in memory,
// with libebur128 analysing the same buffer in the same run as the baseline.
import AudioCore
import Benchmark
import BenchmarkSignals
import CEBUR128
import DSP

// MARK: signals (built once, outside the measured region)

/// Programme-like test material: noise through a one-pole low-pass (a darker, music-like
/// spectrum) plus two tones, with the level changing every 0.5 s between -40 and -8 dBFS.
func programme(frames: Int, sampleRate: Int, seed: UInt64) -> [Float] {
    var g = SplitMix64(state: seed)
    var out = [Float](repeating: 0, count: frames)
    var level: Float = 0.1, lp: Float = 0
    let w1 = Float(2 * Double.pi * 220 / Double(sampleRate)), w2 = Float(2 * Double.pi * 3_300 / Double(sampleRate))
    var p1: Float = 0, p2: Float = 0
    for i in 0..<frames {
        if i % (sampleRate / 2) == 0 { level = Float.random(in: 0.01...0.4, using: &g) }
        lp += 0.2 * (Float.random(in: -1...1, using: &g) - lp)
        p1 += w1; if p1 > .pi { p1 -= 2 * .pi }
        p2 += w2; if p2 > .pi { p2 -= 2 * .pi }
        out[i] = level * (2 * lp + 0.3 * approxSin(p1) + 0.1 * approxSin(p2))
    }
    return out
}

/// sin on [-π, π] by a short polynomial (test material only; avoids importing libm here).
func approxSin(_ x: Float) -> Float {
    let b: Float = 4 / .pi, c: Float = -4 / (.pi * .pi)
    let y = b * x + c * x * (x < 0 ? -x : x)
    return 0.225 * (y * (y < 0 ? -y : y) - y) + y
}

let fullRate = 48_000
let fullFrames = 10 * 60 * fullRate
nonisolated(unsafe) var fullPlanar: AudioBlock = {
    AudioBlock(channels: [programme(frames: fullFrames, sampleRate: fullRate, seed: 1),
                          programme(frames: fullFrames, sampleRate: fullRate, seed: 2)])
}()
nonisolated(unsafe) var fullInterleaved: [Float] = {
    let l = fullPlanar.channel(0), r = fullPlanar.channel(1)
    var out = [Float](repeating: 0, count: 2 * fullFrames)
    for i in 0..<fullFrames { out[2 * i] = l[i]; out[2 * i + 1] = r[i] }
    return out
}()

/// 10 s of 48 kHz stereo for the kernel benchmarks.
let kernelFrames = 480_000
nonisolated(unsafe) var kernelInput: [[Float]] = [
    programme(frames: kernelFrames, sampleRate: fullRate, seed: 3),
    programme(frames: kernelFrames, sampleRate: fullRate, seed: 4),
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 50)

    // K-weighting, 10 s of stereo (960,000 samples per iteration).
    Benchmark("KWeighting/reference (10 s stereo)") { benchmark in
        let k = KWeighting.Coefficients(sampleRate: 48_000)
        var out = [Float](repeating: 0, count: kernelFrames)
        benchmark.startMeasurement()
        for c in 0..<2 {
            var st = KWeighting.ChannelState()
            kernelInput[c].withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    KWeighting.filterReference(k, state: &st, input: i.baseAddress!, output: o.baseAddress!, count: kernelFrames)
                }
            }
        }
        benchmark.stopMeasurement()
        blackHole(out)
    }
    Benchmark("KWeighting/simd pair lanes (10 s stereo)") { benchmark in
        let k = KWeighting.Coefficients(sampleRate: 48_000)
        var out = [Float](repeating: 0, count: 2 * kernelFrames)
        benchmark.startMeasurement()
        var st = KWeighting.PairState()
        kernelInput[0].withUnsafeBufferPointer { l in
            kernelInput[1].withUnsafeBufferPointer { r in
                out.withUnsafeMutableBufferPointer { o in
                    KWeighting.filter(k, state: &st, input0: l.baseAddress!, input1: r.baseAddress!,
                                      output0: o.baseAddress!, output1: o.baseAddress! + kernelFrames, count: kernelFrames)
                }
            }
        }
        benchmark.stopMeasurement()
        blackHole(out)
    }
    Benchmark("KWeighting/simd four lanes, two idle (10 s stereo)") { benchmark in
        let k = KWeighting.Coefficients(sampleRate: 48_000)
        var out = [Float](repeating: 0, count: 3 * kernelFrames)
        let zeros = [Float](repeating: 0, count: kernelFrames)
        benchmark.startMeasurement()
        var st = KWeighting.State()
        kernelInput[0].withUnsafeBufferPointer { l in
            kernelInput[1].withUnsafeBufferPointer { r in
                zeros.withUnsafeBufferPointer { z in
                    out.withUnsafeMutableBufferPointer { o in
                        let o0 = o.baseAddress!, o1 = o0 + kernelFrames, trash = o1 + kernelFrames
                        KWeighting.filter(k, state: &st,
                                          input: .init(l.baseAddress!, r.baseAddress!, z.baseAddress!, z.baseAddress!),
                                          output: .init(o0, o1, trash, trash), count: kernelFrames)
                    }
                }
            }
        }
        benchmark.stopMeasurement()
        blackHole(out)
    }

    // Power sums: 100 ms sub-blocks (4800 samples) over 10 s of stereo, as the gating does.
    for (name, sumOfSquares) in [("reference", PowerSum.sumOfSquaresReference), ("simd", PowerSum.sumOfSquares)] {
        Benchmark("PowerSum/\(name) (10 s stereo, 100 ms sub-blocks)") { benchmark in
            var total = 0.0
            for c in 0..<2 {
                kernelInput[c].withUnsafeBufferPointer { p in
                    var i = 0
                    while i + 4800 <= kernelFrames { total += sumOfSquares(p.baseAddress! + i, 4800); i += 4800 }
                }
            }
            blackHole(total)
        }
    }
    Benchmark("Gating/integrated + LRA from 10 min of blocks") { benchmark in
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: fullRate, layout: .stereo), measures: [.integrated, .loudnessRange])
        meter.write(fullPlanar)
        benchmark.startMeasurement()
        let r = meter.report()
        benchmark.stopMeasurement()
        blackHole(r)
    }

    // True-peak interpolation (4x), 10 s of stereo.
    let tp = TruePeakFilter(oversampling: 4)
    Benchmark("TruePeak/reference (10 s stereo, 4x)") { benchmark in
        var m: Float = 0
        for c in 0..<2 {
            kernelInput[c].withUnsafeBufferPointer { p in
                m = max(m, tp.maxInterpolatedReference(p.baseAddress!, windows: kernelFrames - 11))
            }
        }
        blackHole(m)
    }
    Benchmark("TruePeak/simd (10 s stereo, 4x)") { benchmark in
        var m: Float = 0
        for c in 0..<2 {
            kernelInput[c].withUnsafeBufferPointer { p in
                m = tp.maxInterpolated(p.baseAddress!, windows: kernelFrames - 11, exceeding: m)
            }
        }
        blackHole(m)
    }

    // Full analysis: I + LRA + TP of 10 min 48 kHz stereo in memory.
    let full = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 10)
    Benchmark("FullAnalysis/ltx-audio (10 min 48k stereo, I+LRA+TP)", configuration: full) { benchmark in
        _ = fullPlanar.frameCount  // force the lazy signal before measuring
        benchmark.startMeasurement()
        var meter = LoudnessMeter(format: AudioFormat(sampleRate: fullRate, layout: .stereo),
                                  measures: [.integrated, .loudnessRange, .truePeak])
        meter.write(fullPlanar)
        let r = meter.report()
        benchmark.stopMeasurement()
        blackHole(r)
    }
    // The same figures with the loudness and the peaks each on a thread of their own (what
    // `analyze` does), fed in the blocks `Analysis` decodes (16384 frames).
    Benchmark("FullAnalysis/ltx-audio two threads (10 min 48k stereo, I+LRA+TP)", configuration: full) { benchmark in
        _ = fullPlanar.frameCount
        var block = AudioBlock(channelCount: 2, capacity: 16_384)
        benchmark.startMeasurement()
        var meter = ConcurrentLoudnessMeter(format: AudioFormat(sampleRate: fullRate, layout: .stereo),
                                            measures: [.integrated, .loudnessRange, .truePeak])
        var position = 0
        while fullPlanar.read(from: &position, into: &block) > 0 { try meter.write(block) }
        let r = try meter.report()
        benchmark.stopMeasurement()
        blackHole(r)
    }
    Benchmark("FullAnalysis/libebur128 (10 min 48k stereo, I+LRA+TP)", configuration: full) { benchmark in
        _ = fullInterleaved.count
        benchmark.startMeasurement()
        let mode = Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_LRA.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue)
        var st = ebur128_init(2, UInt(fullRate), mode)
        fullInterleaved.withUnsafeBufferPointer { _ = ebur128_add_frames_float(st, $0.baseAddress!, fullFrames) }
        var i = 0.0, lra = 0.0, tpl = 0.0, tpr = 0.0
        ebur128_loudness_global(st, &i); ebur128_loudness_range(st, &lra)
        ebur128_true_peak(st, 0, &tpl); ebur128_true_peak(st, 1, &tpr)
        ebur128_destroy(&st)
        benchmark.stopMeasurement()
        blackHole((i, lra, tpl, tpr))
    }
}
