import AudioCore
import AudioFileMastering
import AudioIO
import FileSafety
import Foundation
import Mastering

/// Output planning for `master` (and `generate`): which file each input writes, in which
/// encoding, and which inputs cannot run at all (unreadable, name clashes, existing outputs).
package enum OutputPlanner {
    /// Decides each input's output path and encoding, in order. The second of two inputs that
    /// would write the same output fails; an existing output is skipped unless `overwrite`.
    /// - Parameters:
    ///   - output: a file path when `outputIsFile`, else the output folder (mirrors `relativePath`).
    package static func plan(_ inputs: [InputFile], output: String, outputIsFile: Bool,
                            settings: MasterSettings) -> [MasterJob] {
        var claimed: [String: String] = [:]  // absolute output -> input that claimed it
        var jobs: [MasterJob] = []
        for input in inputs {
            var job = MasterJob(input: input)
            do {
                let reader = try SoundFileReader(path: input.path)
                let info = reader.info
                reader.close()
                let rate = settings.sampleRate ?? info.format.sampleRate
                let explicit = outputIsFile ? try containerOf(output: output, settings: settings) : settings.container
                let encoding = try chooseEncoding(info: info, outputRate: rate, explicit: explicit,
                                                  bitDepth: settings.bitDepth, presetBitDepth: settings.bitDepthFromPreset,
                                                  path: outputIsFile ? output : input.path)
                guard rate * info.format.channelCount <= SoundFileReader.maxSamplesPerSecond else {
                    throw AudioIOError(.unsupportedOutput, path: input.path,
                        "\(info.format.channelCount) channels at \(rate) Hz would exceed the \(SoundFileReader.maxSamplesPerSecond) samples per second this tool handles; choose a lower --sample-rate")
                }
                let target = outputIsFile ? output : outputPath(for: input, in: output, container: encoding.container)
                job.output = target
                job.encoding = encoding
                let key = InputDiscovery.absolute(target)
                if key == InputDiscovery.absolute(input.path) {
                    job.decided = failure(input, target, "the output would replace the input; choose another output")
                } else if let other = claimed[key] {
                    job.decided = failure(input, target, "\(other) already writes \(target); rename one of them or master them separately")
                } else {
                    claimed[key] = input.path
                    if !settings.overwrite && FileManager.default.fileExists(atPath: target) {
                        var r = MasterFileReport(path: input.path, output: target, status: .skipped)
                        r.note = "\(target) exists; pass --overwrite to replace it"
                        job.decided = r
                    }
                }
            } catch {
                job.decided = failure(input, job.output, describe(error, input: input.path))
            }
            jobs.append(job)
        }
        return jobs
    }

    /// Removes temporary files that a killed earlier run left in the folders these jobs write
    /// to (see FileSafety's `removeStaleTemporaryFiles(in:)`), with a note on stderr for each folder.
    package static func removeStaleTemporaryFiles(for jobs: [MasterJob], console: Console) {
        let folders = Set(jobs.compactMap { $0.output.map { ($0 as NSString).deletingLastPathComponent } })
        for folder in folders.sorted() {
            let removed = FileSafety.removeStaleTemporaryFiles(in: folder.isEmpty ? "." : folder)
            if !removed.isEmpty {
                console.note("note: removed \(removed.count) temporary file\(removed.count == 1 ? "" : "s") left in \(folder.isEmpty ? "." : folder) by an interrupted run")
            }
        }
    }

    /// The container an explicit output file asks for: its extension, which `--format` must match.
    package static func containerOf(output: String, settings: MasterSettings) throws -> Container? {
        let ext = (output as NSString).pathExtension
        let fromExt = Container(fileExtension: ext)
        if let format = settings.container {
            if let fromExt, fromExt != format {
                if settings.formatFromPreset { return fromExt }  // the extension is the command line's
                throw AudioIOError(.unsupportedOutput, path: output,
                    "--format \(format.fileExtension) contradicts the .\(ext) extension; drop one of them")
            }
            return format
        }
        guard let fromExt else {
            throw AudioIOError(.unsupportedOutput, path: output,
                ext.isEmpty ? "has no extension to pick a format from; add one (.flac, .wav, .mp3, .ogg, .opus) or pass --format"
                            : "unknown output format .\(ext); use .flac, .wav, .mp3, .ogg, .opus, .aiff, .caf, .w64 or .rf64, or pass --format")
        }
        return fromExt
    }

    /// Container and bit depth for one input (see `MasterSettings` for the rules).
    package static func chooseEncoding(info: SoundFileInfo, outputRate: Int, explicit: Container?,
                               bitDepth: Int?, presetBitDepth: Bool = false, path: String) throws -> OutputEncoding {
        let limits = AudioFormatLimits(sampleRate: outputRate, channelCount: info.format.channelCount)
        let container: Container
        if let explicit {
            container = explicit
        } else if let own = info.container,
                  (try? OutputEncoding(container: own, bitDepth: own.isLossy ? nil : 24).check(limits, path: path)) != nil {
            container = own
        } else {
            container = .flac
        }
        var depth = bitDepth
        // A batch's lossy inputs stay lossy, and a preset's bit depth is for lossless outputs.
        if (explicit == nil || presetBitDepth) && container.isLossy { depth = nil }
        if depth == nil { depth = AudioFileMasterer.defaultBitDepth(container, input: info) }
        let encoding = try OutputEncoding(container: container, bitDepth: depth, path: path)
        try encoding.check(limits, path: path)
        return encoding
    }

    /// `folder/<relative dir>/<stem>.<ext>`.
    package static func outputPath(for input: InputFile, in folder: String, container: Container) -> String {
        let rel = input.relativePath as NSString
        let stem = (rel.lastPathComponent as NSString).deletingPathExtension
        let dir = rel.deletingLastPathComponent
        var path = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        if path.isEmpty { path = "." }
        if !dir.isEmpty { path += "/" + dir }
        return path + "/" + stem + "." + container.fileExtension
    }

    package static func failure(_ input: InputFile, _ output: String?, _ message: String) -> MasterFileReport {
        var r = MasterFileReport(path: input.path, output: output, status: .failed)
        r.error = message.hasPrefix(input.path) ? message : "\(input.path): \(message)"
        return r
    }

    /// One line that starts with the input's path.
    package static func describe(_ error: Error, input: String) -> String {
        let text: String
        if let e = error as? AudioIOError {
            text = e.path == input ? e.commandLineDescription : "\(input): \(e.commandLineDescription)"
        } else {
            text = "\(input): \(error)"
        }
        return text.hasPrefix(input) ? text : "\(input): \(text)"
    }
}
