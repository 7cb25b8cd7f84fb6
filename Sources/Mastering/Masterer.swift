import AudioCore
import DSP

/// Makes the stage that converts `format`'s frames to `rate` Hz (libsamplerate's, from
/// `AudioIO`; `Mastering` itself does no resampling).
public typealias ResamplerFactory = @Sendable (_ format: AudioFormat, _ rate: Int) throws -> any AudioStage

/// Makes the store that holds the trimmed, resampled signal between passes.
public typealias StoreFactory = @Sendable (_ format: AudioFormat) throws -> any IntermediateStore

/// The mastering algorithm, in memory: trim, resample, normalise under a true-peak limiter,
/// dither, deliver and verify.
///
/// Passes over the signal (memory stays flat whatever the length, given a store on disk):
/// 1. the source → silence scan + loudness of the input as it came (and a non-finite check);
/// 2. the source, rewound → trim → resample → the intermediate store + loudness at the
///    delivered rate (skipped, with pass 1's figures reused, when no stage changes the samples);
/// 3. the store → gain → true-peak limiter → loudness (measuring passes: a secant search for
///    the gain that lands on the target when the limiter takes loudness away), then
///    gain → limiter → dither → the destination (the written pass);
/// 4. the destination measures what it delivered; a true peak over the ceiling is tried again
///    with more headroom (``DeliveryPolicy``).
///
/// Without a loudness target, passes 2 and 3 merge into one: source → trim → resample →
/// dither → destination.
///
/// ```swift
/// let masterer = Masterer(settings: MasteringSettings(target: Preset.broadcast.target))
/// var source = BufferSource(format: format, samples: block)
/// let destination = MemoryDestination()
/// let report = try masterer.master(&source, into: destination)
/// // destination.samples: the mastered signal; report.after.integrated: its loudness
/// ```
///
/// It does not read or write files, choose encodings or print anything: those are the
/// callers' (`AudioFileMastering`, the command-line tool).
public struct Masterer: Sendable {
    /// What to do.
    public var settings: MasteringSettings
    /// Makes the resampler when the delivered rate differs from the input's.
    public var resampler: ResamplerFactory?
    /// Makes the intermediate store (default: in memory).
    public var store: StoreFactory

    /// What the engine measures of an input and of a delivery.
    public static let figures: LoudnessMeter.Measures = [.integrated, .loudnessRange, .truePeak, .samplePeak]
    /// The silence threshold used for the non-finite check when trimming is off.
    static let defaultThreshold = Decibels(-50)
    /// Attempts at delivery (the first, then with more headroom).
    static let deliveryAttempts = 3

    /// - Parameters:
    ///   - settings: the target, trimming, rate and dither.
    ///   - resampler: needed when `settings.sampleRate` differs from an input's rate.
    ///   - store: where the intermediate signal is kept (default ``MemoryStore``).
    public init(settings: MasteringSettings = MasteringSettings(), resampler: ResamplerFactory? = nil,
                store: @escaping StoreFactory = { MemoryStore(format: $0) }) {
        self.settings = settings
        self.resampler = resampler
        self.store = store
    }

