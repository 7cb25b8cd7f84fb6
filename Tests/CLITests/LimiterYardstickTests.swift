import AudioCore
import AudioIO
import DSP
import Foundation
import Mastering
import Testing
import TestSupport

/// The true-peak limiter against ffmpeg's `alimiter` (attack 2 ms, release 150 ms, no auto
/// level), the yardstick most users know: the same low tones driven 1 to 3 dB into the same
/// ceiling, the distortion of each measured (THD+N). Ours must be within 3 dB of it, or better.
@Suite struct LimiterYardstickTests {
    let rate = 48_000

    func thdOfOurs(_ x: [Float], drive: Double, ceiling: Float) throws -> (thd: Double, reduction: Double, frequencyCheck: [Float]) {
        var source = BufferSource(format: AudioFormat(sampleRate: rate, channelCount: 1), samples: AudioBlock(channels: [x]))
        var pipeline = Pipeline()
        pipeline.append(GainStage(Decibels(drive)))
        let limiter = pipeline.append(TruePeakLimiter(ceiling: Decibels(amplitude: Double(ceiling))))
        var sink = BufferSink(channelCount: 1)
        _ = try pipeline.run(from: &source, to: &sink)
        let y = sink.samples.channel(0)
        return (0, pipeline[limiter].maximumReduction.value, y)
    }

    func ffmpeg(_ input: String, _ output: String, filter: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", input, "-af", filter, "-c:a", "pcm_f32le", output]
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test(arguments: [40.0, 100.0])
    func ourLimiterDistortsNoMoreThanFfmpegsAlimiter(frequency: Double) throws {
        let dir = try TemporaryFolder("limiter-yardstick")
        defer { dir.remove() }
        let x = Signal.sine(frequency: frequency, amplitude: 0.5, sampleRate: rate, frames: 6 * rate)
        let input = dir.file("tone.wav")
        let writer = try SoundFileWriter(path: input, format: AudioFormat(sampleRate: rate, channelCount: 1),
                                         encoding: try OutputEncoding(container: .wav, bitDepth: 32))
        try writer.write(AudioBlock(channels: [x]))
        try writer.commit()
        for drive in [1.0, 2.0, 3.0] {
            let ours = try thdOfOurs(x, drive: drive, ceiling: 0.5)
            let oursTHD = SoundQuality.thdPlusN(ours.frequencyCheck, frequency: frequency, sampleRate: rate, skip: 1)
            let output = dir.file("alimiter-\(drive).wav")
            let status = try ffmpeg(input, output, filter: "volume=\(drive)dB,alimiter=limit=0.5:attack=2:release=150:level=0")
            try #require(status == 0, "ffmpeg failed (make deps installs it)")
            let theirs = try SoundFileReader(path: output).readAll().channel(0)
            let theirsTHD = SoundQuality.thdPlusN(theirs, frequency: frequency, sampleRate: rate, skip: 1)
            let theirsPeak = Decibels(amplitude: Double(theirs.dropFirst(rate).map(abs).max()!)).value
            print(String(format: "limiter yardstick: %.0f Hz, %.0f dB into the ceiling: ltx-audio %.1f dB (reduction %.2f dB), alimiter %.1f dB (peak %.2f dBFS)",
                         frequency, drive, oursTHD, ours.reduction, theirsTHD, theirsPeak))
            #expect(abs(ours.reduction - drive) < 0.1, "the drive is the reduction on a steady tone")
            #expect(oursTHD <= theirsTHD + 3, "\(frequency) Hz, \(drive) dB: ours \(oursTHD) dB, alimiter \(theirsTHD) dB")
            #expect(theirsPeak <= Decibels(amplitude: 0.5).value + 0.1, "alimiter really limited to the same ceiling")
        }
    }
}
