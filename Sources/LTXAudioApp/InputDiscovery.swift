import AudioIO
import Foundation

/// One input file and where it sits relative to the folder it was found in.
public struct InputFile: Sendable, Hashable {
    /// The path to open.
    public var path: String
    /// The path below the folder given on the command line ("a/b.wav"), or the file name
    /// for a file given directly. Output names mirror it.
    public var relativePath: String
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
public struct InputDiscovery {
    /// Extensions that mark a file as meant to be audio.
    public static let audioExtensions: Set<String> = [
        "wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc", "caf", "w64",
        "rf64", "au", "snd", "m4a", "aac",
    ]

    /// Absolute, standardised path of the output folder to skip, if any.
    public var excludedFolder: String?

    public init(excluding outputFolder: String? = nil) {
        excludedFolder = outputFolder.map { InputDiscovery.absolute($0) }
    }

    /// A problem with a command-line input itself (missing path).
    public struct Problem: Sendable, Hashable {
        public var path: String
        public var message: String
    }

    /// The audio files below `inputs`, in command-line order then name order, and the
    /// inputs that do not exist.
    public func discover(_ inputs: [String]) -> (files: [InputFile], problems: [Problem]) {
        var files: [InputFile] = []
        var problems: [Problem] = []
        let fm = FileManager.default
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else {
                // A dangling link or a missing path: let the reader name the reason.
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
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            problems.append(Problem(path: folder, message: "cannot list the folder: \(error.localizedDescription)"))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            guard let attrs = try? fm.attributesOfItem(atPath: path) else { continue }
            let type = attrs[.type] as? FileAttributeType
            if type == .typeDirectory {
                walk(folder: path, relative: rel, into: &files, problems: &problems)
            } else if type == .typeSymbolicLink {
                var isDir: ObjCBool = false
                // Links to folders are not followed; links to files are read as files.
                guard fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
                if isAudioCandidate(path) { files.append(InputFile(path: path, relativePath: rel)) }
            } else if type == .typeRegular {
                if isAudioCandidate(path) { files.append(InputFile(path: path, relativePath: rel)) }
            }
        }
    }

    /// Audio extension, or content libsndfile recognises.
    func isAudioCandidate(_ path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        if InputDiscovery.audioExtensions.contains(ext) { return true }
        do {
            _ = try SoundFileReader(path: path)
            return true
        } catch let error as AudioIOError {
            return error.code == .truncated || error.code == .unsupportedEncoding || error.code == .malformed
        } catch {
            return false
        }
    }

    static func absolute(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.resolvingSymlinksInPath().path
    }
}
