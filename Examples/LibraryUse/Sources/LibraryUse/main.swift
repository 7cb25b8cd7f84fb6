// The README's "Use as a Swift library" snippets, verbatim (each inside a function here), as a
// program: `LibraryUse INPUT OUTPUT` masters INPUT into OUTPUT at the podcast preset, prints the
// analysis of what it wrote, then masters a synthetic signal in memory and composes stages.
import AudioFileMastering
import Foundation

/// README snippet 1: master a file into a file, then analyze the result.
func masterAFile(input: String, output: String) throws {
    var masterer = AudioFileMasterer()
    masterer.settings.target = Preset.podcast.target      // -16 LUFS, -1 dBTP
    masterer.settings.sampleRate = 48_000
    let mastered = try masterer.master(input, to: output)  // the format from the extension
    print("mastered \(mastered.output): \(mastered.mastering.before.integrated) -> \(mastered.mastering.after.integrated)")

    let analysis = try Analysis.analyze(path: output)
    print("integrated \(analysis.report.integrated), true peak \(analysis.report.truePeak), range \(analysis.report.loudnessRange) LU")
}

/// README snippet 2: master samples held in memory.
func masterBuffers(left: [Float], right: [Float]) throws -> AudioBlock {
    let format = AudioFormat(sampleRate: 48_000, channelCount: 2)
    var source = BufferSource(format: format, samples: AudioBlock(channels: [left, right]))
    let destination = MemoryDestination()
    let masterer = Masterer(settings: MasteringSettings(target: Preset.streaming.target))
    let report = try masterer.master(&source, into: destination)
    print("in memory: \(report.before.integrated) -> \(report.after.integrated), gain \(report.gain!), limiter \(report.limiterReduction!)")
    let mastered = destination.samples  // trimmed, -14 LUFS, true peak at most -1 dBTP
    return mastered
}

/// README snippet 3: compose stages yourself and read their results back, typed.
func composeStages(_ samples: AudioBlock) throws {
    let format = AudioFormat(sampleRate: 48_000, channelCount: samples.channelCount)
    var pipeline = Pipeline()
    pipeline.append(GainStage(Decibels(12)))
    let limiter = pipeline.append(TruePeakLimiter(ceiling: Decibels(-1)))
    let meter = pipeline.append(MeterStage(format: format, measures: [.integrated, .truePeak]))
    var source = BufferSource(format: format, samples: samples)
    var sink = BufferSink(channelCount: samples.channelCount)
    _ = try pipeline.run(from: &source, to: &sink)
    print("composed: \(pipeline[meter].report.integrated), limiter's smallest gain \(pipeline[limiter].minimumGain)")
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: LibraryUse INPUT OUTPUT\n".utf8))
    exit(64)
}
do {
    try masterAFile(input: arguments[1], output: arguments[2])
    // One second of a 220 Hz tone at -30 dBFS, with half a second of silence at each end.
    let tone = (0..<48_000).map { Float(0.0316 * sin(2 * Double.pi * 220 * Double($0) / 48_000)) }
    let silence = [Float](repeating: 0, count: 24_000)
    let mastered = try masterBuffers(left: silence + tone + silence, right: silence + tone + silence)
    try composeStages(mastered)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