    /// Masters `source` into `destination`.
    /// - Parameters:
    ///   - source: read from its start twice (it is rewound once).
    ///   - destination: receives each delivery attempt; the last finished one is the result.
    /// - Returns: the figures before and after, the gain, the limiting, warnings.
    /// - Throws: ``MasteringError`` (non-finite samples, a rate change without a resampler),
    ///   or what the source, a stage, the store or the destination throws.
    public func master<Source: RewindableAudioSource>(
        _ source: inout Source, into destination: some MasteringDestination
    ) throws -> MasteringReport {
        let input = try analyzeInput(&source)
        try source.rewind()
        let front = try frontStages(input)
        let outFormat = try Pipeline(front).outputSpec(for: input.format, blockSize: settings.blockSize).format
        let dither: [any AudioStage] = settings.ditherBitDepth.map { [TPDFDither(bitDepth: $0)] } ?? []

        guard let target = settings.target else {
            // No loudness change: one pass straight to the destination.
            try destination.begin(format: outFormat)
            var pipeline = Pipeline(front + dither)
            var sink = DestinationSink(destination: destination)
            let stats: Pipeline.Statistics
            do {
                stats = try pipeline.run(from: &source, to: &sink, blockSize: settings.blockSize)
            } catch {
                destination.discard()
                throw error
            }
            let after = try destination.finish()
            return MasteringReport(
                inputFormat: input.format, inputFrames: input.frames, before: input.before, trim: input.trim,
                outputFormat: outFormat, outputFrames: stats.outputFrames, after: after, gain: nil,
                limiterReduction: nil, passes: 1, targetReached: nil, withinTolerance: nil, warnings: input.warnings)
        }

        // Pass 2: trim and resample once, into the store, measuring at the delivered rate.
        let store = try self.store(outFormat)
        let mid = try deliverable(&source, input: input, front: front, format: outFormat, into: store)
        var warnings = input.warnings
        var (gain, reachable) = firstGain(mid: mid, target: target, warnings: &warnings)

        // Pass 3: when the limiter will act (the peaks after the gain pass the ceiling), it
        // takes loudness away: find the gain that lands on the target with measuring passes
        // first, then write once.
        let policy = destination.policy
        var margin = policy.initialMargin
        var passes = 0
        var attempt = 0
        while true {
            let limiterActs = mid.truePeak.value + gain.value > target.truePeakCeiling.value - margin
            if reachable && (limiterActs || attempt > 0) {
                var gains: [Decibels] = [], results: [LUFS] = []
                // A free first point for the secant: at the largest gain the limiter leaves
                // alone, the loudness is exactly the measured one plus that gain.
                let untouched = target.truePeakCeiling.value - margin - mid.truePeak.value
                if untouched.isFinite && untouched < gain.value - 0.5 {
                    gains.append(Decibels(untouched))
                    results.append(LUFS(mid.integrated.value + untouched))
                }
                while passes < settings.maxRenderPasses - 1 {
                    let integrated = try measure(store, gain: gain, ceiling: target.truePeakCeiling.value - margin)
                    passes += 1
                    gains.append(gain)
                    results.append(integrated)
                    if abs(integrated.value - target.integrated.value) <= LoudnessNormalization.aim { break }
                    let next = LoudnessNormalization.nextGain(gains: gains, results: results, target: target)
                    gain = next.gain
                    if next.capped {
                        reachable = false
                        warnings.append(.gainCappedUnderLimiter(maxGain: target.maxGain))
                        break
                    }
                }
            }
            let (frames, minimumGain) = try write(store, gain: gain, ceiling: target.truePeakCeiling.value - margin,
                                                  dither: dither, to: destination)
            passes += 1
            let after = try destination.finish()
            attempt += 1
            let ceiling = target.truePeakCeiling.value + policy.peakTolerance
            if after.truePeak.value > ceiling && attempt < Self.deliveryAttempts {
                // A codec or the gain curve pushed a peak over: try again with more room.
                destination.discard()
                margin += policy.retryStep
                continue
            }
            let peakOK = after.truePeak.value <= ceiling
            let loudnessOK = !reachable || !policy.holdsLoudness
                || abs(after.integrated.value - target.integrated.value) <= LoudnessNormalization.tolerance
            if !peakOK { warnings.append(.truePeakOverCeiling(measured: after.truePeak, ceiling: target.truePeakCeiling)) }
            if !loudnessOK {
                warnings.append(.loudnessOutOfTolerance(measured: after.integrated, target: target.integrated,
                                                        tolerance: LoudnessNormalization.tolerance))
            }
            return MasteringReport(
                inputFormat: input.format, inputFrames: input.frames, before: input.before, trim: input.trim,
                outputFormat: outFormat, outputFrames: frames, after: after, gain: gain,
                limiterReduction: minimumGain < 1 ? Decibels(-Decibels(amplitude: Double(minimumGain)).value) : Decibels(0),
                passes: passes, targetReached: reachable, withinTolerance: peakOK && loudnessOK, warnings: warnings)
        }
    }

    /// Measures `source` and says what ``master(_:into:)`` would do, writing nothing.
    /// - Throws: as ``master(_:into:)``.
    public func plan<Source: RewindableAudioSource>(_ source: inout Source) throws -> MasteringPlan {
        let input = try analyzeInput(&source)
        let front = try frontStages(input)
        let outFormat = try Pipeline(front).outputSpec(for: input.format, blockSize: settings.blockSize).format
        let expected = Int((Double(input.trim.keptFrames) * Double(outFormat.sampleRate) / Double(input.format.sampleRate)).rounded())
        var plan = MasteringPlan(
            inputFormat: input.format, inputFrames: input.frames, before: input.before, trim: input.trim,
            outputFormat: outFormat, expectedOutputFrames: expected, gain: nil, peakBeforeLimiting: nil,
            limiterWouldAct: false, warnings: input.warnings)
        guard let target = settings.target else { return plan }
        try source.rewind()
        let mid = try deliverable(&source, input: input, front: front, format: outFormat, into: nil)
        let (gain, _) = firstGain(mid: mid, target: target, warnings: &plan.warnings)
        plan.gain = gain
        plan.peakBeforeLimiting = Decibels(mid.truePeak.value + gain.value)
        plan.limiterWouldAct = mid.truePeak.value + gain.value > target.truePeakCeiling.value
        return plan
    }

    // MARK: - The passes

    /// What pass 1 learns about the input.
    struct InputFigures {
        var format: AudioFormat
        var frames: Int
        var before: LoudnessReport
        var trim: TrimPlan
        var warnings: [MasteringWarning]
    }

