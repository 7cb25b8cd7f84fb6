/// Where ``FalQueueClient/download(_:to:deadline:events:)`` puts the bytes of a result file.
///
/// The client writes no files itself: the caller supplies the destination (the app writes a
/// locked temporary file and links it into place; a test may keep the bytes in memory). The
/// client calls, in order: ``write(_:)`` for each chunk, ``reset()`` before each retry of a
/// transfer cut short, ``head(_:)`` to sniff the container once the bytes are complete, then
/// either ``finish(container:)`` or, on any failure, ``discard()``.
///
/// Any error a destination throws ends the download (it is never retried) and is rethrown
/// unchanged.
public protocol FalDownloadDestination: AnyObject, Sendable {
    /// Bytes written since the last reset.
    var byteCount: Int { get }
    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Drops everything written so far (the transfer starts again).
    func reset() throws
    /// The first `count` bytes written (fewer if there are fewer).
    func head(_ count: Int) throws -> [UInt8]
    /// The bytes are complete: make them permanent under the name chosen for `container`.
    /// - Returns: where they went (a path, shown to the user).
    func finish(container: AudioContainer) throws -> String
    /// The download failed or was cancelled: remove whatever was written.
    func discard()
}
