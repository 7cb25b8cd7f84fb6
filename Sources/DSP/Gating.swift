import AudioCore
import RealModule

/// The gating arithmetic of ITU-R BS.1770-4 (integrated loudness) and EBU Tech 3342
/// (loudness range), on mean-square energies of gating blocks.
///
/// An *energy* here is the channel-weighted mean square of the K-weighted signal over a block,
/// Σᵢ Gᵢ · mean(yᵢ²); its loudness is −0.691 + 10·log10(energy) LUFS (BS.1770-4 eq. 2).
public enum Gating {
    /// The absolute gate of BS.1770-4 and Tech 3342: −70 LUFS.
    public static let absoluteGate = LUFS(-70)
    /// The relative gate for integrated loudness (BS.1770-4): −10 LU below the abs-gated mean.
    public static let integratedRelativeGate = -10.0
    /// The relative gate for loudness range (Tech 3342): −20 LU below the abs-gated mean.
    public static let rangeRelativeGate = -20.0

    /// Loudness of a block energy; `-infinity` for energy ≤ 0 (no value, never NaN).
    @inlinable
    public static func loudness(energy: Double) -> LUFS {
        energy > 0 ? LUFS(-0.691 + 10 * Double.log10(energy)) : LUFS(-.infinity)
    }

    /// The block energy whose loudness is `lufs`.
    @inlinable
    public static func energy(loudness lufs: Double) -> Double {
        lufs.isFinite ? Double.pow(10, (lufs + 0.691) / 10) : (lufs > 0 ? .infinity : 0)
    }

    /// Integrated loudness of 400 ms block energies (BS.1770-4 §2.8, gated).
    ///
    /// Blocks below −70 LUFS are dropped; the mean of the rest sets a relative gate 10 LU
    /// below it; the result is the loudness of the mean energy of the blocks at or above both
    /// gates. With no block passing, the result is `-infinity`.
    /// - Parameters:
    ///   - blockEnergies: energies of the 400 ms blocks (75 % overlap), unscaled.
    ///   - energyScale: a factor applied to every energy first (a gain of g dB is 10^(g/10)).
    public static func integrated(blockEnergies: UnsafeBufferPointer<Double>, energyScale: Double = 1) -> LUFS {
        let absThreshold = energy(loudness: absoluteGate.value)
        var sum = 0.0, count = 0
        for e in blockEnergies {
            let z = e * energyScale
            if z >= absThreshold { sum += z; count += 1 }
        }
        guard count > 0 else { return LUFS(-.infinity) }
        let relThreshold = sum / Double(count) * Double.pow(10, integratedRelativeGate / 10)
        sum = 0; count = 0
        for e in blockEnergies {
            let z = e * energyScale
            if z >= relThreshold && z >= absThreshold { sum += z; count += 1 }
        }
        guard count > 0 else { return LUFS(-.infinity) }
        return loudness(energy: sum / Double(count))
    }

    /// Loudness range (EBU Tech 3342) of short-term (3 s) block energies, in LU.
    ///
    /// Blocks below −70 LUFS are dropped, then those more than 20 LU below the mean energy of
    /// the rest; the range is the difference between the 95th and 10th percentiles of the
    /// remaining loudness values (nearest rank, index round((n−1)·p), as libebur128).
    /// Returns 0 when no block passes (silence, or less than 3 s of signal): a range of zero
    /// width rather than "no value", so it is always a finite number.
    public static func loudnessRange(shortTermEnergies: [Double], energyScale: Double = 1) -> Double {
        let absThreshold = energy(loudness: absoluteGate.value)
        var gated = shortTermEnergies.lazy.map { $0 * energyScale }.filter { $0 >= absThreshold }.sorted()
        guard !gated.isEmpty else { return 0 }
        let mean = gated.reduce(0, +) / Double(gated.count)
        let relThreshold = mean * Double.pow(10, rangeRelativeGate / 10)
        gated.removeAll { $0 < relThreshold }
        guard !gated.isEmpty else { return 0 }
        let n = Double(gated.count - 1)
        let high = gated[Int((n * 0.95).rounded())]
        let low = gated[Int((n * 0.10).rounded())]
        return loudness(energy: high).value - loudness(energy: low).value
    }
}