    /// Pass 1: silence scan, loudness as it came, non-finite check; the trim plan.
    func analyzeInput<Source: AudioSource>(_ source: inout Source) throws -> InputFigures {
        let format = source.format
        let trim = settings.trim
        var pass = Pipeline()
        let scanner = pass.append(TapStage(SilenceScanner(format: format, threshold: trim?.threshold ?? Self.defaultThreshold,
                                                          minGap: trim?.maxGap)))
        let meter = pass.append(MeterStage(format: format, measures: Self.figures))
        var sink = DiscardingSink()
        _ = try pass.run(from: &source, to: &sink, blockSize: settings.blockSize)
        let scan = pass[scanner].sink
        if scan.nonFiniteCount > 0 {
            throw MasteringError(code: .nonFiniteSamples, count: scan.nonFiniteCount, firstFrame: scan.firstNonFiniteFrame ?? 0,
                                 sampleRate: format.sampleRate)
        }
        let result = scan.result()
        var plan = TrimPlan.keepAll(frames: result.frameCount)
        var warnings: [MasteringWarning] = []
        if let trim {
            let rate = Double(format.sampleRate)
            plan = TrimPlan.from(result, pad: Int(trim.pad * rate), fade: Int(trim.fade * rate),
                                 maxGap: trim.maxGap.map { Int($0 * rate) })
            if result.sound == nil { warnings.append(.nothingToTrim(threshold: trim.threshold)) }
        }
        return InputFigures(format: format, frames: scan.frameCount, before: pass[meter].report, trim: plan, warnings: warnings)
    }

    /// The stages up to the delivered rate: trim (when it cuts anything), resample (when the
    /// rate changes).
    func frontStages(_ input: InputFigures) throws -> [any AudioStage] {
        var front: [any AudioStage] = []
        if input.trim.keep != [0..<input.frames] { front.append(TrimStage(input.trim)) }
        let rate = settings.sampleRate ?? input.format.sampleRate
        if rate != input.format.sampleRate {
            guard let resampler else {
                throw MasteringError(code: .noResampler, sampleRate: input.format.sampleRate, wantedRate: rate)
            }
            front.append(try resampler(input.format, rate))
        }
        return front
    }

    /// Pass 2: the front stages into `store` (when given), measuring at the delivered rate;
    /// when no stage changes the samples, pass 1's figures are those.
    func deliverable<Source: AudioSource>(_ source: inout Source, input: InputFigures, front: [any AudioStage],
                                          format: AudioFormat, into store: (any IntermediateStore)?) throws -> LoudnessReport {
        guard !front.isEmpty || store != nil else { return input.before }
        var pass = Pipeline(front)
        let meter = front.isEmpty ? nil : pass.append(MeterStage(format: format, measures: [.integrated, .truePeak]))
        if let store {
            var sink = StoreStream(store: store)
            _ = try pass.run(from: &source, to: &sink, blockSize: settings.blockSize)
        } else {
            var sink = DiscardingSink()
            _ = try pass.run(from: &source, to: &sink, blockSize: settings.blockSize)
        }
        return meter.map { pass[$0].report } ?? input.before
    }

    /// The gain for the measured loudness, and whether the target is reachable.
    func firstGain(mid: LoudnessReport, target: LoudnessTarget, warnings: inout [MasteringWarning]) -> (Decibels, Bool) {
        guard let first = LoudnessNormalization.initialGain(measured: mid.integrated, target: target) else {
            warnings.append(.loudnessUnmeasurable)
            return (Decibels(0), false)
        }
        if first.capped {
            warnings.append(.gainCapped(needed: Decibels(target.integrated.value - mid.integrated.value),
                                        target: target.integrated, maxGain: target.maxGain))
        }
        return (first.gain, !first.capped)
    }

    /// A measuring pass: store → gain → limiter → meter.
    func measure(_ store: any IntermediateStore, gain: Decibels, ceiling: Double) throws -> LUFS {
        try store.rewind()
        var pass = Pipeline()
        pass.append(GainStage(gain))
        pass.append(TruePeakLimiter(ceiling: Decibels(ceiling)))
        let meter = pass.append(MeterStage(format: store.format, measures: [.integrated]))
        var source = StoreStream(store: store)
        var sink = DiscardingSink()
        _ = try pass.run(from: &source, to: &sink, blockSize: settings.blockSize)
        return pass[meter].report.integrated
    }

    /// The written pass: store → gain → limiter → dither → destination.
    /// - Returns: frames delivered and the limiter's smallest gain (linear).
    func write(_ store: any IntermediateStore, gain: Decibels, ceiling: Double, dither: [any AudioStage],
               to destination: some MasteringDestination) throws -> (frames: Int, minimumGain: Float) {
        try store.rewind()
        try destination.begin(format: store.format)
        var pass = Pipeline()
        pass.append(GainStage(gain))
        let limiter = pass.append(TruePeakLimiter(ceiling: Decibels(ceiling)))
        pass.append(contentsOf: dither)
        var source = StoreStream(store: store)
        var sink = DestinationSink(destination: destination)
        do {
            let stats = try pass.run(from: &source, to: &sink, blockSize: settings.blockSize)
            return (stats.outputFrames, pass[limiter].minimumGain)
        } catch {
            destination.discard()
            throw error
        }
    }
}
