import Foundation

/// How `master` gathers and splits its inputs and reports them, for batches of any size
/// (`--files-from`, `--base`, `--shard`, `--jsonl`, `--album`, `--watch`).
package struct BatchSettings: Sendable {
    /// A file listing inputs, one a line (`-`: standard input).
    package var filesFrom: String?
    /// The list is NUL-separated (`find -print0`) rather than one path a line.
    package var nullSeparated = false
    /// Outputs mirror each input's path relative to this folder.
    package var base: String?
    /// Only this shard's inputs run.
    package var shard: Shard?
    /// One JSON object a line as each input finishes, then a summary line.
    package var jsonl = false
    /// Each folder's inputs are one album with one common gain.
    package var album = false
    /// Keep watching this folder, mastering files as they appear.
    package var watch: String?

    package init() {}
}

/// One part of a partition of the inputs (`--shard K/N`): an input belongs to shard K when the
/// FNV-1a 64-bit hash of the UTF-8 bytes of its relative path (the path its output mirrors:
/// below its folder, or below `--base`), modulo N, is K − 1. So every machine computes the same
/// partition whatever the order of its list, and adding files never moves the others.
package struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 1...count.
    package var index: Int
    package var count: Int

    /// The form, for messages.
    package static let form = "K/N with whole numbers 1 <= K <= N, such as --shard 2/8"

    /// Parses "K/N".
    /// - Throws: `UsageError` saying the form.
    package init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else {
            throw UsageError("--shard \(text) is not a shard: give \(Shard.form)")
        }
        index = k
        count = n
    }

    package init(index: Int, count: Int) {
        precondition(1 <= index && index <= count, "shard \(index)/\(count)")
        self.index = index
        self.count = count
    }

    package var description: String { "\(index)/\(count)" }

    /// FNV-1a, 64 bits, of `text`'s UTF-8 bytes.
    package static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// Whether the input whose output mirrors `relativePath` belongs to this shard.
    package func contains(_ relativePath: String) -> Bool {
        Int(Shard.hash(relativePath) % UInt64(count)) == index - 1
    }
}

/// The paths of a `--files-from` list.
package enum FileList {
    /// Reads `source` (`-`: standard input) and splits it into paths: one a line (a final "\r"
    /// is dropped, for lists written on Windows) or NUL-separated; empty entries are ignored.
    /// - Throws: `UsageError` with the reason when the list cannot be read.
    package static func read(_ source: String, nullSeparated: Bool) throws -> [String] {
        let data: Data
        if source == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: source) else {
                var isDir: ObjCBool = false
                let reason = !FileManager.default.fileExists(atPath: source, isDirectory: &isDir) ? "no such file"
                    : isDir.boolValue ? "it is a folder, not a list of files" : "cannot be read (permissions?)"
                throw UsageError(reason)
            }
            data = d
        }
        return split(data, nullSeparated: nullSeparated)
    }

    /// The entries of a list's bytes (see ``read(_:nullSeparated:)``).
    package static func split(_ data: Data, nullSeparated: Bool) -> [String] {
        let separator: UInt8 = nullSeparated ? 0 : 0x0A
        return data.split(separator: separator, omittingEmptySubsequences: true).compactMap { bytes -> String? in
            var entry = String(decoding: bytes, as: UTF8.self)
            if !nullSeparated && entry.hasSuffix("\r") { entry.removeLast() }
            return entry.trimmingCharacters(in: .whitespaces).isEmpty ? nil : entry
        }
    }
}

extension InputDiscovery {
    /// Re-expresses each file's relative path as its path below `base` (so outputs mirror it).
    /// - Returns: the files inside `base`, and a problem naming each one outside it.
    package static func rebase(_ files: [InputFile], on base: String) -> (files: [InputFile], problems: [Problem]) {
        let lexicalBase = lexical(base)
        let resolvedBase = absolute(base)
        var kept: [InputFile] = [], problems: [Problem] = []
        for file in files {
            if let rel = below(lexical(file.path), lexicalBase) ?? below(absolute(file.path), resolvedBase) {
                kept.append(InputFile(path: file.path, relativePath: rel))
            } else {
                problems.append(Problem(path: file.path, message: "is outside --base \(base); list files inside it, or change --base"))
            }
        }
        return (kept, problems)
    }

    /// `path` relative to `folder` when inside it (both absolute, standardised).
    private static func below(_ path: String, _ folder: String) -> String? {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        guard path.hasPrefix(prefix), path.count > prefix.count else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// The absolute, standardised path without resolving links.
    static func lexical(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }
}
