import AudioCore
import DSP
import Mastering
import Testing
import TestSupport

/// The mastering algorithm in memory: no files, no binary; libebur128 checks the results.
@Suite struct MastererTests {
    let rate = 48_000

    func source(_ channels: [[Float]]) -> BufferSource {
        BufferSource(format: AudioFormat(sampleRate: rate, channelCount: channels.count), samples: AudioBlock(channels: channels))
    }

    /// A quiet 440 Hz tone with a short loud burst every 500 ms (sparse peaks: a third of the
    /// tone's energy): reaching -14 LUFS lifts the bursts about 8 dB over the ceiling, so the
    /// limiter has to take more than 6 dB off them (within the default 18 dB budget).
    func tonesWithBursts(seconds: Double) -> [Float] {
        var x = Signal.sine(frequency: 440, amplitude: 0.05, sampleRate: rate, frames: Int(seconds * Double(rate)))
        let burst = Signal.noise(count: rate / 1000, amplitude: 0.5, seed: 7)
        var i = rate / 4
        while i + burst.count < x.count {
            for k in 0..<burst.count { x[i + k] += burst[k] }
            i += rate / 2
        }
        return x
    }

    @Test func heavyLimitingStillReachesTheTarget() throws {
        let x = tonesWithBursts(seconds: 6)
        var src = source([x, x])
        let destination = MemoryDestination()
        let report = try Masterer().master(&src, into: destination)
        let oracle = LibEbur128Figures(channels: destination.samples.channels, format: report.outputFormat)
        #expect(abs(oracle.integrated - -14) <= 0.1, "libebur128: \(oracle.integrated) LUFS")
        #expect(oracle.truePeak.allSatisfy { Decibels(amplitude: $0).value <= -1.0 }, "true peak \(oracle.truePeak)")
        #expect(report.limiterReduction!.value > 6, "needed \(report.limiterReduction!) of limiting")
        #expect(report.targetReached == true && report.withinTolerance == true)
        #expect(abs(report.after.integrated.value - oracle.integrated) < 0.05, "the report is the delivery's loudness")
        #expect(report.passes >= 2 && report.passes <= 10)
        #expect(report.warnings.isEmpty)
        // The trace: one step per pass, the measuring ones first, the delivery last and as reported.
        #expect(report.steps.count == report.passes)
        #expect(report.steps.dropLast().allSatisfy { $0.kind == .measuring })
        let delivered = try #require(report.steps.last)
        #expect(delivered.kind == .delivery && delivered.gain == report.gain && delivered.loudness == report.after.integrated)
        #expect(delivered.limiterReduction == report.limiterReduction)
        #expect(report.timings.search > .zero && report.timings.delivery > .zero && report.timings.analysis > .zero)
    }

    /// The meters and the destination on a second thread: the same samples and figures.
    @Test func overlappingStagesChangesNothingButTheThreads() throws {
        // Silence at both ends: the trimmed signal is measured again (pass 2) as well.
        let edge = [Float](repeating: 0, count: rate / 2)
        let x = edge + tonesWithBursts(seconds: 4) + edge
        func master(overlapping: Bool) throws -> (MasteringReport, [[Float]]) {
            var settings = MasteringSettings()
            settings.overlapsStages = overlapping
            settings.blockSize = 1000
            var src = source([x, x.map { $0 * 0.5 }])
            let destination = MemoryDestination()
            let report = try Masterer(settings: settings).master(&src, into: destination)
            return (report, destination.samples.channels)
        }
        let (serial, a) = try master(overlapping: false)
        let (overlapped, b) = try master(overlapping: true)
        #expect(serial.outputFrames < x.count, "trimmed")
        #expect(a == b)
        #expect(serial.steps == overlapped.steps && serial.before == overlapped.before && serial.after == overlapped.after)
    }

    @Test func aTargetBeyondTheGainCapIsLeftQuieterAndSaysSo() throws {
        let x = Signal.noise(count: 3 * rate, amplitude: 0.001, seed: 3)  // about -65 LUFS
        var src = source([x])
        var settings = MasteringSettings(trim: nil)
        settings.target?.maxGain = Decibels(10)
        let destination = MemoryDestination()
        let report = try Masterer(settings: settings).master(&src, into: destination)
        #expect(report.gain == Decibels(10))
        #expect(report.targetReached == false && report.withinTolerance == true)
        guard case .gainCapped(let needed, let target, let cap)? = report.warnings.first else {
            Issue.record("no gain-cap warning: \(report.warnings)")
            return
        }
        #expect(needed.value > 40 && target == LUFS(-14) && cap == Decibels(10))
        #expect(abs(report.after.integrated.value - (report.before.integrated.value + 10)) < 0.1)
    }

