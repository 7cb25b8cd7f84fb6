import AudioCore

/// A ``LoudnessMeter`` that works beside its caller: the loudness (K-weighting, gating) and
/// the peaks (the true-peak interpolator) each on a thread of their own, behind bounded
/// queues (``AudioCore/ConcurrentSink``). The figures are the same as one meter's.
///
/// For a caller that would otherwise leave cores idle (one file at a time). With the 100 ms
/// histories (`.history`) or only one kind of measure, it is one meter on one thread.
public struct ConcurrentLoudnessMeter: AudioSink {
    private let loudness: ConcurrentSink<LoudnessMeter>
    private let peaks: ConcurrentSink<LoudnessMeter>?

    /// - Parameters:
    ///   - format: sample rate and channel roles of the blocks to come.
    ///   - measures: what to measure, as for ``LoudnessMeter/init(format:measures:)``.
    public init(format: AudioFormat, measures: LoudnessMeter.Measures = .all) {
        let peakMeasures = measures.intersection([.truePeak, .samplePeak])
        let loudnessMeasures = measures.subtracting(peakMeasures)
        if measures.contains(.history) || peakMeasures.isEmpty || loudnessMeasures.isEmpty {
            loudness = ConcurrentSink(LoudnessMeter(format: format, measures: measures))
            peaks = nil
        } else {
            loudness = ConcurrentSink(LoudnessMeter(format: format, measures: loudnessMeasures))
            peaks = ConcurrentSink(LoudnessMeter(format: format, measures: peakMeasures))
        }
    }

    public mutating func write(_ block: AudioBlock) throws {
        try loudness.write(block)
        try peaks?.write(block)
    }

    /// Lets the threads go without a report (on an error path; ``report()`` does it too).
    public func close() {
        _ = try? loudness.finish()
        _ = try? peaks?.finish()
    }

    /// Waits for both threads and gives the figures of everything written.
    public func report() throws -> LoudnessReport {
        var report = try loudness.finish().report()
        if let peaks {
            let p = try peaks.finish().report()
            report.truePeak = p.truePeak
            report.truePeakPerChannel = p.truePeakPerChannel
            report.samplePeak = p.samplePeak
            report.samplePeakPerChannel = p.samplePeakPerChannel
        }
        return report
    }
}
