import FileSafety
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `master --watch DIR -o OUT`: masters what is in DIR and has no output yet, then each file
/// that appears (or is replaced) once it is complete, until SIGINT or SIGTERM.
///
/// - Linux: inotify, close-after-write (`IN_CLOSE_WRITE`) and moved-in (`IN_MOVED_TO`) events,
///   on DIR and every folder below it (new ones included). Elsewhere: a scan every half second,
///   and a file is taken once its size and modification time have stayed the same for a second.
/// - Never picked up: hidden names (this tool's temporary files included), downloads in progress
///   (`.part`, `.crdownload`, `.download`, `.tmp`, `~`), anything in the output folder.
/// - A file seen again (replaced, or written anew) is mastered again; its output is replaced
///   atomically (written to a temporary file, then renamed over it).
/// - One line per file as it is done (or one JSON line with `--jsonl`); a bad file is reported
///   on stderr and watching goes on.
/// - Stopping: the process's signal thread (`Interrupts`) removes the temporary file being
///   written and exits (130 for SIGINT, 143 for SIGTERM); finished outputs stay.
package struct FolderWatch {
    let command: MasterCommand
    let folder: String

    /// Name endings of files still being downloaded or written by other programs.
    package static let incompleteSuffixes = [".part", ".crdownload", ".download", ".partial", ".tmp", "~"]

    /// Whether a file name is never picked up (hidden, temporary, incomplete).
    package static func isIgnored(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasPrefix(TemporaryName.prefix)
            || incompleteSuffixes.contains { name.lowercased().hasSuffix($0) }
    }

    /// Checks the options, masters what is waiting, then watches.
    /// - Throws: `UsageError` for a missing folder, a file, other inputs or options that need a
    ///   fixed list of inputs.
    /// - Returns: only if watching cannot go on (the status to exit with).
    func run() throws -> Int32 {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) else {
            throw UsageError("--watch \(folder): no such folder; give an existing folder to watch")
        }
        guard isDir.boolValue else {
            throw UsageError("--watch \(folder) is a file, not a folder; give the folder new files arrive in")
        }
        let batch = command.batch
        guard command.inputs.isEmpty && batch.filesFrom == nil && batch.shard == nil && batch.base == nil && !batch.album else {
            throw UsageError("--watch takes its inputs from the folder only; drop the other inputs and --files-from, --base, --shard, --album")
        }
        guard !command.json else {
            throw UsageError("--watch runs until stopped, so there is no final --json document; use --jsonl for a JSON line per file")
        }
        guard !command.settings.dryRun else { throw UsageError("--watch cannot be a --dry-run; run master DIR -o OUT --dry-run instead") }
        try MasterCommand.requireOutputFolder(command.output)
        try MasterCommand.checkOutputFormat(output: command.output, outputIsFile: false, settings: command.settings)
        if InputDiscovery.absolute(command.output) == InputDiscovery.absolute(folder) {
            throw UsageError("-o \(command.output) is the watched folder \(folder); outputs would be picked up as inputs; choose another output folder")
        }
        try FileManager.default.createDirectory(atPath: command.output, withIntermediateDirectories: true)
        var settings = command.settings
        settings.usesSpareCores = true
        // What is already there: only files without an output.
        let discovery = InputDiscovery(excluding: command.output)
        let (files, problems) = discovery.discover([folder])
        for p in problems { command.console.error("\(p.path): \(p.message)") }
        let waiting = files.filter { !FolderWatch.isIgnored(($0.path as NSString).lastPathComponent) }
        let jobs = OutputPlanner.plan(waiting, output: command.output, outputIsFile: false, settings: settings)
        OutputPlanner.removeStaleTemporaryFiles(for: jobs, console: command.console)
        for job in jobs where job.decided?.status != .skipped { report(FileMasteringRun.run(job, settings: settings)) }
        command.console.note("watching \(folder) (Ctrl-C to stop)")
        // From now on a file that appears again is new content: replace its output.
        settings.overwrite = true
        #if os(Linux)
            // LTX_AUDIO_WATCH_POLLING=1 takes the other platforms' way here too (so tests cover it).
            if ProcessInfo.processInfo.environment["LTX_AUDIO_WATCH_POLLING"] == "1" { return watchByPolling(settings: settings) }
            return try watchWithInotify(settings: settings)
        #else
            return watchByPolling(settings: settings)
        #endif
    }

    /// Masters one file that arrived (when it is still there and looks like audio).
    func arrived(_ path: String, settings: MasterSettings) {
        let name = (path as NSString).lastPathComponent
        guard !FolderWatch.isIgnored(name), let relative = relativePath(path) else { return }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { return }
        let discovery = InputDiscovery(excluding: command.output)
        if let excluded = discovery.excludedFolder, InputDiscovery.absolute(path).hasPrefix(excluded + "/") { return }
        guard discovery.isAudioCandidate(path) else { return }
        let jobs = OutputPlanner.plan([InputFile(path: path, relativePath: relative)], output: command.output,
                                      outputIsFile: false, settings: settings)
        report(FileMasteringRun.run(jobs[0], settings: settings))
    }

    /// `path` below the watched folder.
    func relativePath(_ path: String) -> String? {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        guard path.hasPrefix(prefix) else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// One line (or JSON line) for a finished file; failures on stderr.
    func report(_ r: MasterFileReport) {
        let console = command.console
        if command.batch.jsonl { console.jsonLine(r) }
        if r.status == .failed {
            console.error(r.error ?? "\(r.path): failed")
        } else if !command.batch.jsonl {
            console.line(MasterCommand.describe(r))
        }
        for w in r.warnings { console.warning("\(r.path): \(w)") }
        for d in r.detail { console.detail("\(r.path): \(d)") }
    }

    #if os(Linux)
        /// Watches with inotify until the process is stopped.
        private func watchWithInotify(settings: MasterSettings) throws -> Int32 {
            let fd = inotify_init1(Int32(IN_CLOEXEC))
            guard fd >= 0 else {
                command.console.note("note: inotify is unavailable (\(String(cString: strerror(errno)))); watching by polling")
                return watchByPolling(settings: settings)
            }
            defer { close(fd) }
            let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_CREATE)
            var folders: [Int32: String] = [:]
            let excluded = InputDiscovery(excluding: command.output).excludedFolder
            func add(_ dir: String) {
                if let excluded, InputDiscovery.absolute(dir) == excluded { return }
                let wd = inotify_add_watch(fd, dir, mask)
                guard wd >= 0 else {
                    command.console.error("\(dir): cannot watch the folder: \(String(cString: strerror(errno)))")
                    return
                }
                folders[wd] = dir
                for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() where !name.hasPrefix(".") {
                    var isDir: ObjCBool = false
                    let path = dir + "/" + name
                    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue,
                       (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == nil {
                        add(path)
                    }
                }
            }
            add(folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder)
            let capacity = 64 * 1024
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            defer { buffer.deallocate() }
            while true {
                let n = read(fd, buffer, capacity)
                if n < 0 {
                    if errno == EINTR { continue }
                    command.console.error("\(folder): cannot read folder events: \(String(cString: strerror(errno)))")
                    return ExitStatus.inputFailed
                }
                var offset = 0
                var events: [(mask: UInt32, path: String)] = []
                while offset + 16 <= n {
                    let wd = buffer.load(fromByteOffset: offset, as: Int32.self)
                    let eventMask = buffer.load(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = UnsafeRawBufferPointer(start: buffer + offset + 16, count: length)
                    let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                    offset += 16 + length
                    guard let dir = folders[wd], !name.isEmpty else { continue }
                    events.append((eventMask, dir + "/" + name))
                }
                for event in events {
                    if event.mask & UInt32(IN_ISDIR) != 0 {
                        // A new folder (created, or moved in with its files): watch it and take
                        // the files already in it.
                        guard !FolderWatch.isIgnored((event.path as NSString).lastPathComponent) else { continue }
                        add(event.path)
                        let (files, _) = InputDiscovery(excluding: command.output).discover([event.path])
                        for f in files { arrived(f.path, settings: settings) }
                    } else if event.mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)) != 0 {
                        arrived(event.path, settings: settings)
                    }
                }
            }
        }
    #endif

    /// Watches by scanning every half second until the process is stopped: a file is taken once
    /// its size and modification time have not changed for a second, and again after it changes.
    private func watchByPolling(settings: MasterSettings) -> Int32 {
        struct Seen: Equatable { var size: UInt64; var modified: Date }
        var done: [String: Seen] = [:]
        var pending: [String: (seen: Seen, since: Date)] = [:]
        func stat(_ path: String) -> Seen? {
            guard let a = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = a[.size] as? UInt64, let modified = a[.modificationDate] as? Date else { return nil }
            return Seen(size: size, modified: modified)
        }
        // What was there at the start has been handled (mastered or already had an output).
        for f in InputDiscovery(excluding: command.output).discover([folder]).files {
            if let s = stat(f.path) { done[f.path] = s }
        }
        while true {
            Thread.sleep(forTimeInterval: 0.5)
            let now = Date()
            for f in InputDiscovery(excluding: command.output).discover([folder]).files {
                guard !FolderWatch.isIgnored((f.path as NSString).lastPathComponent), let s = stat(f.path), done[f.path] != s else { continue }
                if let p = pending[f.path], p.seen == s {
                    if now.timeIntervalSince(p.since) >= 1 {
                        pending[f.path] = nil
                        done[f.path] = s
                        arrived(f.path, settings: settings)
                    }
                } else {
                    pending[f.path] = (s, now)
                }
            }
        }
    }
}
