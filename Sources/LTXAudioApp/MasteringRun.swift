import AudioCore
import AudioIO
import DSP
import Foundation
import Mastering

/// The mastering chain for one file: decode, trim, resample, normalise and limit, dither,
/// encode, verify.
///
/// Passes over the audio (memory stays flat whatever the length):
/// 1. decode → silence scan + loudness of the input as it came (and a non-finite check);
/// 2. decode → trim → resample → a temporary spill file + loudness at the delivered rate;
/// 3. spill → gain → true-peak limiter → loudness → dither → encoder (temporary file),
///    repeated with a corrected gain while the limiter keeps the result off target;
/// 4. the temporary output is decoded and measured before it is moved into place.
/// Resampling happens once. With no loudness target (preset `none`), passes 2 and 3 merge.
struct MasteringRun {
    let input: String
    let output: String
    let encoding: OutputEncoding
    let settings: MasterSettings

    /// Internal ceiling margin below the requested one (dB): room for the gain curve's own
    /// inter-sample effects (lossless) or a codec's overshoot (lossy).
    var initialMargin: Double { encoding.container.isLossy ? 0.6 : 0.05 }
    static let maxRenderPasses = 10

    func run() throws -> MasterFileReport {
        var report = MasterFileReport(path: input, output: output, status: .mastered)
        report.preset = settings.presetName
        report.targetLUFS = settings.target?.integrated.value
        report.ceilingDBTP = settings.target?.truePeakCeiling.value

        // Pass 1: scan and measure the input.
        let reader = try SoundFileReader(path: input)
        let info = reader.info
        report.inputSampleRate = info.format.sampleRate
        report.inputChannels = info.format.channelCount
        report.inputFormat = "\(info.containerName) \(info.encodingName)"
        let outRate = settings.sampleRate ?? info.format.sampleRate
        guard outRate * info.format.channelCount <= SoundFileReader.maxSamplesPerSecond else {
            throw AudioIOError(.unsupportedOutput, path: input,
                "\(info.format.channelCount) channels at \(outRate) Hz would exceed the \(SoundFileReader.maxSamplesPerSecond) samples per second this tool handles; choose a lower --sample-rate")
        }
        let trim = settings.trim
        var scanner = SilenceScanner(format: info.format, threshold: trim?.threshold ?? Decibels(-50),
                                     minGap: trim?.maxGap)
        var inputMeter = LoudnessMeter(format: info.format, measures: [.integrated, .loudnessRange, .truePeak, .samplePeak])
        var block = AudioBlock(channelCount: info.format.channelCount, capacity: settings.blockSize)
        while try reader.read(into: &block) > 0 {
            scanner.write(block)
            inputMeter.write(block)
        }
        if scanner.nonFiniteCount > 0 {
            let frame = scanner.firstNonFiniteFrame ?? 0
            throw AudioIOError(.malformed, path: input,
                "contains \(scanner.nonFiniteCount) non-finite sample\(scanner.nonFiniteCount == 1 ? "" : "s") (NaN or infinity), the first at frame \(frame) (\(String(format: "%.3f", info.format.seconds(frames: frame))) s); refusing to master it, so none reaches an output")
        }
        let before = inputMeter.report()
        report.before = figures(before)
        report.inputDurationSeconds = info.format.seconds(frames: scanner.frameCount)

        // The trim plan.
        let scan = scanner.result()
        var plan = TrimPlan.keepAll(frames: scan.frameCount)
        if let trim {
            let rate = Double(info.format.sampleRate)
            plan = TrimPlan.from(scan, pad: Int(trim.pad * rate), fade: Int(trim.fade * rate),
                                 maxGap: trim.maxGap.map { Int($0 * rate) })
            if scan.sound == nil {
                report.warnings.append("everything is below the trim threshold (\(trim.threshold)); nothing was trimmed")
            }
        }

        // Stages up to the delivered rate.
        var front: [any AudioStage] = []
        if plan.keep != [0..<scan.frameCount] { front.append(TrimStage(plan)) }
        if outRate != info.format.sampleRate {
            front.append(Resampler(to: outRate, quality: settings.quality, parallelChannels: settings.parallelChannels))
        }
        let outFormat = try Pipeline(front).outputSpec(for: info.format, blockSize: settings.blockSize).format
        let dither = settings.dither && encoding.bitDepth == 16 ? TPDFDither(bitDepth: 16) : nil
        let ditherStage: [any AudioStage] = dither.map { [$0] } ?? []
        var tags = info.tags
        tags[.software] = LTXAudioVersion.software
        for (k, v) in settings.tags { tags[k] = v }

        try reader.rewind()
        guard let target = settings.target else {
            // No loudness change: one pass straight to the encoder.
            guard !settings.dryRun else { return dryRunReport(report, plan: plan, format: outFormat, gain: nil, midPeak: nil) }
            let writer = try makeWriter(outFormat, tags: tags)
            var pipeline = Pipeline(front + ditherStage)
            var source = reader
            var sink = writer
            let stats = try pipeline.run(from: &source, to: &sink, blockSize: settings.blockSize)
            try writer.finish()
            return try verifyAndCommit(writer, report: report, frames: stats.outputFrames, format: outFormat,
                                       target: nil, gain: nil, limiter: nil, passes: 1)
        }

        // Pass 2: trim and resample once, into the spill (not for a dry run), measuring at the
        // delivered rate; when no stage changes the samples, pass 1's figures are those.
        let spill = settings.dryRun ? nil : try SpillFile(format: outFormat)
        let remeasure = !front.isEmpty
        var midMeter = LoudnessMeter(format: outFormat, measures: remeasure ? [.integrated, .truePeak] : [])
        if spill != nil || remeasure {
            var pipeline = Pipeline(front)
            var source = reader
            if let spill {
                var sink = SplitSink(first: spill, second: midMeter)
                _ = try pipeline.run(from: &source, to: &sink, blockSize: settings.blockSize)
                midMeter = sink.second
            } else {
                _ = try pipeline.run(from: &source, to: &midMeter, blockSize: settings.blockSize)
            }
        }
        reader.close()
        let mid = remeasure ? midMeter.report() : before

        var gain = Decibels(0)
        var reachable = true
        if let first = LoudnessNormalization.initialGain(measured: mid.integrated, target: target) {
            gain = first.gain
            if first.capped {
                reachable = false
                report.warnings.append(String(format: "needs %+.1f dB to reach %.1f LUFS, more than --max-gain %.1f dB; left quieter than the target",
                                              target.integrated.value - mid.integrated.value, target.integrated.value, target.maxGain.value))
            }
        } else {
            reachable = false
            report.warnings.append("loudness cannot be measured (silence, or shorter than one 400 ms block); left at its level")
        }
        guard let spill else {
            return dryRunReport(report, plan: plan, format: outFormat, gain: gain, midPeak: mid.truePeak)
        }

        // Pass 3: gain → limiter → meter → dither → encoder. When the limiter will act (the
        // peaks after the gain pass the ceiling), it takes loudness away: find the gain that
        // lands on the target with measuring passes first (no encoding), then write once.
        var margin = initialMargin
        var passes = 0
        for attempt in 0..<3 {
            let limiterActs = mid.truePeak.value + gain.value > target.truePeakCeiling.value - margin
            if reachable && (limiterActs || attempt > 0) {
                var gains: [Decibels] = [], results: [LUFS] = []
                // A free first point for the secant: at the largest gain the limiter leaves alone,
                // the loudness is exactly the measured one plus that gain.
                let untouched = target.truePeakCeiling.value - margin - mid.truePeak.value
                if untouched.isFinite && untouched < gain.value - 0.5 {
                    gains.append(Decibels(untouched))
                    results.append(LUFS(mid.integrated.value + untouched))
                }
                while passes < MasteringRun.maxRenderPasses - 1 {
                    let measured = try render(spill, gain: gain, target: target, margin: margin, dither: nil, writer: nil)
                    passes += 1
                    let integrated = measured.integrated!  // a measuring pass (no writer) always has it
                    gains.append(gain)
                    results.append(integrated)
                    if abs(integrated.value - target.integrated.value) <= LoudnessNormalization.aim { break }
                    let next = LoudnessNormalization.nextGain(gains: gains, results: results, target: target)
                    gain = next.gain
                    if next.capped {
                        reachable = false
                        report.warnings.append(String(format: "the gain needed under the limiter exceeds --max-gain %.1f dB; left quieter than the target", target.maxGain.value))
                        break
                    }
                }
            }
            let writer = try makeWriter(outFormat, tags: tags)
            let result = try render(spill, gain: gain, target: target, margin: margin, dither: dither, writer: writer)
            passes += 1
            try writer.finish()
            let verified = try measureFile(writer.temporaryPath)
            let ceiling = target.truePeakCeiling.value + (encoding.container.isLossy ? 0.5 : 0)
            if verified.truePeak.value > ceiling && attempt < 2 {
                // A codec or the gain curve pushed a peak over: retry with more room.
                writer.discard()
                margin += encoding.container.isLossy ? 0.5 : 0.1
                continue
            }
            report.targetReached = reachable
            return try verifyAndCommit(writer, report: report, frames: result.frames, format: outFormat, target: target,
                                       gain: gain, limiter: result.minimumGain, passes: passes,
                                       measured: verified, reachable: reachable)
        }
        fatalError("unreachable: the last attempt always returns")
    }

