import AudioCore
import DSP

/// One signal of an album: where it is read from and where it is delivered.
public struct AlbumTrack {
    /// Read from its start twice (rewound once), as ``Masterer/master(_:into:)`` reads a source.
    public var source: any RewindableAudioSource
    /// Receives each delivery attempt; the last finished one is the result.
    public var destination: any MasteringDestination
    /// TPDF dither for this track's delivery (16 for 16-bit PCM); nil: the settings'
    /// `ditherBitDepth`. Tracks of one album may be delivered at different depths.
    public var ditherBitDepth: Int?

    public init(source: any RewindableAudioSource, destination: any MasteringDestination, ditherBitDepth: Int? = nil) {
        self.source = source
        self.destination = destination
        self.ditherBitDepth = ditherBitDepth
    }
}

/// What album mastering did: each track's report (or why it failed), and the album's figures.
public struct AlbumReport: Sendable {
    /// One per track, in order: the track's own figures (its `gain` is the album's), or the
    /// error that stopped it. A track that fails before delivery is left out of the album's
    /// figures and gain; one that fails while being written is not (the gain was chosen with it).
    public var tracks: [Result<MasteringReport, any Error>]
    /// The album's integrated loudness as the tracks came (their gating blocks together).
    public var before: LUFS
    /// The album's integrated loudness as delivered (measured by the destinations).
    public var after: LUFS
    /// The common gain applied before each track's limiter; nil without a loudness target.
    public var gain: Decibels?
    /// False when the album's target could not be reached (silence, the gain cap, the limiting
    /// policy); nil without a target.
    public var targetReached: Bool?
    /// Whether the album's delivered loudness meets the target within
    /// ``LoudnessNormalization/tolerance`` (lossless deliveries of a reachable target); nil
    /// without a target.
    public var withinTolerance: Bool?
    /// About the album as a whole (the gain search's outcome, the album's loudness); each
    /// track's own warnings are in its report.
    public var warnings: [MasteringWarning]
}

/// Masters several signals as one album: one common gain, chosen so that the album's
/// integrated loudness (BS.1770 over all the tracks' gating blocks together, see
/// ``DSP/GatingBlocks/integrated(combining:withGain:)``) meets the target. Each track still
/// has its own true-peak limiter holding the ceiling, so the loudness differences between
/// tracks are kept wherever the limiter does not act.
///
/// The passes are the ``Masterer``'s, per track: analysis, trim and resample into a store;
/// then measuring passes over every track at a common gain, searched on the album's figure
/// (``GainSearch``), and one written pass per track (again with more headroom for a track whose
/// delivered true peak is over the ceiling, at the same gain).
///
/// Memory: every track's intermediate store is alive until the album is written.
public struct AlbumMasterer: Sendable {
    /// The settings, resampler and store factory used for every track.
    public var masterer: Masterer

    public init(masterer: Masterer) {
        self.masterer = masterer
    }

    /// A track after its first two passes.
    private struct Prepared {
        var index: Int
        var input: Masterer.InputFigures
        var store: any IntermediateStore
        var mid: LoudnessReport
        var destination: any MasteringDestination
        var dither: [any AudioStage]
        /// This track's analysis and preparation; the search (shared) and its delivery are added.
        var timings: MasteringTimings
    }

