// Lane-wise helpers that compile to single vector instructions.
//
// The standard library's generic `pointwiseMax`/`pointwiseMin` and the `max()`/`min()`
// reductions are not inlined into callers (they end up as out-of-line calls per vector),
// which made them the most expensive part of the peak kernels; a select on a comparison
// mask lowers to `maxps`/`minps`.

@inlinable @inline(__always)
func lanesMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: a .< b) }

@inlinable @inline(__always)
func lanesMin(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }

/// |a| lane-wise.
@inlinable @inline(__always)
func lanesAbs(_ a: SIMD8<Float>) -> SIMD8<Float> { lanesMax(a, -a) }

/// The largest lane (scalar loop; called once per group of vectors, not per vector).
@inlinable @inline(__always)
func horizontalMax(_ a: SIMD8<Float>) -> Float {
    var m = a[0]
    for j in 1..<8 where a[j] > m { m = a[j] }
    return m
}

/// The smallest lane.
@inlinable @inline(__always)
func horizontalMin(_ a: SIMD8<Float>) -> Float {
    var m = a[0]
    for j in 1..<8 where a[j] < m { m = a[j] }
    return m
}
