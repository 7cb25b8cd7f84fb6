import AudioCore
import AudioFileMastering
import AudioIO
import DSP
import Foundation
import Mastering

/// The mastering of one planned file: the library's `AudioFileMasterer` with the command's
/// settings, its figures turned into the report that `master` prints and `--json` carries.
package struct FileMasteringRun {
    let input: String
    let output: String
    let encoding: OutputEncoding
    let settings: MasterSettings

    /// The file-level engine for these settings.
    var masterer: AudioFileMasterer {
        var m = AudioFileMasterer()
        m.settings = MasteringSettings(target: settings.target, trim: settings.trim, sampleRate: settings.sampleRate)
        m.settings.blockSize = settings.blockSize
        m.settings.limiting = settings.limiting
        m.settings.leveler = settings.leveler
        m.dither = settings.dither
        m.quality = settings.quality
        m.parallelResampling = settings.usesSpareCores
        m.settings.overlapsStages = settings.usesSpareCores
        m.overwrite = settings.overwrite
        m.tags = [.software: LTXAudioVersion.software].merging(settings.tags) { _, new in new }
        return m
    }

    /// Masters (or, for a dry run, plans) the file.
    /// - Throws: `AudioIOError` naming the file.
    func run() throws -> MasterFileReport {
        var report = header()
        if settings.dryRun {
            let plan = try masterer.plan(input, to: output, encoding: encoding)
            describeInput(plan.inputInfo, into: &report)
            let m = plan.mastering
            report.status = .planned
            report.before = LoudnessFigures(m.before)
            report.inputDurationSeconds = m.inputFormat.seconds(frames: m.inputFrames)
            report.outputSampleRate = m.outputFormat.sampleRate
            report.outputDurationSeconds = m.outputFormat.seconds(frames: m.expectedOutputFrames)
            report.gainDB = m.gain.map(Self.rounded)
            if m.limiterWouldAct, let peak = m.peakBeforeLimiting {
                report.note = String(format: "the limiter would act: peaks would reach %+.1f dBTP before limiting", peak.value)
            }
            report.warnings = m.warnings.map(Self.describe)
            return report
        }
        let done = try masterer.master(input, to: output, encoding: encoding)
        fill(&report, from: done)
        return report
    }

    /// A report of this file before any figure: paths, preset, target, format.
    func header() -> MasterFileReport {
        var report = MasterFileReport(path: input, output: output, status: .mastered)
        report.preset = settings.presetName
        report.targetLUFS = settings.target?.integrated.value
        report.ceilingDBTP = settings.target?.truePeakCeiling.value
        report.outputFormat = encoding.description
        return report
    }

    /// The report's figures from what the library did.
    func fill(_ report: inout MasterFileReport, from done: FileMasteringReport) {
        describeInput(done.inputInfo, into: &report)
        let m = done.mastering
        report.before = LoudnessFigures(m.before)
        report.after = LoudnessFigures(m.after)
        report.inputDurationSeconds = m.inputFormat.seconds(frames: m.inputFrames)
        report.outputSampleRate = m.outputFormat.sampleRate
        report.outputDurationSeconds = m.outputFormat.seconds(frames: m.outputFrames)
        report.passes = m.passes
        report.gainDB = m.gain.map(Self.rounded)
        report.limiterReductionDB = m.limiterReduction.map(Self.rounded)
        report.limiterAverageReductionDB = m.limiterAverageReduction.map(Self.rounded)
        report.levelerReductionDB = m.levelerReduction.map(Self.rounded)
        report.levelerAverageReductionDB = m.levelerAverageReduction.map(Self.rounded)
        report.withinTolerance = m.withinTolerance
        report.targetReached = m.targetReached
        report.warnings = m.warnings.map(Self.describe)
        report.detail = Self.detail(m)
    }

    /// The `--verbose` lines for one mastering: each rendering pass (the gain tried, the
    /// loudness after the limiter, its reduction and ceiling), the outcome, and the wall time
    /// of each phase.
    package static func detail(_ m: MasteringReport) -> [String] {
        var lines: [String] = []
        for (i, step) in m.steps.enumerated() {
            lines.append("pass \(i + 1) (\(step.kind == .measuring ? "measuring" : "delivery")): "
                + String(format: "gain %+.2f dB -> ", step.gain.value) + Self.loudness(step.loudness)
                + String(format: ", limiter %.2f dB under a %.2f dBTP ceiling", step.limiterReduction.value, step.ceiling.value))
        }
        var outcome = "\(m.passes) pass\(m.passes == 1 ? "" : "es")" + (m.gain.map { String(format: ", gain %+.2f dB", $0.value) } ?? "")
        if let largest = m.limiterReduction {
            outcome += String(format: ", limiter %.2f dB largest / %.2f dB average", largest.value, m.limiterAverageReduction?.value ?? 0)
        }
        if let largest = m.levelerReduction {
            outcome += String(format: ", leveler %.2f dB largest / %.2f dB average", largest.value, m.levelerAverageReduction?.value ?? 0)
        }
        lines.append(outcome)
        let t = m.timings
        lines.append(String(format: "phases: analysis %.3f s, trim and resample %.3f s, gain search %.3f s, delivery and verification %.3f s (engine %.3f s)",
                            seconds(t.analysis), seconds(t.preparation), seconds(t.search), seconds(t.delivery), seconds(t.total)))
        return lines
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private static func loudness(_ l: LUFS) -> String {
        l.isFinite ? String(format: "%.2f LUFS", l.value) : "no loudness"
    }

    private func describeInput(_ info: SoundFileInfo, into report: inout MasterFileReport) {
        report.inputSampleRate = info.format.sampleRate
        report.inputChannels = info.format.channelCount
        report.inputFormat = "\(info.containerName) \(info.encodingName)"
    }

    package static func rounded(_ d: Decibels) -> Double { (d.value * 100).rounded() / 100 }

    /// A warning in the words `master` prints (naming the options that change it).
    package static func describe(_ warning: MasteringWarning) -> String {
        switch warning {
        case .nothingToTrim(let threshold):
            return "everything is below the trim threshold (\(threshold)); nothing was trimmed"
        case .loudnessUnmeasurable:
            return "loudness cannot be measured (silence, or shorter than one 400 ms block); left at its level"
        case .gainCapped(let needed, let target, let maxGain):
            return String(format: "needs %+.1f dB to reach %.1f LUFS, more than --max-gain %.1f dB; left quieter than the target",
                          needed.value, target.value, maxGain.value)
        case .gainCappedUnderLimiter(let maxGain):
            return String(format: "the gain needed under the limiter exceeds --max-gain %.1f dB; left quieter than the target", maxGain.value)
        case .limitingBudget(let maximum, let reached, let target):
            return String(format: "needs more than %.1f dB of limiting to reach %.1f LUFS (--max-limiting); written at %.2f LUFS, %.2f LU under the target",
                          maximum.value, target.value, reached.value, target.value - reached.value)
        case .limitingDoesNotPay(let r, let minimum, let limiting, let reached, let target):
            return String(format: "the limiter would take most of what more gain adds (%.2f of it came through, under --min-limiting-return %.2f), so it stopped at %.1f dB of limiting; written at %.2f LUFS, %.2f LU under the %.1f LUFS target, rather than distorted",
                          r, minimum, limiting.value, reached.value, target.value - reached.value, target.value)
        case .truePeakOverCeiling(let measured, let ceiling):
            return String(format: "true peak %.2f dBTP is over the %.1f dBTP ceiling", measured.value, ceiling.value)
        case .loudnessOutOfTolerance(let measured, let target, let tolerance):
            return String(format: "integrated loudness %.2f LUFS is more than %.1f LU from the %.1f LUFS target",
                          measured.value, tolerance, target.value)
        }
    }

    /// Masters one file to an explicit output path (the output's extension or
    /// `settings.container` picks the format). Used by `generate` after downloading.
    package static func master(input: String, output: String, settings: MasterSettings, console: Console = .standard) -> MasterFileReport {
        let jobs = OutputPlanner.plan([InputFile(path: input, relativePath: (input as NSString).lastPathComponent)],
                        output: output, outputIsFile: true, settings: settings)
        if !settings.dryRun { OutputPlanner.removeStaleTemporaryFiles(for: jobs, console: console) }
        return run(jobs[0], settings: settings)
    }

    /// Runs one planned job (or returns its decided outcome).
    package static func run(_ job: MasterJob, settings: MasterSettings) -> MasterFileReport {
        if let decided = job.decided { return decided }
        guard let output = job.output, let encoding = job.encoding else {
            return OutputPlanner.failure(job.input, job.output, "nothing planned (internal error)")
        }
        let start = DispatchTime.now()
        var report: MasterFileReport
        do {
            report = try FileMasteringRun(input: job.input.path, output: output, encoding: encoding, settings: settings).run()
        } catch let error as AudioIOError where error.code == .outputExists {
            report = MasterFileReport(path: job.input.path, output: output, status: .skipped)
            report.note = "\(output) exists; pass --overwrite to replace it"
        } catch {
            report = OutputPlanner.failure(job.input, output, OutputPlanner.describe(error, input: job.input.path))
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        report.elapsedSeconds = elapsed
        if report.status == .mastered || report.status == .planned {
            report.detail.append(String(format: "%.3f s in all (read, master, encode, verify)", elapsed))
        }
        return report
    }

}