    /// Masters `tracks` as one album.
    /// - Returns: each track's report or error, and the album's figures.
    /// - Throws: never for a track's own problem (that is its result); only programmer errors trap.
    public func master(_ tracks: [AlbumTrack]) -> AlbumReport {
        let settings = masterer.settings
        var results: [Result<MasteringReport, any Error>?] = Array(repeating: nil, count: tracks.count)

        // Passes 1 and 2, per track.
        var prepared: [Prepared] = []
        let clock = ContinuousClock()
        for (i, track) in tracks.enumerated() {
            do {
                var timings = MasteringTimings()
                var start = clock.now
                var source = track.source
                let input = try masterer.analyzeInput(&source)
                timings.analysis = clock.now - start
                start = clock.now
                try source.rewind()
                let front = try masterer.frontStages(input)
                let format = try Pipeline(front).outputSpec(for: input.format, blockSize: settings.blockSize).format
                let store = try masterer.store(format)
                let mid = try masterer.deliverable(&source, input: input, front: front, format: format, into: store)
                timings.preparation = clock.now - start
                let dither: [any AudioStage] = (track.ditherBitDepth ?? settings.ditherBitDepth).map { [TPDFDither(bitDepth: $0)] } ?? []
                prepared.append(Prepared(index: i, input: input, store: store, mid: mid, destination: track.destination, dither: dither,
                                         timings: timings))
            } catch {
                results[i] = .failure(error)
            }
        }
        let before = GatingBlocks.integrated(combining: prepared.map { $0.input.before.gating })
        let albumMid = GatingBlocks.integrated(combining: prepared.map { $0.mid.gating })
        var warnings: [MasteringWarning] = []
        var gain: Decibels?
        var reachable: Bool?
        var outcome = GainSearch.Outcome.reached
        var passes = 0
        var steps: [MasteringStep] = []
        var search = Duration.zero

        if let target = settings.target {
            var g = Decibels(0)
            var canReach = false
            if let first = LoudnessNormalization.initialGain(measured: albumMid, target: target) {
                g = first.gain
                canReach = !first.capped
                if first.capped {
                    warnings.append(.gainCapped(needed: Decibels(target.integrated.value - albumMid.value),
                                                target: target.integrated, maxGain: target.maxGain))
                }
            } else {
                warnings.append(.loudnessUnmeasurable)
            }
            let limiterActs = prepared.contains { $0.mid.truePeak.value + g.value > ceiling(target, $0.destination.policy, 0) }
            if canReach && !prepared.isEmpty && (limiterActs || settings.leveler != nil) {
                do {
                    let start = clock.now
                    (g, outcome, passes) = try searchGain(prepared, start: g, albumMid: albumMid, target: target, steps: &steps)
                    search = clock.now - start
                    if outcome != .reached { canReach = false }
                } catch {
                    // A store that cannot be read again fails every track that uses it.
                    for p in prepared { results[p.index] = .failure(error) }
                    prepared = []
                }
            }
            gain = g
            reachable = canReach
        }

        // The written passes, per track, at the common gain.
        var delivered: [LoudnessReport] = []
        var anyOverCeiling = false
        for p in prepared {
            do {
                let report = try deliver(p, gain: gain, passes: passes, reachable: reachable, steps: steps, search: search)
                if report.warnings.contains(where: { if case .truePeakOverCeiling = $0 { return true } else { return false } }) {
                    anyOverCeiling = true
                }
                delivered.append(report.after)
                results[p.index] = .success(report)
            } catch {
                results[p.index] = .failure(error)
            }
        }
        let after = GatingBlocks.integrated(combining: delivered.map { $0.gating })

        var withinTolerance: Bool?
        if let target = settings.target {
            switch outcome {
            case .reached: break
            case .capped: warnings.append(.gainCappedUnderLimiter(maxGain: target.maxGain))
            case .budget:
                warnings.append(.limitingBudget(maximum: settings.limiting.maximumReduction ?? Decibels(0), reached: after,
                                                target: target.integrated))
            case .doesNotPay(let r):
                let limiting = results.compactMap { try? $0?.get().limiterReduction?.value }.max() ?? 0
                warnings.append(.limitingDoesNotPay(share: r, minimum: settings.limiting.minimumReturn,
                                                    limiting: Decibels(limiting), reached: after, target: target.integrated))
            }
            let holds = prepared.allSatisfy { $0.destination.policy.holdsLoudness }
            let loudnessOK = reachable != true || !holds
                || abs(after.value - target.integrated.value) <= LoudnessNormalization.tolerance
            if !loudnessOK {
                warnings.append(.loudnessOutOfTolerance(measured: after, target: target.integrated,
                                                        tolerance: LoudnessNormalization.tolerance))
            }
            withinTolerance = loudnessOK && !anyOverCeiling
            // A track's own loudness is not the target: it is within tolerance when its peak is
            // and the album's loudness is.
            for p in prepared {
                if case .success(var r) = results[p.index] {
                    r.withinTolerance = (r.withinTolerance ?? true) && loudnessOK
                    results[p.index] = .success(r)
                }
            }
        }
        return AlbumReport(tracks: results.map { $0! }, before: before, after: after, gain: gain,
                           targetReached: reachable, withinTolerance: withinTolerance, warnings: warnings)
    }

