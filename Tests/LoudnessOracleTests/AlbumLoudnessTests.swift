import AudioCore
import DSP
import Foundation
import Testing
import TestSupport

/// An album's loudness (`GatingBlocks.integrated(combining:)`) against libebur128's
/// `ebur128_loudness_global_multiple`: signals at different levels, rates and layouts, some of
/// whose blocks fall under the gate set by the others, within 0.05 LU (as the single-signal meter).
struct AlbumLoudnessTests {
    @Test func severalSignalsTogetherAgreeWithLibEbur128GlobalMultiple() {
        let signals: [(channels: [[Float]], format: AudioFormat)] = [
            ([Signal.noiseAndTones(sampleRate: 48_000, seconds: 6, seed: 1), Signal.noise(count: 288_000, amplitude: 0.2, seed: 2)],
             AudioFormat(sampleRate: 48_000, layout: .stereo)),
            // 14 dB quieter: its blocks sit near the relative gate the others set.
            ([Signal.noise(count: 4 * 44_100, amplitude: 0.04, seed: 3)], AudioFormat(sampleRate: 44_100, layout: .mono)),
            ([Signal.sine(frequency: 997, amplitude: 0.5, sampleRate: 24_000, frames: 3 * 24_000),
              Signal.sine(frequency: 440, amplitude: 0.3, sampleRate: 24_000, frames: 3 * 24_000)],
             AudioFormat(sampleRate: 24_000, layout: .stereo)),
        ]
        let parts = signals.map { s -> GatingBlocks in
            var meter = LoudnessMeter(format: s.format, measures: [.integrated])
            meter.write(AudioBlock(channels: s.channels))
            return meter.report().gating
        }
        let ours = GatingBlocks.integrated(combining: parts).value
        let reference = LibEbur128Figures.integratedTogether(signals)
        #expect(abs(ours - reference) <= 0.05, "album: ours \(ours), libebur128 \(reference)")
        // With a gain, every block moves by it.
        let louder = GatingBlocks.integrated(combining: parts, withGain: Decibels(6)).value
        #expect(abs(louder - (ours + 6)) <= 1e-9)
        // One signal alone is its own integrated loudness; none is "no value".
        #expect(GatingBlocks.integrated(combining: [parts[0]]) == parts[0].integrated())
        #expect(GatingBlocks.integrated(combining: []).value == -.infinity)
    }
}
