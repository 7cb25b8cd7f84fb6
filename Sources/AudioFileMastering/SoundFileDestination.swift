import AudioCore
import AudioIO
import DSP
import Foundation
import Mastering

/// A ``Mastering/MasteringDestination`` that encodes each attempt to a temporary file beside the
/// output (through `SoundFileWriter`), measures it by decoding it again, and moves the
/// accepted one into place on ``commit()``.
final class SoundFileDestination: MasteringDestination {
    let path: String
    let encoding: OutputEncoding
    let tags: [SoundTag: String]
    let overwrite: Bool
    /// Measure the written file on a second thread while decoding it.
    let overlapping: Bool
    private var writer: SoundFileWriter?

    init(path: String, encoding: OutputEncoding, tags: [SoundTag: String], overwrite: Bool, overlapping: Bool = false) {
        self.overlapping = overlapping
        self.path = path
        self.encoding = encoding
        self.tags = tags
        self.overwrite = overwrite
    }

    var policy: DeliveryPolicy { encoding.container.isLossy ? .lossy : .lossless }

    func begin(format: AudioFormat) throws {
        discard()
        try Self.makeFolder(of: path)
        writer = try SoundFileWriter(path: path, format: format, encoding: encoding, tags: tags, overwrite: overwrite)
    }

    func write(_ block: AudioBlock) throws { try writer!.write(block) }

    /// Finishes the encoder and decodes the temporary file, as `analyze` would.
    func finish() throws -> LoudnessReport {
        guard let writer else { preconditionFailure("finish() without begin(format:)") }
        try writer.finish()
        return try Analysis.analyze(path: writer.temporaryPath, measures: Masterer.figures, overlapping: overlapping).report
    }

    func discard() {
        writer?.discard()
        writer = nil
    }

    /// Moves the last finished attempt to `path`.
    /// - Throws: `.outputExists` (created meanwhile, without `overwrite`) or `.writeFailed`.
    func commit() throws {
        guard let writer else { preconditionFailure("commit() without a finished attempt") }
        try writer.commit()
        self.writer = nil
    }

    /// Creates the output's folder (and its parents) when missing.
    static func makeFolder(of path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        guard !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) else { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw AudioIOError(.writeFailed, path: path, "cannot create the folder \(folder)", cause: (error as NSError).localizedDescription)
        }
    }
}

/// The spill file is the intermediate store of a file mastering: unlinked, on disk, so memory
/// stays flat whatever the length.
extension SpillFile: IntermediateStore {}
