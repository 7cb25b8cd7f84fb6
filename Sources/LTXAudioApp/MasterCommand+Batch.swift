import AudioIO
import Foundation

extension MasterCommand {
    /// Refuses an output that names a file when the inputs come from a list, a shard, a base
    /// folder or albums (their outputs always go to a folder).
    static func requireOutputFolder(_ output: String) throws {
        var isDir: ObjCBool = false
        if output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isDir) && isDir.boolValue) { return }
        let ext = (output as NSString).pathExtension
        if Container(fileExtension: ext) != nil {
            throw UsageError("-o \(output) names a file, but --files-from, --base, --shard and --album write to an output folder; give a folder such as \((output as NSString).deletingPathExtension)/")
        }
    }

    /// Runs the planned jobs on `jobs` threads: each on its own, or with `--album` each folder's
    /// jobs together (a folder with one file is mastered on its own, with a note).
    /// - Parameter finished: called with each report as soon as it is ready (`--jsonl`).
    /// - Returns: the reports in the jobs' order.
    func runUnits(_ jobs: [MasterJob], settings: MasterSettings,
                  finished: @escaping @Sendable (MasterFileReport) -> Void) -> [MasterFileReport] {
        var units: [[Int]] = []
        var folders: [String] = []
        if batch.album {
            var unitOf: [String: Int] = [:]
            for (i, job) in jobs.enumerated() {
                let folder = MasterCommand.albumFolder(of: job.input.path)
                if let u = unitOf[folder] {
                    units[u].append(i)
                } else {
                    unitOf[folder] = units.count
                    units.append([i])
                    folders.append(folder)
                }
            }
            for (u, unit) in units.enumerated() {
                let runnable = unit.filter { jobs[$0].decided == nil }
                if runnable.count == 1 {
                    console.note("note: --album: \(folders[u]) has one file to master, \(jobs[runnable[0]].input.path); it is mastered on its own")
                }
            }
        } else {
            units = jobs.indices.map { [$0] }
            folders = jobs.map { _ in "" }
        }
        let album = batch.album
        let work = zip(units, folders).map { (unit, folder) in (jobs: unit.map { jobs[$0] }, folder: folder) }
        let results = BatchRunner(jobs: jobs.isEmpty ? 1 : self.jobs, console: console).run(
            work, label: { $0.jobs[0].input.relativePath },
            work: { unit -> [MasterFileReport] in
                album ? FileMasteringRun.runAlbum(unit.jobs, folder: unit.folder, settings: settings)
                      : unit.jobs.map { FileMasteringRun.run($0, settings: settings) }
            },
            finished: { reports in reports.forEach(finished) })
        var reports = [MasterFileReport?](repeating: nil, count: jobs.count)
        for (unit, result) in zip(units, results) {
            for (i, r) in zip(unit, result) { reports[i] = r }
        }
        return reports.map { $0! }
    }

    /// The album an input belongs to: its folder as named ("." for a bare file name).
    static func albumFolder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// Each album's figures once, in order of first appearance.
    static func albums(_ reports: [MasterFileReport]) -> [AlbumFigures] {
        var seen: Set<String> = [], albums: [AlbumFigures] = []
        for r in reports {
            if let a = r.album, seen.insert(a.folder).inserted { albums.append(a) }
        }
        return albums
    }

    /// "album FOLDER: 3 files, -23.1 -> -14.0 LUFS, gain +9.1 dB".
    static func describe(_ a: AlbumFigures) -> String {
        func lufs(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "-" }
        let gain = a.gainDB.map { String(format: ", gain %+.1f dB", $0) } ?? ""
        return "album \(a.folder): \(a.files) file\(a.files == 1 ? "" : "s"), \(lufs(a.beforeLUFS)) -> \(lufs(a.afterLUFS)) LUFS\(gain)"
    }
}
