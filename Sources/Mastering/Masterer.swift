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
/// 3. the store → gain → (leveler) → true-peak limiter → loudness (measuring passes: a
///    secant search for the gain that lands on the target when the limiter takes loudness away,
///    stopped where the ``LimitingPolicy`` says the limiting no longer pays), then
///    gain → (leveler) → limiter → dither → the destination (the written pass);
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
        let clock = ContinuousClock()
        var timings = MasteringTimings()
        var start = clock.now
        /// The time since the last lap.
        func lap() -> Duration {
            let now = clock.now
            defer { start = now }
            return now - start
        }
        let input = try analyzeInput(&source)
        timings.analysis = lap()
        try source.rewind()
        let front = try frontStages(input)
        let outFormat = try Pipeline(front).outputSpec(for: input.format, blockSize: settings.blockSize).format
        let dither: [any AudioStage] = settings.ditherBitDepth.map { [TPDFDither(bitDepth: $0)] } ?? []

        guard let target = settings.target else {
            // No loudness change: one pass straight to the destination.
            try destination.begin(format: outFormat)
            var pipeline = Pipeline(front + dither)
            let stats: Pipeline.Statistics
            do {
                stats = try run(&pipeline, from: &source, into: DestinationSink(destination: destination)).stats
            } catch {
                destination.discard()
                throw error
            }
            let after = try destination.finish()
            timings.delivery = lap()
            return MasteringReport(
                inputFormat: input.format, inputFrames: input.frames, before: input.before, trim: input.trim,
                outputFormat: outFormat, outputFrames: stats.outputFrames, after: after, gain: nil,
                limiterReduction: nil, passes: 1, targetReached: nil, withinTolerance: nil, warnings: input.warnings,
                timings: timings)
        }

        // Pass 2: trim and resample once, into the store, measuring at the delivered rate.
        let store = try self.store(outFormat)
        let mid = try deliverable(&source, input: input, front: front, format: outFormat, into: store)
        timings.preparation = lap()
        var warnings = input.warnings
        var steps: [MasteringStep] = []
        var (gain, reachable) = firstGain(mid: mid, target: target, warnings: &warnings)

        // Pass 3: when the limiter will act (the peaks after the gain pass the ceiling) it takes
        // loudness away, and a leveler changes it too: find the gain that lands on the target
        // with measuring passes first (no delivery), within the limiting policy, then write once.
        let policy = destination.policy
        var margin = policy.initialMargin
        var passes = 0
        var attempt = 0
        var outcome = GainSearch.Outcome.reached
        while true {
            let ceiling = target.truePeakCeiling.value - margin
            let limiterActs = mid.truePeak.value + gain.value > ceiling
            if reachable && (limiterActs || attempt > 0 || settings.leveler != nil) {
                _ = lap()
                (gain, outcome, passes) = try searchGain(store, start: gain, mid: mid, target: target, ceiling: ceiling, passes: passes,
                                                         steps: &steps)
                timings.search += lap()
                if outcome != .reached { reachable = false }
            }
            _ = lap()
            let written = try write(store, gain: gain, target: target, ceiling: ceiling, dither: dither, to: destination)
            passes += 1
            let after = try destination.finish()
            timings.delivery += lap()
            steps.append(MasteringStep(kind: .delivery, gain: gain, loudness: after.integrated,
                                       limiterReduction: written.limiter.maximumReduction, ceiling: Decibels(ceiling)))
            attempt += 1
            let allowed = target.truePeakCeiling.value + policy.peakTolerance
            if after.truePeak.value > allowed && attempt < Self.deliveryAttempts {
                // A codec or the gain curve pushed a peak over: try again with more room.
                destination.discard()
                margin += policy.retryStep
                continue
            }
            switch outcome {
            case .reached: break
            case .capped: warnings.append(.gainCappedUnderLimiter(maxGain: target.maxGain))
            case .budget:
                warnings.append(.limitingBudget(maximum: settings.limiting.maximumReduction ?? Decibels(0), reached: after.integrated,
                                                target: target.integrated))
            case .doesNotPay(let r):
                warnings.append(.limitingDoesNotPay(share: r, minimum: settings.limiting.minimumReturn,
                                                    limiting: written.limiter.maximumReduction, reached: after.integrated,
                                                    target: target.integrated))
            }
            let peakOK = after.truePeak.value <= allowed
            let loudnessOK = !reachable || !policy.holdsLoudness
                || abs(after.integrated.value - target.integrated.value) <= LoudnessNormalization.tolerance
            if !peakOK { warnings.append(.truePeakOverCeiling(measured: after.truePeak, ceiling: target.truePeakCeiling)) }
            if !loudnessOK {
                warnings.append(.loudnessOutOfTolerance(measured: after.integrated, target: target.integrated,
                                                        tolerance: LoudnessNormalization.tolerance))
            }
            return MasteringReport(
                inputFormat: input.format, inputFrames: input.frames, before: input.before, trim: input.trim,
                outputFormat: outFormat, outputFrames: written.frames, after: after, gain: gain,
                limiterReduction: written.limiter.maximumReduction, limiterAverageReduction: written.limiter.averageReduction,
                levelerReduction: written.leveler?.maximumReduction, levelerAverageReduction: written.leveler?.averageReduction,
                passes: passes, targetReached: reachable, withinTolerance: peakOK && loudnessOK, warnings: warnings,
                steps: steps, timings: timings)
        }
    }

    /// Measuring passes from `start` until the gain lands on the target within the aim, or the
    /// limiting policy, the gain cap or the pass budget stops the search.
    func searchGain(_ store: any IntermediateStore, start: Decibels, mid: LoudnessReport, target: LoudnessTarget,
                    ceiling: Double, passes: Int, steps: inout [MasteringStep]) throws -> (Decibels, GainSearch.Outcome, Int) {
        var passes = passes
        // A free point: at the largest gain the limiter leaves alone, the loudness is exactly the
        // measured one plus that gain (not so with a leveler, which acts below the ceiling).
        let untouched = ceiling - mid.truePeak.value
        var free: GainSearch.Point?
        if settings.leveler == nil && untouched.isFinite && untouched < start.value {
            let loudness = mid.integrated.value + untouched
            free = GainSearch.Point(gain: untouched, loudness: loudness, unlimited: loudness, reduction: 0)
        }
        if let free, settings.limiting.maximumReduction?.value == 0 {
            return (Decibels(free.gain), .budget, passes)  // gain only: no peak over the ceiling
        }
        var search = GainSearch(target: target, aim: LoudnessNormalization.aim, policy: settings.limiting,
                                free: free)
        var step = GainSearch.Step.measure(start.value)
        while case .measure(let g) = step, passes < settings.maxRenderPasses - 1 {
            // Without a leveler, the loudness before the limiter is the measured one plus the gain.
            let m = try measure(store, gain: Decibels(g), target: target, ceiling: ceiling,
                                unlimited: settings.leveler == nil ? LUFS(mid.integrated.value + g) : nil)
            passes += 1
            steps.append(MasteringStep(kind: .measuring, gain: Decibels(g), loudness: m.loudness, limiterReduction: m.reduction,
                                       ceiling: Decibels(ceiling)))
            step = search.record(gain: g, loudness: m.loudness.value, unlimited: m.unlimited.value, reduction: m.reduction.value)
        }
        if case .measure(let g) = step { step = search.fallback(current: g) }
        guard case .settle(let g, let outcome) = step else { return (start, .reached, passes) }
        return (Decibels(g), outcome, passes)
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
        let before = try measure(&pass, from: &source, format: format, measures: Self.figures)
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
        return InputFigures(format: format, frames: scan.frameCount, before: before, trim: plan, warnings: warnings)
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
        if let store { pass.append(TapStage(StoreStream(store: store))) }
        guard !front.isEmpty else {
            var sink = DiscardingSink()
            _ = try pass.run(from: &source, to: &sink, blockSize: settings.blockSize)
            return input.before
        }
        return try measure(&pass, from: &source, format: format, measures: [.integrated, .truePeak])
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

    /// The stages of a pass after the gain: the leveler (when on) and the limiter.
    func dynamics(_ pass: inout Pipeline, target: LoudnessTarget, ceiling: Double)
        -> (leveler: StageHandle<Leveler>?, limiter: StageHandle<TruePeakLimiter>) {
        let leveler = settings.leveler.map { pass.append($0.stage(for: target)) }
        let limiter = pass.append(TruePeakLimiter(ceiling: Decibels(ceiling)))
        return (leveler, limiter)
    }

    /// A measuring pass: store → gain → (leveler) → (meter) → limiter → meter.
    /// - Parameter unlimited: the loudness before the limiter when it is known without
    ///   measuring (no leveler: the measured loudness plus the gain); nil meters it.
    /// - Returns: the integrated loudness after the limiter and before it, and the limiter's
    ///   largest reduction.
    func measure(_ store: any IntermediateStore, gain: Decibels, target: LoudnessTarget, ceiling: Double, unlimited: LUFS?) throws
        -> (loudness: LUFS, unlimited: LUFS, reduction: Decibels) {
        try store.rewind()
        var pass = Pipeline()
        pass.append(GainStage(gain))
        if let leveler = settings.leveler { pass.append(leveler.stage(for: target)) }
        let before = unlimited == nil ? pass.append(MeterStage(format: store.format, measures: [.integrated])) : nil
        let limiter = pass.append(TruePeakLimiter(ceiling: Decibels(ceiling)))
        var source = StoreStream(store: store)
        let after = try measure(&pass, from: &source, format: store.format, measures: [.integrated])
        let loudnessBefore = before.map { pass[$0].report.integrated } ?? unlimited!
        return (after.integrated, loudnessBefore, pass[limiter].maximumReduction)
    }

    /// Runs `pass` from `source` into `sink`; returns the sink as the stream left it. With
    /// ``MasteringSettings/overlapsStages`` the sink works on a second thread.
    func run<Source: AudioSource, Sink: AudioSink>(_ pass: inout Pipeline, from source: inout Source, into sink: Sink) throws
        -> (sink: Sink, stats: Pipeline.Statistics) {
        guard settings.overlapsStages else {
            var sink = sink
            let stats = try pass.run(from: &source, to: &sink, blockSize: settings.blockSize)
            return (sink, stats)
        }
        let concurrent = ConcurrentSink(sink)
        var port = concurrent.port
        let stats: Pipeline.Statistics
        do {
            stats = try pass.run(from: &source, to: &port, blockSize: settings.blockSize)
        } catch {
            _ = try? concurrent.finish()
            throw error
        }
        return (try concurrent.finish(), stats)
    }

    /// Runs `pass` from `source` into a meter of blocks of `format`; returns its figures. With
    /// ``MasteringSettings/overlapsStages`` the meter's loudness and peak work each run on a
    /// thread of their own.
    func measure<Source: AudioSource>(_ pass: inout Pipeline, from source: inout Source, format: AudioFormat,
                                      measures: LoudnessMeter.Measures) throws -> LoudnessReport {
        guard settings.overlapsStages else {
            return try run(&pass, from: &source, into: LoudnessMeter(format: format, measures: measures)).sink.report()
        }
        var meter = ConcurrentLoudnessMeter(format: format, measures: measures)
        defer { meter.close() }
        _ = try pass.run(from: &source, to: &meter, blockSize: settings.blockSize)
        return try meter.report()
    }

    /// The written pass: store → gain → (leveler) → limiter → dither → destination.
    /// - Returns: frames delivered, and the limiter and leveler as the pass left them.
    func write(_ store: any IntermediateStore, gain: Decibels, target: LoudnessTarget, ceiling: Double,
               dither: [any AudioStage], to destination: some MasteringDestination) throws
        -> (frames: Int, limiter: TruePeakLimiter, leveler: Leveler?) {
        try store.rewind()
        try destination.begin(format: store.format)
        var pass = Pipeline()
        pass.append(GainStage(gain))
        let (leveler, limiter) = dynamics(&pass, target: target, ceiling: ceiling)
        pass.append(contentsOf: dither)
        var source = StoreStream(store: store)
        do {
            let stats = try run(&pass, from: &source, into: DestinationSink(destination: destination)).stats
            return (stats.outputFrames, pass[limiter], leveler.map { pass[$0] })
        } catch {
            destination.discard()
            throw error
        }
    }
}