    private func ceiling(_ target: LoudnessTarget, _ policy: DeliveryPolicy, _ extra: Double) -> Double {
        target.truePeakCeiling.value - policy.initialMargin - extra
    }

    /// Measuring passes over every track at a common gain until the album's loudness after the
    /// limiters lands on the target, or the limiting policy, the gain cap or the pass budget
    /// stops the search (``GainSearch``, on the album's figures; the limiting judged is the
    /// largest of any track).
    /// - Parameter steps: gets one step per measuring pass, with the album's loudness after the
    ///   limiters and the largest reduction of any of them.
    private func searchGain(_ tracks: [Prepared], start: Decibels, albumMid: LUFS, target: LoudnessTarget,
                            steps: inout [MasteringStep]) throws -> (Decibels, GainSearch.Outcome, Int) {
        let settings = masterer.settings
        var passes = 0
        // A free point, as for one signal: at the largest gain no limiter acts on, the album's
        // loudness is its measured one plus that gain (not so with a leveler).
        let untouched = tracks.map { ceiling(target, $0.destination.policy, 0) - $0.mid.truePeak.value }.min() ?? 0
        var free: GainSearch.Point?
        if settings.leveler == nil && untouched.isFinite && untouched < start.value {
            let loudness = albumMid.value + untouched
            free = GainSearch.Point(gain: untouched, loudness: loudness, unlimited: loudness, reduction: 0)
        }
        if let free, settings.limiting.maximumReduction?.value == 0 {
            return (Decibels(free.gain), .budget, passes)
        }
        var search = GainSearch(target: target, aim: LoudnessNormalization.aim, policy: settings.limiting, free: free)
        var step = GainSearch.Step.measure(start.value)
        while case .measure(let g) = step, passes < settings.maxRenderPasses - 1 {
            var afterBlocks: [GatingBlocks] = [], beforeBlocks: [GatingBlocks] = []
            var reduction = 0.0
            for t in tracks {
                let m = try measure(t, gain: Decibels(g), target: target)
                afterBlocks.append(m.after)
                beforeBlocks.append(m.before)
                reduction = max(reduction, m.reduction.value)
            }
            passes += 1
            let loudness = GatingBlocks.integrated(combining: afterBlocks).value
            let unlimited = GatingBlocks.integrated(combining: beforeBlocks).value
            let lowest = tracks.map { ceiling(target, $0.destination.policy, 0) }.min() ?? target.truePeakCeiling.value
            steps.append(MasteringStep(kind: .measuring, gain: Decibels(g), loudness: LUFS(loudness),
                                       limiterReduction: Decibels(reduction), ceiling: Decibels(lowest)))
            step = search.record(gain: g, loudness: loudness, unlimited: unlimited, reduction: reduction)
        }
        if case .measure(let g) = step { step = search.fallback(current: g) }
        guard case .settle(let g, let outcome) = step else { return (start, .reached, passes) }
        return (Decibels(g), outcome, passes)
    }

