import AudioFileMastering
import AudioIO
import DSP
import Foundation
import Mastering

extension FileMasteringRun {
    /// Masters the planned jobs of one folder as an album (`--album`): one common gain so the
    /// album's integrated loudness meets the target (see `AudioFileMasterer.masterAlbum`). Jobs
    /// already decided by planning (unreadable, existing output) keep their outcome and are not
    /// part of the album; in a dry run each file is planned on its own.
    /// - Returns: one report per job, in order, each with the album's figures.
    package static func runAlbum(_ jobs: [MasterJob], folder: String, settings: MasterSettings) -> [MasterFileReport] {
        var reports: [MasterFileReport?] = jobs.map { $0.decided }
        let runnable = jobs.indices.filter { jobs[$0].decided == nil && jobs[$0].output != nil && jobs[$0].encoding != nil }
        guard !settings.dryRun, runnable.count >= 2 else {
            for i in runnable {
                var r = run(jobs[i], settings: settings)
                if settings.dryRun && runnable.count >= 2 {
                    r.note = [r.note, "a dry run plans each file of an album on its own"].compactMap { $0 }.joined(separator: "; ")
                }
                reports[i] = r
            }
            return reports.map { $0! }
        }
        let runs = runnable.map { FileMasteringRun(input: jobs[$0].input.path, output: jobs[$0].output!, encoding: jobs[$0].encoding!, settings: settings) }
        let start = DispatchTime.now()
        let done = runs[0].masterer.masterAlbum(runs.map { AlbumFile(input: $0.input, output: $0.output, encoding: $0.encoding) })
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        func finite(_ v: Double) -> Double? { v.isFinite ? (v * 100).rounded() / 100 : nil }
        var figures = AlbumFigures(folder: folder, files: 0, beforeLUFS: finite(done.album.before.value),
                                   afterLUFS: finite(done.album.after.value), gainDB: done.album.gain.map(rounded),
                                   warnings: done.album.warnings.map(describe))
        for (k, i) in runnable.enumerated() {
            let job = jobs[i]
            switch done.files[k] {
            case .success(let file):
                var r = runs[k].header()
                runs[k].fill(&r, from: file)
                reports[i] = r
                figures.files += 1
            case .failure(let error as AudioIOError) where error.code == .outputExists:
                var r = MasterFileReport(path: job.input.path, output: job.output, status: .skipped)
                r.note = "\(job.output!) exists; pass --overwrite to replace it"
                reports[i] = r
            case .failure(let error):
                reports[i] = OutputPlanner.failure(job.input, job.output, OutputPlanner.describe(error, input: job.input.path))
            }
            reports[i]!.elapsedSeconds = elapsed
        }
        for i in runnable { reports[i]!.album = figures }
        return reports.map { $0! }
    }
}