    @Test func silenceIsLeftAloneWithTwoWarnings() throws {
        var src = source([[Float](repeating: 0, count: 2 * rate)])
        let destination = MemoryDestination()
        let report = try Masterer().master(&src, into: destination)
        #expect(report.warnings == [.nothingToTrim(threshold: Decibels(-50)), .loudnessUnmeasurable])
        #expect(report.gain == Decibels(0) && report.targetReached == false)
        #expect(report.outputFrames == 2 * rate, "all-silent input kept whole")
        #expect(destination.samples.channel(0).allSatisfy { $0 == 0 })
    }

    @Test func trimmingCutsTheSilenceAtBothEnds() throws {
        let tone = Signal.sine(frequency: 440, amplitude: 0.3, sampleRate: rate, frames: rate)
        let gap = [Float](repeating: 0, count: rate)
        var src = source([gap + tone + gap])
        let destination = MemoryDestination()
        let report = try Masterer().master(&src, into: destination)
        let pad = rate / 20
        #expect(abs(report.outputFrames - (rate + 2 * pad)) <= 2 * rate / 100, "1 s of sound and 50 ms of pad at each end")
        #expect(report.trim.keptFrames == report.outputFrames)
    }

    /// A lossy codec overshoots: a destination that delivers 1.5 dB hotter than it was given
    /// makes the first attempt fail the ceiling; the engine tries again with 0.5 dB more room.
    @Test func aDeliveryOverTheCeilingIsRetriedWithMoreHeadroom() throws {
        final class Overshooting: MasteringDestination {
            let inner = MemoryDestination(policy: .lossy)
            var begins = 0, discards = 0
            var policy: DeliveryPolicy { inner.policy }
            func begin(format: AudioFormat) throws { begins += 1; try inner.begin(format: format) }
            func write(_ block: AudioBlock) throws {
                var hot = block
                let g = Float(Decibels(1.5).amplitude)
                for c in 0..<hot.channelCount { hot.withMutableChannel(c) { ch in for i in ch.indices { ch[i] *= g } } }
                try inner.write(hot)
            }
            func finish() throws -> LoudnessReport { try inner.finish() }
            func discard() { discards += 1; inner.discard() }
        }
        let x = tonesWithBursts(seconds: 4)
        var src = source([x, x])
        let destination = Overshooting()
        let report = try Masterer().master(&src, into: destination)
        #expect(destination.begins == 2 && destination.discards == 1, "one retry")
        #expect(report.after.truePeak.value <= -1 + DeliveryPolicy.lossy.peakTolerance)
        #expect(report.withinTolerance == true)
    }

    @Test func aDeliveryThatStaysOverTheCeilingIsReportedOutOfTolerance() throws {
        final class WayOver: MasteringDestination {
            let inner = MemoryDestination()
            var policy: DeliveryPolicy { .lossless }
            func begin(format: AudioFormat) throws { try inner.begin(format: format) }
            func write(_ block: AudioBlock) throws {
                var hot = block
                for c in 0..<hot.channelCount { hot.withMutableChannel(c) { ch in for i in ch.indices { ch[i] *= 2 } } }
                try inner.write(hot)
            }
            func finish() throws -> LoudnessReport { try inner.finish() }
            func discard() { inner.discard() }
        }
        let x = tonesWithBursts(seconds: 3)
        var src = source([x])
        let report = try Masterer().master(&src, into: WayOver())
        #expect(report.withinTolerance == false)
        #expect(report.warnings.contains { if case .truePeakOverCeiling = $0 { return true } else { return false } })
    }

    @Test func withoutATargetOnlyTrimAndDitherRun() throws {
        let x = Signal.sine(frequency: 1000, amplitude: 0.25, sampleRate: rate, frames: rate)
        var src = source([x])
        let destination = MemoryDestination()
        let settings = MasteringSettings(target: nil, trim: nil, ditherBitDepth: 16)
        let report = try Masterer(settings: settings).master(&src, into: destination)
        #expect(report.gain == nil && report.limiterReduction == nil && report.withinTolerance == nil)
        #expect(report.passes == 1 && report.outputFrames == rate)
        let y = destination.samples.channel(0)
        let maxDifference = zip(x, y).map { abs($0 - $1) }.max()!
        #expect(maxDifference > 0 && maxDifference <= 2.0 / 32768, "TPDF dither: at most ±1 LSB of 16 bits")
    }

