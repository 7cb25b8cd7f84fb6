import AudioCore
import AudioIO
import DSP
import Foundation
import Mastering

/// Masters a file into a file, in one call: decode (libsndfile), the ``Mastering/Masterer``'s
/// chain (trim, resample with libsamplerate, normalise under a true-peak limiter, dither),
/// encode to a temporary file beside the output, verify it by decoding it again, move it into
/// place.
///
/// ```swift
/// import LTXAudio   // the product; its modules are AudioFileMastering, Mastering, AudioIO, ...
///
/// var masterer = AudioFileMasterer()
/// masterer.settings.target = Preset.podcast.target      // -16 LUFS, -1 dBTP
/// masterer.settings.sampleRate = 48_000
/// let report = try masterer.master("take.wav", to: "take.flac")
/// print(report.mastering.after.integrated)             // about -16 LUFS
/// ```
///
/// Memory stays flat whatever the length: the intermediate signal is spilled to an unlinked
/// temporary file. The input is never modified; the output appears only when complete and
/// verified; an existing output is refused unless ``overwrite``.
///
/// It does not walk folders, plan names for batches, run files in parallel or print: the
/// command-line tool does that around it.
public struct AudioFileMasterer: Sendable {
    /// The target, trimming, delivered rate (nil: the input's). `ditherBitDepth` is set from
    /// the output encoding (see ``dither``).
    public var settings = MasteringSettings()
    /// TPDF dither when writing 16-bit PCM.
    public var dither = true
    /// The libsamplerate converter used when the rate changes.
    public var quality: ResamplerQuality = .best
    /// Let the resampler use every core for this file: set it when one file runs at a time (the
    /// command line's single file or `--jobs 1`); leave it off in a batch, where files already
    /// fill the cores. See ``resamplerThreading(parallel:cores:)`` for what it picks.
    public var parallelResampling = false
    /// The former name of ``parallelResampling`` (which now also splits mono and stereo by time).
    @available(*, deprecated, renamed: "parallelResampling")
    public var parallelChannels: Bool {
        get { parallelResampling }
        set { parallelResampling = newValue }
    }
    /// Replace an existing output.
    public var overwrite = false
    /// Tags written on top of those carried over from the input.
    public var tags: [SoundTag: String] = [:]
    /// Where the intermediate signal is spilled (default `$TMPDIR`, else /tmp).
    public var spillFolder: String?

    public init() {}

    /// Masters `input` into `output`.
    /// - Parameters:
    ///   - input: any file libsndfile decodes.
    ///   - output: the file to write; its folder is created when missing.
    ///   - encoding: container and bit depth; nil: from `output`'s extension, with the input's
    ///     bit depth when the container is the input's own, else 24 bits.
    /// - Returns: the figures before and after and what was done.
    /// - Throws: `AudioIOError` naming the file: unreadable or malformed input (NaN or
    ///   infinite samples included), an impossible output format, an existing output, a
    ///   failed write.
    public func master(_ input: String, to output: String, encoding: OutputEncoding? = nil) throws -> FileMasteringReport {
        let reader = try SoundFileReader(path: input)
        defer { reader.close() }
        let encoding = try encoding ?? Self.encoding(for: output, input: reader.info)
        try checkThroughput(reader.info, path: input)
        var fileTags = reader.info.tags
        for (k, v) in tags { fileTags[k] = v }
        let destination = SoundFileDestination(path: output, encoding: encoding, tags: fileTags, overwrite: overwrite,
                                               overlapping: settings.overlapsStages)
        var source = reader
        let report: MasteringReport
        do {
            report = try engine(for: encoding).master(&source, into: destination)
        } catch let error as MasteringError {
            throw describe(error, input: input, format: reader.info.format)
        }
        try destination.commit()
        return FileMasteringReport(input: input, output: output, inputInfo: reader.info, encoding: encoding, mastering: report)
    }

    /// Measures `input` and says what ``master(_:to:encoding:)`` would do; writes nothing.
    /// - Throws: as ``master(_:to:encoding:)``, except for output problems found only by writing.
    public func plan(_ input: String, to output: String, encoding: OutputEncoding? = nil) throws -> FileMasteringPlan {
        let reader = try SoundFileReader(path: input)
        defer { reader.close() }
        let encoding = try encoding ?? Self.encoding(for: output, input: reader.info)
        try checkThroughput(reader.info, path: input)
        var source = reader
        do {
            let plan = try engine(for: encoding).plan(&source)
            return FileMasteringPlan(input: input, output: output, inputInfo: reader.info, encoding: encoding, mastering: plan)
        } catch let error as MasteringError {
            throw describe(error, input: input, format: reader.info.format)
        }
    }

