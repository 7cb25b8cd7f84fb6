import AudioCore
import DSP
import Mastering
import Testing
import TestSupport

/// `AlbumMasterer` in memory: one common gain lands the album's loudness on the target, each
/// track keeps its level relative to the others, and each limiter holds the ceiling.
struct AlbumMastererTests {
    let rate = 48_000

    func track(_ channels: [[Float]]) -> (AlbumTrack, MemoryDestination) {
        let destination = MemoryDestination()
        let source = BufferSource(format: AudioFormat(sampleRate: rate, channelCount: channels.count), samples: AudioBlock(channels: channels))
        return (AlbumTrack(source: source, destination: destination), destination)
    }

    func loudness(_ d: MemoryDestination) -> (integrated: Double, truePeak: Double, gating: GatingBlocks) {
        var meter = LoudnessMeter(format: d.format!, measures: [.integrated, .truePeak])
        meter.write(d.samples)
        let r = meter.report()
        return (r.integrated.value, r.truePeak.value, r.gating)
    }

    @Test func oneGainMeetsTheAlbumTargetAndKeepsTheDifferences() throws {
        let n = rate * 3
        let tones = [(440.0, 0.02), (997.0, 0.06), (2500.0, 0.12)].map { f, a in
            [Signal.sine(frequency: f, amplitude: a, sampleRate: rate, frames: n)]
        }
        let made = tones.map(track)
        let settings = MasteringSettings(target: Preset.streaming.target, trim: nil)
        let report = AlbumMasterer(masterer: Masterer(settings: settings)).master(made.map { $0.0 })
        let outs = made.map { loudness($0.1) }
        let ins = tones.map { c -> Double in
            var m = LoudnessMeter(format: AudioFormat(sampleRate: rate, channelCount: 1), measures: [.integrated])
            m.write(AudioBlock(channels: c))
            return m.report().integrated.value
        }
        let album = GatingBlocks.integrated(combining: outs.map { $0.gating }).value
        #expect(abs(album - -14) <= 0.1, "album \(album) LUFS")
        #expect(abs(report.after.value - album) <= 0.01)
        for i in 1..<3 {
            #expect(abs((outs[i].integrated - outs[0].integrated) - (ins[i] - ins[0])) <= 0.05, "difference \(i) kept")
        }
        #expect(report.tracks.allSatisfy { (try? $0.get().withinTolerance) == true })
        #expect(report.gain != nil && report.targetReached == true)
    }

    @Test func aLimitedTrackStillHoldsTheCeilingAndTheAlbumLandsOnTheTarget() throws {
        let n = rate * 3
        var loud = Signal.sine(frequency: 997, amplitude: 0.1, sampleRate: rate, frames: n)
        for k in stride(from: rate / 2, to: n, by: rate / 2) { for j in 0..<48 { loud[k + j] = j % 2 == 0 ? 0.9 : -0.9 } }
        let quiet = Signal.sine(frequency: 440, amplitude: 0.03, sampleRate: rate, frames: n)
        let made = [[loud], [quiet]].map(track)
        let settings = MasteringSettings(target: Preset.streaming.target, trim: nil)
        let report = AlbumMasterer(masterer: Masterer(settings: settings)).master(made.map { $0.0 })
        let outs = made.map { loudness($0.1) }
        let album = GatingBlocks.integrated(combining: outs.map { $0.gating }).value
        #expect(abs(album - -14) <= 0.1, "album \(album) LUFS")
        for o in outs { #expect(o.truePeak <= -1.0 + 1e-3, "true peak \(o.truePeak)") }
        let first = try report.tracks[0].get()
        #expect((first.limiterReduction?.value ?? 0) > 1, "the clicks were limited")
        #expect(first.passes > 1, "measuring passes searched the album's gain")
    }
}
