import FileSafety
import Foundation

/// Man pages (man(7) markup, section 1) rendered from the argument parser's own description of
/// the tool, the JSON that `ltx-audio --experimental-dump-help` prints: one page for the tool
/// (`ltx-audio.1`) and one per visible command (`ltx-audio-master.1`, ...), as git names its
/// pages. `make install` writes them with `ltx-audio manual --output-directory DIR`.
package enum ManualPages {
    /// The parts of the argument parser's dump that the pages use (its ToolInfo, version 0).
    struct Dump: Decodable {
        var command: Command
    }
    struct Command: Decodable {
        var commandName: String
        var superCommands: [String]?
        var abstract: String?
        var discussion: String?
        var shouldDisplay: Bool?
        var subcommands: [Command]?
        var arguments: [Argument]?
    }
    struct Argument: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }
        var kind: String
        var shouldDisplay: Bool?
        var sectionTitle: String?
        var isOptional: Bool?
        var isRepeating: Bool?
        var names: [Name]?
        var valueName: String?
        var defaultValue: String?
        var abstract: String?
        var discussion: String?
    }

    /// A rendered page: its file name (`ltx-audio-master.1`) and its text.
    package struct Page: Sendable, Hashable {
        package var fileName: String
        package var text: String
    }

    /// The pages for a dump.
    /// - Parameters:
    ///   - dump: the JSON of `--experimental-dump-help`.
    ///   - footer: the centre footer, the tool and its version (`ltx-audio 0.1.0`).
    /// - Throws: `DecodingError` when `dump` is not such a JSON document.
    package static func render(dump: Data, footer: String) throws -> [Page] {
        let root = try JSONDecoder().decode(Dump.self, from: dump).command
        // `help` is the parser's own command, described on the tool's page (`--help`).
        let visible = (root.subcommands ?? []).filter { $0.shouldDisplay != false && $0.commandName != "help" }
        var pages = [page(root, path: [root.commandName], footer: footer, commands: visible, root: root.commandName)]
        for sub in visible {
            pages.append(page(sub, path: [root.commandName, sub.commandName], footer: footer, commands: [], root: root.commandName))
        }
        return pages
    }

    /// Writes `pages` into `directory` (created if missing), each whole (`AtomicFile`),
    /// replacing older ones.
    /// - Throws: `FileSafetyError` naming the file.
    package static func write(_ pages: [Page], to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for p in pages {
            try AtomicFile.write(Array(p.text.utf8), to: directory + "/" + p.fileName, overwrite: true, mode: 0o644)
        }
    }

    /// The dump of `executable` (this tool's own binary): runs `executable --experimental-dump-help`.
    /// - Throws: when it cannot be run or fails.
    package static func dumpHelp(executable: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--experimental-dump-help"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw UsageError("\(executable) --experimental-dump-help exited with status \(process.terminationStatus)")
        }
        return data
    }

    private static func page(_ c: Command, path: [String], footer: String, commands: [Command], root: String) -> Page {
        let name = path.joined(separator: "-")
        // No hyphenation and a ragged right margin: option names must stay whole to be found.
        var t = ".TH \(escape(name.uppercased())) 1 \"\" \"\(escape(footer))\" \"User Commands\"\n.nh\n.ad l\n"
        t += ".SH NAME\n\(escape(name)) \\- \(escape(c.abstract ?? ""))\n"
        let arguments = (c.arguments ?? []).filter { $0.shouldDisplay != false }
        t += ".SH SYNOPSIS\n.B \(escape(path.joined(separator: " ")))\n"
        var synopsis: [String] = []
        if !commands.isEmpty { synopsis.append("\\fIcommand\\fR") }
        if arguments.contains(where: { $0.kind != "positional" }) { synopsis.append("[\\fIoptions\\fR]") }
        for a in arguments where a.kind == "positional" {
            var s = "\\fI\(escape(a.valueName ?? "value"))\\fR" + (a.isRepeating == true ? " ..." : "")
            if a.isOptional == true { s = "[" + s + "]" }
            synopsis.append(s)
        }
        for a in arguments where a.kind == "option" && a.isOptional == false {
            synopsis.append("\\fB\(escape(optionName(a)))\\fR \\fI\(escape(a.valueName ?? "value"))\\fR")
        }
        t += synopsis.joined(separator: " ") + "\n"
        if let d = c.discussion, !d.isEmpty {
            t += ".SH DESCRIPTION\n" + prose(d)
        } else if let a = c.abstract {
            t += ".SH DESCRIPTION\n\(escape(a))\n"
        }
        if !commands.isEmpty {
            t += ".SH COMMANDS\n"
            for sub in commands {
                t += ".TP\n\\fB\(escape(sub.commandName))\\fR\n\(escape(sub.abstract ?? ""))\nSee \\fB\(escape(root))\\-\(escape(sub.commandName))\\fR(1).\n"
            }
        }
        let positionals = arguments.filter { $0.kind == "positional" }
        if !positionals.isEmpty {
            t += ".SH ARGUMENTS\n"
            for a in positionals { t += ".TP\n\\fI\(escape(a.valueName ?? "value"))\\fR\n" + help(a) }
        }
        let options = arguments.filter { $0.kind != "positional" }
        if !options.isEmpty {
            t += ".SH OPTIONS\n"
            var titles: [String?] = []
            for a in options where !titles.contains(a.sectionTitle) { titles.append(a.sectionTitle) }
            for title in titles.sorted(by: { ($0 == nil ? 0 : 1) < ($1 == nil ? 0 : 1) }) {
                if let title { t += ".SS \(escape(title))\n" }
                for a in options where a.sectionTitle == title {
                    let names = (a.names ?? []).sorted { ($0.kind == "short" ? 0 : 1) < ($1.kind == "short" ? 0 : 1) }.map { "\\fB\(escape(($0.kind == "short" ? "-" : "--") + $0.name))\\fR" }
                    let value = a.kind == "option" ? " \\fI\(escape(a.valueName ?? "value"))\\fR" : ""
                    t += ".TP\n" + names.joined(separator: ", ") + value + "\n" + help(a)
                }
            }
        }
        if path.count == 1 {
            t += ".SH FILES\n.TP\n\\fI$XDG_CONFIG_HOME/ltx-audio/presets/NAME.json\\fR\nUser presets (default \\fI~/.config/ltx-audio/presets/\\fR); see \\fB\(escape(root))\\-presets\\fR(1).\n"
            t += ".TP\n\\fI$XDG_STATE_HOME/ltx-audio/requests.json\\fR\nThe journal of fal requests (default \\fI~/.local/state/ltx-audio/\\fR).\n"
            t += ".SH ENVIRONMENT\n.TP\n\\fBNO_COLOR\\fR\nWhen set and not empty, nothing is coloured.\n"
            t += ".TP\n\\fBFAL_KEY\\fR, \\fBFAL_KEY_ID\\fR, \\fBFAL_KEY_SECRET\\fR, \\fBFAL_QUEUE_URL\\fR\nThe fal.ai key and queue (generate, resume).\n"
        }
        let others = path.count == 1 ? commands.map { "\(root)-\($0.commandName)" } : [root]
        t += ".SH SEE ALSO\n" + others.map { "\\fB\(escape($0))\\fR(1)" }.joined(separator: ", ") + "\n"
        return Page(fileName: name + ".1", text: t)
    }

    private static func optionName(_ a: Argument) -> String {
        guard let n = a.names?.first(where: { $0.kind == "long" }) ?? a.names?.first else { return "" }
        return (n.kind == "short" ? "-" : "--") + n.name
    }

    private static func help(_ a: Argument) -> String {
        var text = a.abstract ?? ""
        if let d = a.defaultValue, !d.isEmpty, a.kind == "option" { text += " (default: \(d))" }
        var out = escape(text) + "\n"
        if let d = a.discussion, !d.isEmpty { out += ".IP\n" + escape(d) + "\n" }
        return out
    }

    /// Paragraphs of a discussion: lines indented by two spaces (examples) kept as they are.
    private static func prose(_ text: String) -> String {
        var out = ""
        for paragraph in text.components(separatedBy: "\n\n") {
            out += ".PP\n"
            var literal = false
            for line in paragraph.split(separator: "\n", omittingEmptySubsequences: false) {
                let isLiteral = line.hasPrefix("  ")
                if isLiteral != literal { out += isLiteral ? ".RS 2\n.nf\n" : ".fi\n.RE\n" }
                literal = isLiteral
                out += escape(isLiteral ? String(line.dropFirst(2)) : String(line)) + "\n"
            }
            if literal { out += ".fi\n.RE\n" }
        }
        return out
    }

    /// Text safe in man(7): backslashes escaped, dashes as minus signs, no line starting with a
    /// control character.
    static func escape(_ text: String) -> String {
        var s = text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
        if s.hasPrefix(".") || s.hasPrefix("'") { s = "\\&" + s }
        return s
    }
}
