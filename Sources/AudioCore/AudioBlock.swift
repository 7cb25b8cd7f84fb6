/// A block of planar `Float` audio: `channelCount` channels of up to `capacity` frames each.
///
/// Storage is one contiguous array; channel `c` occupies `capacity` floats starting at
/// `c * capacity`, and its first `frameCount` values are valid. Blocks are value types
/// (copy-on-write), so a stage may keep one without aliasing anyone else's.
///
/// Allocation happens only in `init` and `reserve(capacity:)`; everything else reuses storage.
public struct AudioBlock: Sendable {
    /// Number of channels.
    public let channelCount: Int
    /// Frames each channel can hold without reallocating.
    public private(set) var capacity: Int
    /// Valid frames in each channel, `0...capacity`.
    public var frameCount: Int {
        didSet { precondition(frameCount >= 0 && frameCount <= capacity, "frameCount \(frameCount) outside 0...\(capacity)") }
    }
    @usableFromInline internal var storage: [Float]

    /// Creates a silent block.
    /// - Parameters:
    ///   - channelCount: channels, at least 1.
    ///   - capacity: frames per channel to allocate.
    ///   - frameCount: valid frames, default 0.
    public init(channelCount: Int, capacity: Int, frameCount: Int = 0) {
        precondition(channelCount > 0, "a block has at least one channel")
        precondition(capacity >= 0 && frameCount >= 0 && frameCount <= capacity)
        self.channelCount = channelCount
        self.capacity = capacity
        self.frameCount = frameCount
        self.storage = [Float](repeating: 0, count: channelCount * capacity)
    }

    /// Creates a block holding copies of `channels`, which must all have the same length.
    public init(channels: [[Float]]) {
        precondition(!channels.isEmpty, "a block has at least one channel")
        let n = channels[0].count
        precondition(channels.allSatisfy { $0.count == n }, "channels differ in length")
        self.channelCount = channels.count
        self.capacity = n
        self.frameCount = n
        self.storage = Array(channels.joined())
    }

    /// The valid frames of channel `c`, copied into an array.
    public func channel(_ c: Int) -> [Float] {
        precondition(c >= 0 && c < channelCount)
        return Array(storage[c * capacity ..< c * capacity + frameCount])
    }

    /// All valid frames, one array per channel.
    public var channels: [[Float]] { (0..<channelCount).map { channel($0) } }

    /// Grows capacity to at least `newCapacity` frames, keeping valid frames. Allocates.
    public mutating func reserve(capacity newCapacity: Int) {
        guard newCapacity > capacity else { return }
        var grown = [Float](repeating: 0, count: channelCount * newCapacity)
        for c in 0..<channelCount {
            for i in 0..<frameCount { grown[c * newCapacity + i] = storage[c * capacity + i] }
        }
        storage = grown
        capacity = newCapacity
    }

    /// Calls `body` with the valid frames of channel `c`.
    @inlinable
    public func withChannel<R>(_ c: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(c >= 0 && c < channelCount, "channel \(c) out of range")
        return try storage.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[c * capacity ..< c * capacity + frameCount]))
        }
    }

    /// Calls `body` with the whole capacity of channel `c`, writable. `frameCount` is not changed.
    @inlinable
    public mutating func withMutableChannel<R>(_ c: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(c >= 0 && c < channelCount, "channel \(c) out of range")
        let cap = capacity
        return try storage.withUnsafeMutableBufferPointer { all in
            try body(UnsafeMutableBufferPointer(rebasing: all[c * cap ..< (c + 1) * cap]))
        }
    }

    /// Calls `body` with the whole storage and the stride between channels (`capacity`), read-only.
    @inlinable
    public func withStorage<R>(_ body: (UnsafeBufferPointer<Float>, _ channelStride: Int) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body($0, capacity) }
    }

    /// Calls `body` with the whole storage and the stride between channels (`capacity`), writable.
    @inlinable
    public mutating func withMutableStorage<R>(_ body: (UnsafeMutableBufferPointer<Float>, _ channelStride: Int) throws -> R) rethrows -> R {
        let cap = capacity
        return try storage.withUnsafeMutableBufferPointer { try body($0, cap) }
    }

    /// Copies `count` frames of `source`, starting at `sourceFrame`, to this block starting at
    /// `frameCount`, and advances `frameCount`. Channel counts must match and the frames must fit.
    public mutating func append(_ source: AudioBlock, from sourceFrame: Int = 0, count: Int? = nil) {
        let n = count ?? (source.frameCount - sourceFrame)
        precondition(source.channelCount == channelCount, "channel counts differ")
        precondition(sourceFrame >= 0 && n >= 0 && sourceFrame + n <= source.frameCount, "source range out of bounds")
        precondition(frameCount + n <= capacity, "append overflows capacity \(capacity)")
        let start = frameCount
        let cap = capacity
        source.withStorage { src, srcStride in
            storage.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channelCount {
                    guard n > 0 else { continue }
                    (dst.baseAddress! + c * cap + start).update(from: src.baseAddress! + c * srcStride + sourceFrame, count: n)
                }
            }
        }
        frameCount = start + n
    }

    /// Fills `block` from its start with this block's valid frames from `position` on, up to
    /// `block`'s capacity, and advances `position`: reading a signal held in memory as a source.
    /// - Returns: the frames copied; 0 at the end.
    public func read(from position: inout Int, into block: inout AudioBlock) -> Int {
        block.frameCount = 0
        let n = Swift.min(block.capacity, frameCount - position)
        guard n > 0 else { return 0 }
        block.append(self, from: position, count: n)
        position += n
        return n
    }

    /// Appends `block`'s valid frames, growing the capacity (at least doubling it) when they do
    /// not fit: for buffers that collect a whole signal (in-memory sinks and stores), not for
    /// the per-block paths, which allocate once.
    public mutating func appendGrowing(_ block: AudioBlock) {
        if frameCount + block.frameCount > capacity {
            reserve(capacity: Swift.max(capacity * 2, frameCount + block.frameCount))
        }
        append(block)
    }

    /// Removes the first `count` valid frames, moving the rest to the front.
    public mutating func removeFirst(_ count: Int) {
        precondition(count >= 0 && count <= frameCount)
        let remaining = frameCount - count
        let cap = capacity
        if remaining > 0 && count > 0 {
            storage.withUnsafeMutableBufferPointer { buf in
                for c in 0..<channelCount {
                    let base = buf.baseAddress! + c * cap
                    base.update(from: base + count, count: remaining)
                }
            }
        }
        frameCount = remaining
    }

    /// Sets every valid sample to zero.
    public mutating func silence() {
        let cap = capacity, n = frameCount
        storage.withUnsafeMutableBufferPointer { buf in
            for c in 0..<channelCount { (buf.baseAddress! + c * cap).update(repeating: 0, count: n) }
        }
    }
}