    /// The engine for one output: libsamplerate for rate changes, a spill file between passes,
    /// dither for 16-bit PCM.
    func engine(for encoding: OutputEncoding) -> Masterer {
        engine(ditherBitDepth: dither && encoding.bitDepth == 16 ? 16 : nil)
    }

    /// The engine with TPDF dither at `ditherBitDepth` (nil: none).
    func engine(ditherBitDepth: Int?) -> Masterer {
        var settings = self.settings
        settings.ditherBitDepth = ditherBitDepth
        let (quality, parallel, folder) = (self.quality, self.parallelResampling, self.spillFolder)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return Masterer(
            settings: settings,
            resampler: { _, rate in
                Resampler(to: rate, quality: quality,
                          threading: Self.resamplerThreading(parallel: parallel, cores: cores))
            },
            store: { try SpillFile(format: $0, folder: folder) })
    }

    /// How the resampler uses threads for one file, chosen by measurement.
    ///
    /// Measured on 2 cores, 7.7 s of 24 kHz to 48 kHz (``Resampler/Threading-swift.enum`` has
    /// the table): time segments on every core cost 1.02 to 1.06× the CPU of one converter and,
    /// with the cores free, take 0.54× its wall time (`best` stereo 71 against 131 ms), mono
    /// as well as stereo; a converter per channel costs 1.9× the CPU (`best` stereo 256 against
    /// 131 ms) for no better wall time. In a batch the other files keep the cores busy, so the
    /// extra CPU would only slow the batch: one converter per file. Hence: segments on every
    /// core (up to 16) for a file that runs alone, one converter otherwise; never per channel.
    /// The layout and quality do not change the choice (they change how much is saved).
    /// - Parameters:
    ///   - parallel: whether this file may use every core (``parallelResampling``).
    ///   - cores: active cores.
    /// - Returns: `.single` in a batch or on one core, else `.segments(cores)`.
    public static func resamplerThreading(parallel: Bool, cores: Int) -> Resampler.Threading {
        guard parallel, cores > 1 else { return .single }
        return .segments(min(cores, 16))
    }

    /// Refuses outputs beyond what the tool handles (channels × rate).
    func checkThroughput(_ info: SoundFileInfo, path: String) throws {
        let rate = settings.sampleRate ?? info.format.sampleRate
        guard rate * info.format.channelCount <= SoundFileReader.maxSamplesPerSecond else {
            throw AudioIOError(.unsupportedOutput, path: path,
                "\(info.format.channelCount) channels at \(rate) Hz would exceed the \(SoundFileReader.maxSamplesPerSecond) samples per second this tool handles")
        }
    }

    func describe(_ error: MasteringError, input: String, format: AudioFormat) -> AudioIOError {
        switch error.code {
        case .nonFiniteSamples:
            let seconds = String(format: "%.3f", format.seconds(frames: error.firstFrame))
            return AudioIOError(.malformed, path: input,
                "\(error.description) (\(seconds) s); refusing to master it, so none reaches an output")
        case .noResampler:
            return AudioIOError(.resampleFailed, path: input, error.description)
        }
    }

    /// The encoding for `output` when none is given: the container from its extension; the
    /// input's bit depth when that container is the input's own and can hold it, else 24 bits
    /// (lossless containers).
    /// - Throws: `.unsupportedOutput` for an unknown or missing extension.
    public static func encoding(for output: String, input: SoundFileInfo) throws -> OutputEncoding {
        let ext = (output as NSString).pathExtension
        guard let container = Container(fileExtension: ext) else {
            throw AudioIOError(.unsupportedOutput, path: output,
                ext.isEmpty ? "has no extension to pick a format from" : "unknown output format .\(ext)")
        }
        return try OutputEncoding(container: container, bitDepth: defaultBitDepth(container, input: input), path: output)
    }

    /// The input's bit depth when `container` is the input's own and allows it, else 24; nil
    /// for lossy containers.
    public static func defaultBitDepth(_ container: Container, input: SoundFileInfo) -> Int? {
        guard !container.isLossy else { return nil }
        if container == input.container, let depth = input.bitDepth, container.allowedBitDepths.contains(depth) { return depth }
        return 24
    }
}
