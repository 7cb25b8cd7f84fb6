import RealModule

/// A level in decibels relative to some reference (full scale for dBFS/dBTP, 1 for gains).
///
/// `-infinity` means "no level" (digital silence); it is a valid value, not an error.
public struct Decibels: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: Double
    public init(_ value: Double) { self.value = value }

    /// The level of a linear amplitude ratio: 20·log10(amplitude). 0 gives -infinity.
    public init(amplitude: Double) { self.value = amplitude > 0 ? 20 * log10Double(amplitude) : -.infinity }

    /// The linear amplitude ratio: 10^(dB/20).
    public var amplitude: Double { value == -.infinity ? 0 : powDouble(10, value / 20) }

    public static func < (a: Decibels, b: Decibels) -> Bool { a.value < b.value }
    public var description: String { formatLevel(value, unit: "dB") }
}

/// A loudness in LUFS (loudness units relative to full scale, ITU-R BS.1770).
///
/// `-infinity` means "no value": silence, or a signal shorter than one 400 ms gating block.
public struct LUFS: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static func < (a: LUFS, b: LUFS) -> Bool { a.value < b.value }
    /// Whether this is a measured value rather than "no value".
    public var isFinite: Bool { value.isFinite }
    public var description: String { formatLevel(value, unit: "LUFS") }
}

/// "-14.0 LUFS", or "-inf LUFS" for no value.
@usableFromInline
func formatLevel(_ v: Double, unit: String) -> String {
    guard v.isFinite else { return v.isNaN ? "nan \(unit)" : (v < 0 ? "-inf \(unit)" : "+inf \(unit)") }
    let tenths = (v * 10).rounded() / 10
    var text = "\(tenths)"
    if text == "-0.0" { text = "0.0" }
    return "\(text) \(unit)"
}

@usableFromInline func log10Double(_ x: Double) -> Double { Double.log10(x) }
@usableFromInline func powDouble(_ base: Double, _ exponent: Double) -> Double { Double.pow(base, exponent) }
