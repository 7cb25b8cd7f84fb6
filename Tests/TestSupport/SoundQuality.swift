import Foundation

/// Distortion measurements for the sound-quality tests.
public enum SoundQuality {
    /// THD+N of a sine of known `frequency`, in dB relative to the fundamental: the least-squares
    /// fit of the fundamental (sine, cosine and DC) over a whole number of periods is removed,
    /// and what is left (harmonics, noise, limiter artefacts) is compared with it.
    /// - Parameters:
    ///   - samples: the signal; `skip` seconds at each end are left out (onsets, fades).
    /// - Returns: 10·log10(residual power / fundamental power); -40 means the rest is 40 dB down.
    public static func thdPlusN(_ samples: [Float], frequency: Double, sampleRate: Int, skip: Double = 0.5) -> Double {
        let start = Int(skip * Double(sampleRate))
        let period = Double(sampleRate) / frequency
        let available = samples.count - 2 * start
        let periods = max(1, Int(Double(available) / period))
        let n = min(available, Int((Double(periods) * period).rounded()))
        precondition(n > 0, "signal too short for the measurement")
        let w = 2 * Double.pi * frequency / Double(sampleRate)
        var ss = 0.0, sc = 0.0, cc = 0.0, xs = 0.0, xc = 0.0, sum = 0.0
        for i in 0..<n {
            let t = Double(start + i)
            let s = sin(w * t), c = cos(w * t), x = Double(samples[start + i])
            ss += s * s; sc += s * c; cc += c * c; xs += x * s; xc += x * c; sum += x
        }
        // Solve the 2×2 normal equations for the sine and cosine amplitudes (DC removed apart).
        let det = ss * cc - sc * sc
        let a = (xs * cc - xc * sc) / det
        let b = (xc * ss - xs * sc) / det
        let dc = sum / Double(n)
        var residual = 0.0, fundamental = 0.0
        for i in 0..<n {
            let t = Double(start + i)
            let f = a * sin(w * t) + b * cos(w * t)
            let r = Double(samples[start + i]) - dc - f
            residual += r * r
            fundamental += f * f
        }
        return 10 * log10(max(residual, 1e-30) / fundamental)
    }
}
