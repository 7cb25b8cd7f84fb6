import AudioCore
import DSP
import Mastering
import Testing
import TestSupport

@Suite struct StageTests {
    func run(_ stages: [any AudioStage], _ x: [[Float]], rate: Int = 48000, blockSize: Int = 512) throws -> [[Float]] {
        var source = BufferSource(format: AudioFormat(sampleRate: rate, channelCount: x.count), samples: AudioBlock(channels: x))
        var sink = BufferSink(channelCount: x.count)
        var pipeline = Pipeline(stages)
        _ = try pipeline.run(from: &source, to: &sink, blockSize: blockSize)
        return sink.samples.channels
    }

    @Test func trimKeepsPadAndFadesTheCuts() throws {
        let rate = 48000
        let tone = Signal.sine(frequency: 440, amplitude: 0.5, sampleRate: rate, frames: rate)
        let noiseFloor = Signal.noise(count: rate / 2, amplitude: 0.0005, seed: 2)  // about -66 dBFS
        let x = noiseFloor + tone + noiseFloor
        var scanner = SilenceScanner(format: AudioFormat(sampleRate: rate, channelCount: 1), threshold: Decibels(-50))
        scanner.write(AudioBlock(channels: [x]))
        let plan = TrimPlan.from(scanner.result(), pad: rate / 20, fade: rate / 200, maxGap: nil)
        let y = try run([TrimStage(plan)], [x])[0]
        // 50 ms pad each side, to within one 10 ms window.
        #expect(abs(y.count - (rate + rate / 10)) <= 2 * scanner.windowFrames)
        #expect(abs(y[0]) < 1e-5, "faded in from zero")
        #expect(abs(y[y.count - 1]) < 1e-5, "faded out to zero")
        // No click: no jump bigger than the source's own largest step.
        var sourceStep: Float = 0, outStep: Float = 0
        for i in 1..<x.count { sourceStep = max(sourceStep, abs(x[i] - x[i - 1])) }
        for i in 1..<y.count { outStep = max(outStep, abs(y[i] - y[i - 1])) }
        #expect(outStep <= sourceStep)
    }

    @Test func maxGapShortensInnerSilence() throws {
        let rate = 16000
        let tone = Signal.sine(frequency: 440, amplitude: 0.5, sampleRate: rate, frames: rate / 2)
        let gap = [Float](repeating: 0, count: 2 * rate)
        let x = tone + gap + tone
        var scanner = SilenceScanner(format: AudioFormat(sampleRate: rate, channelCount: 1), threshold: Decibels(-50), minGap: 0.5)
        scanner.write(AudioBlock(channels: [x]))
        let plan = TrimPlan.from(scanner.result(), pad: 0, fade: 80, maxGap: rate / 2)
        let y = try run([TrimStage(plan)], [x], blockSize: 333)[0]
        #expect(abs(y.count - (rate + rate / 2)) <= 2 * scanner.windowFrames, "2 s gap cut to 0.5 s")
    }

    @Test func allSilenceKeepsEverything() {
        var scanner = SilenceScanner(format: AudioFormat(sampleRate: 8000, channelCount: 1), threshold: Decibels(-50))
        scanner.write(AudioBlock(channelCount: 1, capacity: 8000, frameCount: 8000))
        let plan = TrimPlan.from(scanner.result(), pad: 400, fade: 40, maxGap: nil)
        #expect(plan.keep == [0..<8000])
    }

    @Test func gainStageScales() throws {
        let x = Signal.noise(count: 1000, amplitude: 0.5, seed: 4)
        let y = try run([GainStage(Decibels(-6.0206))], [x])[0]
        for i in 0..<x.count { #expect(abs(y[i] - x[i] * 0.5) < 1e-6) }
    }

    @Test func presetsAndGainPlanning() {
        #expect(Preset.broadcast.target?.integrated == LUFS(-23))
        #expect(Preset.atsc.target?.truePeakCeiling == Decibels(-2))
        #expect(Preset.none.target == nil)
        let t = LoudnessTarget(integrated: LUFS(-14), truePeakCeiling: Decibels(-1), maxGain: Decibels(10))
        #expect(LoudnessNormalization.initialGain(measured: LUFS(-20), target: t)?.gain == Decibels(6))
        #expect(LoudnessNormalization.initialGain(measured: LUFS(-40), target: t)?.capped == true)
        #expect(LoudnessNormalization.initialGain(measured: LUFS(-.infinity), target: t) == nil)
    }
}
