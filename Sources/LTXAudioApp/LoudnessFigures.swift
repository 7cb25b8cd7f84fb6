import DSP

/// Loudness figures of one file; "no value" (minus infinity) is `nil` (JSON null).
package struct LoudnessFigures: Sendable, Codable, Hashable {
    package var integratedLUFS: Double?
    package var loudnessRangeLU: Double?
    package var truePeakDBTP: Double?
    package var samplePeakDBFS: Double?
    package var durationSeconds: Double

    package init(integrated: Double, range: Double, truePeak: Double, samplePeak: Double, duration: Double) {
        func finite(_ v: Double) -> Double? { v.isFinite ? (v * 100).rounded() / 100 : nil }
        integratedLUFS = finite(integrated)
        loudnessRangeLU = finite(range)
        truePeakDBTP = finite(truePeak)
        samplePeakDBFS = finite(samplePeak)
        durationSeconds = (duration * 1000).rounded() / 1000
    }

    /// The figures of a meter's report.
    package init(_ r: LoudnessReport) {
        self.init(integrated: r.integrated.value, range: r.loudnessRange, truePeak: r.truePeak.value,
                  samplePeak: r.samplePeak.value, duration: r.duration)
    }

    enum CodingKeys: String, CodingKey {
        case integratedLUFS = "integrated_lufs"
        case loudnessRangeLU = "loudness_range_lu"
        case truePeakDBTP = "true_peak_dbtp"
        case samplePeakDBFS = "sample_peak_dbfs"
        case durationSeconds = "duration_s"
    }
}