    /// One pass over the spill: gain, limiter, then either the meter (a measuring pass: the
    /// integrated loudness is returned) or dither and the encoder (the written file is measured
    /// after decoding instead; `integrated` is nil).
    private func render(_ spill: SpillFile, gain: Decibels, target: LoudnessTarget, margin: Double,
                        dither: TPDFDither?, writer: SoundFileWriter?) throws -> (integrated: LUFS?, frames: Int, minimumGain: Float) {
        try spill.rewind()
        let limiter = TruePeakLimiter(ceiling: Decibels(target.truePeakCeiling.value - margin))
        var head = Pipeline([GainStage(gain), limiter])
        var meterSink = MeterAndEncode(meter: LoudnessMeter(format: spill.format, measures: writer == nil ? [.integrated] : []),
                                       dither: dither, writer: writer, channels: spill.format.channelCount,
                                       blockSize: settings.blockSize)
        var source = spill
        let stats = try head.run(from: &source, to: &meterSink, blockSize: settings.blockSize)
        let minimumGain = (head.stages[1] as? TruePeakLimiter)?.minimumGain ?? 1
        return (writer == nil ? meterSink.meter.report().integrated : nil, stats.outputFrames, minimumGain)
    }

    private func makeWriter(_ format: AudioFormat, tags: [SoundTag: String]) throws -> SoundFileWriter {
        let folder = (output as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw AudioIOError(.writeFailed, path: output, "cannot create the folder \(folder)", cause: (error as NSError).localizedDescription)
            }
        }
        return try SoundFileWriter(path: output, format: format, encoding: encoding, tags: tags, overwrite: settings.overwrite)
    }

    /// Decodes and measures a written file, as `analyze` does.
    private func measureFile(_ path: String) throws -> LoudnessReport {
        try Analysis.analyze(path: path, measures: [.integrated, .loudnessRange, .truePeak, .samplePeak]).report
    }

    /// Verifies the finished temporary output (measuring it if not done yet), fills the report
    /// and moves the file into place.
    private func verifyAndCommit(_ writer: SoundFileWriter, report: MasterFileReport, frames: Int, format: AudioFormat,
                                 target: LoudnessTarget?, gain: Decibels?, limiter: Float?, passes: Int,
                                 measured: LoudnessReport? = nil, reachable: Bool = true) throws -> MasterFileReport {
        var report = report
        let after = try measured ?? measureFile(writer.temporaryPath)
        try writer.commit()
        report.after = figures(after)
        report.outputSampleRate = format.sampleRate
        report.outputFormat = encoding.description
        report.outputDurationSeconds = format.seconds(frames: frames)
        report.passes = passes
        report.gainDB = gain.map { ($0.value * 100).rounded() / 100 }
        report.limiterReductionDB = limiter.map { $0 < 1 ? (-Decibels(amplitude: Double($0)).value * 100).rounded() / 100 : 0 }
        if let target {
            let lossy = encoding.container.isLossy
            let peakOK = after.truePeak.value <= target.truePeakCeiling.value + (lossy ? 0.5 : 0.0)
            let loudnessOK = !reachable || lossy || abs(after.integrated.value - target.integrated.value) <= LoudnessNormalization.tolerance
            report.withinTolerance = peakOK && loudnessOK
            if !peakOK {
                report.warnings.append(String(format: "true peak %.2f dBTP is over the %.1f dBTP ceiling", after.truePeak.value, target.truePeakCeiling.value))
            }
            if !loudnessOK {
                report.warnings.append(String(format: "integrated loudness %.2f LUFS is more than %.1f LU from the %.1f LUFS target",
                                              after.integrated.value, LoudnessNormalization.tolerance, target.integrated.value))
            }
        }
        return report
    }

    private func dryRunReport(_ report: MasterFileReport, plan: TrimPlan, format: AudioFormat, gain: Decibels?,
                              midPeak: Decibels?) -> MasterFileReport {
        var report = report
        report.status = .planned
        report.outputSampleRate = format.sampleRate
        report.outputFormat = encoding.description
        report.outputDurationSeconds = format.seconds(frames: Int((Double(plan.keptFrames) * Double(format.sampleRate) / Double(report.inputSampleRate ?? format.sampleRate)).rounded()))
        report.gainDB = gain.map { ($0.value * 100).rounded() / 100 }
        if let gain, let midPeak, let target = settings.target, midPeak.value + gain.value > target.truePeakCeiling.value {
            report.note = String(format: "the limiter would act: peaks would reach %+.1f dBTP before limiting", midPeak.value + gain.value)
        }
        return report
    }

    private func figures(_ r: LoudnessReport) -> LoudnessFigures {
        LoudnessFigures(integrated: r.integrated.value, range: r.loudnessRange, truePeak: r.truePeak.value,
                        samplePeak: r.samplePeak.value, duration: r.duration)
    }
}

/// Writes each block to two sinks.
struct SplitSink<A: AudioSink, B: AudioSink>: AudioSink {
    var first: A
    var second: B
    mutating func write(_ block: AudioBlock) throws {
        try first.write(block)
        try second.write(block)
    }
}

/// A sink that meters each block (before dither), then dithers and encodes it if a writer is given.
struct MeterAndEncode: AudioSink {
    var meter: LoudnessMeter
    var dither: TPDFDither?
    let writer: SoundFileWriter?
    private var scratch: AudioBlock

    init(meter: LoudnessMeter, dither: TPDFDither?, writer: SoundFileWriter?, channels: Int, blockSize: Int) {
        self.meter = meter
        self.dither = dither
        self.writer = writer
        scratch = AudioBlock(channelCount: channels, capacity: dither == nil ? 0 : blockSize)
    }

    mutating func write(_ block: AudioBlock) throws {
        meter.write(block)
        guard let writer else { return }
        guard var d = dither else { return try writer.write(block) }
        if scratch.capacity < block.frameCount { scratch.reserve(capacity: block.frameCount) }
        scratch.frameCount = 0
        try d.process(block, into: &scratch)
        dither = d
        try writer.write(scratch)
    }
}