    /// A measuring pass over one track: store → gain → (leveler) → meter → limiter → meter.
    /// - Returns: the gating blocks before and after the limiter, and its largest reduction.
    private func measure(_ t: Prepared, gain: Decibels, target: LoudnessTarget) throws
        -> (before: GatingBlocks, after: GatingBlocks, reduction: Decibels) {
        try t.store.rewind()
        var pass = Pipeline()
        pass.append(GainStage(gain))
        if let leveler = masterer.settings.leveler { pass.append(leveler.stage(for: target)) }
        let before = pass.append(MeterStage(format: t.store.format, measures: [.integrated]))
        let limiter = pass.append(TruePeakLimiter(ceiling: Decibels(ceiling(target, t.destination.policy, 0))))
        var source = StoreStream(store: t.store)
        let after = try masterer.measure(&pass, from: &source, format: t.store.format, measures: [.integrated])
        return (pass[before].report.gating, after.gating, pass[limiter].maximumReduction)
    }

    /// The written pass of one track at the album's gain (again with more headroom when the
    /// delivered true peak is over the ceiling), and its report.
    /// - Parameters:
    ///   - steps: the album's measuring passes (this track's delivery passes are added).
    ///   - search: the time the album's gain search took.
    private func deliver(_ p: Prepared, gain: Decibels?, passes: Int, reachable: Bool?, steps: [MasteringStep],
                         search: Duration) throws -> MasteringReport {
        let settings = masterer.settings
        let clock = ContinuousClock()
        let start = clock.now
        var timings = p.timings
        timings.search = search
        var steps = steps
        let destination = p.destination
        let policy = destination.policy
        var warnings = p.input.warnings
        guard let target = settings.target, let gain else {
            // No loudness change: the store straight to the destination.
            try p.store.rewind()
            try destination.begin(format: p.store.format)
            var pass = Pipeline(p.dither)
            var source = StoreStream(store: p.store)
            let stats: Pipeline.Statistics
            do {
                stats = try masterer.run(&pass, from: &source, into: DestinationSink(destination: destination)).stats
            } catch {
                destination.discard()
                throw error
            }
            let after = try destination.finish()
            timings.delivery = clock.now - start
            return MasteringReport(
                inputFormat: p.input.format, inputFrames: p.input.frames, before: p.input.before, trim: p.input.trim,
                outputFormat: p.store.format, outputFrames: stats.outputFrames, after: after, gain: nil,
                limiterReduction: nil, passes: 1, targetReached: nil, withinTolerance: nil, warnings: warnings,
                timings: timings)
        }
        var margin = policy.initialMargin
        var attempt = 0
        var passes = passes
        while true {
            let ceiling = target.truePeakCeiling.value - margin
            let written = try masterer.write(p.store, gain: gain, target: target, ceiling: ceiling, dither: p.dither, to: destination)
            passes += 1
            let after = try destination.finish()
            steps.append(MasteringStep(kind: .delivery, gain: gain, loudness: after.integrated,
                                       limiterReduction: written.limiter.maximumReduction, ceiling: Decibels(ceiling)))
            attempt += 1
            let allowed = target.truePeakCeiling.value + policy.peakTolerance
            if after.truePeak.value > allowed && attempt < Masterer.deliveryAttempts {
                destination.discard()
                margin += policy.retryStep
                continue
            }
            let peakOK = after.truePeak.value <= allowed
            if !peakOK { warnings.append(.truePeakOverCeiling(measured: after.truePeak, ceiling: target.truePeakCeiling)) }
            timings.delivery = clock.now - start
            return MasteringReport(
                inputFormat: p.input.format, inputFrames: p.input.frames, before: p.input.before, trim: p.input.trim,
                outputFormat: p.store.format, outputFrames: written.frames, after: after, gain: gain,
                limiterReduction: written.limiter.maximumReduction, limiterAverageReduction: written.limiter.averageReduction,
                levelerReduction: written.leveler?.maximumReduction, levelerAverageReduction: written.leveler?.averageReduction,
                passes: passes, targetReached: reachable, withinTolerance: peakOK, warnings: warnings,
                steps: steps, timings: timings)
        }
    }
}
