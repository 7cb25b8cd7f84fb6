import AudioCore
import AudioIO
import Foundation
import Mastering

/// One file of an album: its input, its output, and the output's encoding.
public struct AlbumFile: Sendable {
    public var input: String
    public var output: String
    /// nil: from `output`'s extension (see ``AudioFileMasterer/encoding(for:input:)``).
    public var encoding: OutputEncoding?

    public init(input: String, output: String, encoding: OutputEncoding? = nil) {
        self.input = input
        self.output = output
        self.encoding = encoding
    }
}

/// What mastering an album of files did.
public struct AlbumFileReport: Sendable {
    /// One per file, in order: its report, or the error naming it.
    public var files: [Result<FileMasteringReport, any Error>]
    /// The album's figures (loudness before and after over all its files' gating blocks, the
    /// common gain), from ``Mastering/AlbumMasterer``.
    public var album: AlbumReport
}

extension AudioFileMasterer {
    /// Masters `files` as one album: one common gain so that the album's integrated loudness
    /// meets the target, each file under its own true-peak limiter (see
    /// ``Mastering/AlbumMasterer``). Each output appears only when complete and verified, as
    /// with ``master(_:to:encoding:)``; a file that cannot be read or written is that file's
    /// error, and the others are mastered without it.
    ///
    /// Every input stays open and every intermediate signal spilled until the album is written
    /// (two file descriptors per file).
    public func masterAlbum(_ files: [AlbumFile]) -> AlbumFileReport {
        var results: [Result<FileMasteringReport, any Error>?] = Array(repeating: nil, count: files.count)
        var opened: [(index: Int, reader: SoundFileReader, encoding: OutputEncoding, destination: SoundFileDestination)] = []
        for (i, file) in files.enumerated() {
            do {
                let reader = try SoundFileReader(path: file.input)
                do {
                    let encoding = try file.encoding ?? Self.encoding(for: file.output, input: reader.info)
                    try checkThroughput(reader.info, path: file.input)
                    var fileTags = reader.info.tags
                    for (k, v) in tags { fileTags[k] = v }
                    let destination = SoundFileDestination(path: file.output, encoding: encoding, tags: fileTags, overwrite: overwrite)
                    opened.append((i, reader, encoding, destination))
                } catch {
                    reader.close()
                    throw error
                }
            } catch {
                results[i] = .failure(error)
            }
        }
        defer { for o in opened { o.reader.close() } }
        // One engine without dither; each 16-bit output is dithered on its own (see `engine(for:)`).
        let report = AlbumMasterer(masterer: engine(ditherBitDepth: nil)).master(opened.map {
            AlbumTrack(source: $0.reader, destination: $0.destination,
                       ditherBitDepth: dither && $0.encoding.bitDepth == 16 ? 16 : nil)
        })
        for (k, o) in opened.enumerated() {
            let file = files[o.index]
            switch report.tracks[k] {
            case .success(let mastering):
                do {
                    try o.destination.commit()
                    results[o.index] = .success(FileMasteringReport(input: file.input, output: file.output, inputInfo: o.reader.info,
                                                                    encoding: o.encoding, mastering: mastering))
                } catch {
                    results[o.index] = .failure(error)
                }
            case .failure(let error as MasteringError):
                results[o.index] = .failure(describe(error, input: file.input, format: o.reader.info.format))
            case .failure(let error):
                o.destination.discard()
                results[o.index] = .failure(error)
            }
        }
        return AlbumFileReport(files: results.map { $0! }, album: report)
    }
}
