import AudioIO
import Foundation

/// One input file and where it sits relative to the folder it was found in.
package struct InputFile: Sendable, Hashable {
    /// The path to open.
    package var path: String
    /// The path below the folder given on the command line ("a/b.wav"), or the file name
    /// for a file given directly. Output names mirror it.
    package var relativePath: String

    package init(path: String, relativePath: String) {
        self.path = path
        self.relativePath = relativePath
    }
}

/// Expands command-line inputs (files and folders) into audio files.
///
/// Rules, in order:
/// - A file named on the command line is always an input (if it is not audio, that is its error).
/// - Folders are walked recursively in name order. Symbolic links to folders are not followed
///   (so link loops cannot hang the walk); links to files are.
/// - Hidden entries (names starting with "."), this tool's temporary files and anything inside
///   the output folder are skipped, so the tool never picks up its own outputs.
/// - A file inside a folder is an input when its extension is an audio one (then a broken file
///   is reported, not skipped) or when libsndfile recognises its content whatever its name.
///   Other files (notes, scripts, images) are skipped silently.
package struct InputDiscovery {
    /// Extensions that mark a file as meant to be audio.
    package static let audioExtensions: Set<String> = [
        "wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc", "caf", "w64",
        "rf64", "au", "snd", "m4a", "aac",
    ]

    /// Whether `name` (a file name or path) ends in one of `audioExtensions`, in any case.
    static func hasAudioExtension(_ name: String) -> Bool {
        audioExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// Absolute, standardised path of the output folder to skip, if any.
    package var excludedFolder: String?

    package init(excluding outputFolder: String? = nil) {
        excludedFolder = outputFolder.map { InputDiscovery.absolute($0) }
    }

    /// A problem with a command-line input itself (missing path).
    package struct Problem: Sendable, Hashable {
        package var path: String
        package var message: String
    }

    /// The audio files below `inputs`, in command-line order then name order, and the
    /// inputs that do not exist.
    package func discover(_ inputs: [String]) -> (files: [InputFile], problems: [Problem]) {
        var files: [InputFile] = []
        var problems: [Problem] = []
        let fm = FileManager.default
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else {
                // A dangling link, a missing path, a name that was not UTF-8: the reader names
                // the reason.
                files.append(InputFile(path: input, relativePath: (input as NSString).lastPathComponent))
                continue
            }
            if isDir.boolValue {
                walk(folder: input, relative: "", into: &files, problems: &problems)
            } else {
                files.append(InputFile(path: input, relativePath: (input as NSString).lastPathComponent))
            }
        }
        return (files, problems)
    }

    private func walk(folder: String, relative: String, into files: inout [InputFile], problems: inout [Problem]) {
        if let excludedFolder, InputDiscovery.absolute(folder) == excludedFolder { return }
        let fm = FileManager.default
        let listing: (names: [String], notUTF8: [String])
        do {
            listing = try InputDiscovery.list(folder)
        } catch {
            problems.append(Problem(path: folder, message: "cannot list the folder: \(error)"))
            return
        }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        // A name that is not UTF-8 cannot be held in a String, so it cannot be opened or
        // mirrored by name: report it (when it looks like audio) rather than lose it silently.
        for escaped in listing.notUTF8 where !escaped.hasPrefix(".") {
            guard InputDiscovery.hasAudioExtension(escaped) else { continue }
            problems.append(Problem(path: prefix + escaped,
                                    message: "the file name is not valid UTF-8, so it cannot be opened by name; rename it"))
        }
        for name in listing.names.sorted() where !name.hasPrefix(".") {
            let path = prefix + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            guard let attrs = try? fm.attributesOfItem(atPath: path) else { continue }
            let type = attrs[.type] as? FileAttributeType
            if type == .typeDirectory {
                walk(folder: path, relative: rel, into: &files, problems: &problems)
            } else if type == .typeSymbolicLink {
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                    // A dangling link or a link loop: like any broken file, it is reported when
                    // its name says audio (the reader names the reason), skipped otherwise.
                    if InputDiscovery.hasAudioExtension(name) { files.append(InputFile(path: path, relativePath: rel)) }
                    continue
                }
                // Links to folders are not followed; links to files are read as files.
                guard !isDir.boolValue else { continue }
                if isAudioCandidate(path) { files.append(InputFile(path: path, relativePath: rel)) }
            } else if type == .typeRegular {
                if isAudioCandidate(path) { files.append(InputFile(path: path, relativePath: rel)) }
            } else {
                // A pipe, device or socket is never opened here (reading a pipe could block
                // forever); named like audio, it is reported by the reader, otherwise skipped.
                if InputDiscovery.hasAudioExtension(name) { files.append(InputFile(path: path, relativePath: rel)) }
            }
        }
    }

    /// Audio extension, or content libsndfile recognises.
    func isAudioCandidate(_ path: String) -> Bool {
        if InputDiscovery.hasAudioExtension(path) { return true }
        do {
            _ = try SoundFileReader(path: path)
            return true
        } catch let error as AudioIOError {
            return error.code == .truncated || error.code == .unsupportedEncoding || error.code == .malformed
        } catch {
            return false
        }
    }

    /// A folder's entry names (without "." and ".."), read as bytes: names that are valid
    /// UTF-8, and the others with their non-ASCII bytes escaped as `\xHH` for messages.
    /// - Throws: the `strerror` text when the folder cannot be opened.
    static func list(_ folder: String) throws -> (names: [String], notUTF8: [String]) {
        guard let dir = opendir(folder) else { throw ListingError(String(cString: strerror(errno))) }
        defer { closedir(dir) }
        var names: [String] = [], notUTF8: [String] = []
        while let entry = readdir(dir) {
            let bytes: [UInt8] = withUnsafePointer(to: &entry.pointee.d_name) { p in
                p.withMemoryRebound(to: UInt8.self, capacity: Int(NAME_MAX) + 1) { Array(UnsafeBufferPointer(start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)))) }
            }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            if let name = String(validating: bytes, as: UTF8.self) {
                names.append(name)
            } else {
                notUTF8.append(bytes.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true) }.joined())
            }
        }
        return (names, notUTF8.sorted())
    }

    struct ListingError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    package static func absolute(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.resolvingSymlinksInPath().path
    }
}