    @Test func aRateChangeNeedsAResampler() throws {
        var src = source([Signal.noise(count: rate, amplitude: 0.1, seed: 1)])
        var settings = MasteringSettings()
        settings.sampleRate = 44_100
        #expect(throws: MasteringError.self) { try Masterer(settings: settings).master(&src, into: MemoryDestination()) }
        // Any stage will do: one that keeps the samples but says the new rate.
        struct Relabel: AudioStage {
            let rate: Int
            mutating func prepare(for format: AudioFormat, maxFrames: Int) throws -> StreamSpec {
                StreamSpec(format: AudioFormat(sampleRate: rate, layout: format.layout), maxFrames: maxFrames)
            }
            mutating func process(_ input: AudioBlock, into output: inout AudioBlock) throws { output.append(input) }
            mutating func flush(into output: inout AudioBlock) throws {}
        }
        try src.rewind()
        let report = try Masterer(settings: settings, resampler: { _, r in Relabel(rate: r) }).master(&src, into: MemoryDestination())
        #expect(report.outputFormat.sampleRate == 44_100)
    }

    @Test func nonFiniteSamplesAreRefusedWithTheirCountAndPlace() throws {
        var x = Signal.noise(count: rate, amplitude: 0.1, seed: 2)
        x[12_345] = .nan
        x[20_000] = .infinity
        var src = source([x])
        do {
            _ = try Masterer().master(&src, into: MemoryDestination())
            Issue.record("no error")
        } catch let error as MasteringError {
            #expect(error.code == .nonFiniteSamples && error.count == 2 && error.firstFrame == 12_345)
        }
    }

    @Test func thePlanAgreesWithTheMastering() throws {
        let x = tonesWithBursts(seconds: 3)
        var src = source([x, x])
        let plan = try Masterer().plan(&src)
        try src.rewind()
        let report = try Masterer().master(&src, into: MemoryDestination())
        #expect(plan.limiterWouldAct && plan.gain!.value > 10)
        #expect(abs(plan.expectedOutputFrames - report.outputFrames) <= 1)
        #expect(plan.before == report.before)
    }

    @Test func stagesComeBackTypedFromThePipeline() throws {
        let x = tonesWithBursts(seconds: 2)
        var src = source([x])
        var pipeline = Pipeline()
        pipeline.append(GainStage(Decibels(12)))
        let limiter = pipeline.append(TruePeakLimiter(ceiling: Decibels(-1)))
        let meter = pipeline.append(MeterStage(format: src.format, measures: [.integrated, .truePeak]))
        var sink = BufferSink(channelCount: 1)
        _ = try pipeline.run(from: &src, to: &sink)
        #expect(pipeline[limiter].minimumGain < 0.5)
        var direct = LoudnessMeter(format: src.format, measures: [.integrated, .truePeak])
        direct.write(sink.samples)
        #expect(pipeline[meter].report.integrated == direct.report().integrated)
        #expect(pipeline[meter].report.truePeak.value <= -1.0 + 0.05)
    }

    @Test func theIntermediateStoreIsWrittenOnceAndReadPerPass() throws {
        final class CountingStore: IntermediateStore {
            let inner: MemoryStore
            var writes = 0, rewinds = 0
            init(format: AudioFormat) { inner = MemoryStore(format: format) }
            var format: AudioFormat { inner.format }
            var frameCount: Int? { inner.frameCount }
            func write(_ block: AudioBlock) throws { writes += block.frameCount; try inner.write(block) }
            func read(into block: inout AudioBlock) throws -> Int { try inner.read(into: &block) }
            func rewind() throws { rewinds += 1; try inner.rewind() }
        }
        let x = tonesWithBursts(seconds: 3)
        var src = source([x])
        nonisolated(unsafe) var made: CountingStore?
        let masterer = Masterer(store: { format in
            let s = CountingStore(format: format)
            made = s
            return s
        })
        let report = try masterer.master(&src, into: MemoryDestination())
        #expect(made!.writes == report.trim.keptFrames, "trimmed signal written once")
        #expect(made!.rewinds == report.passes, "one rewind per pass")
    }
}
