import AudioCore

extension GatingBlocks {
    /// Integrated loudness of several signals measured as one (BS.1770-4 §2.8 over the union of
    /// their 400 ms gating blocks), as libebur128's `ebur128_loudness_global_multiple` computes
    /// it: the absolute and relative gates apply to all the blocks together, so a quiet signal's
    /// blocks may fall under a gate set by the loud ones. This is an album's loudness.
    ///
    /// Block energies are mean squares, so signals at different sample rates combine as they are.
    /// - Parameters:
    ///   - parts: each signal's gating blocks (only `momentaryEnergies` are used).
    ///   - gain: a gain applied to every signal first.
    /// - Returns: `-infinity` when no block passes the gates (or there are none).
    /// - Allocates: one array holding every block energy.
    public static func integrated(combining parts: [GatingBlocks], withGain gain: Decibels = Decibels(0)) -> LUFS {
        var all: [Double] = []
        all.reserveCapacity(parts.reduce(0) { $0 + $1.momentaryEnergies.count })
        for part in parts { all.append(contentsOf: part.momentaryEnergies) }
        return all.withUnsafeBufferPointer { Gating.integrated(blockEnergies: $0, energyScale: Gating.energyScale(gain)) }
    }
}
