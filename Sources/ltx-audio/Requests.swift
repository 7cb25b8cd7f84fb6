import ArgumentParser
import Foundation
import LTXAudioApp

/// `ltx-audio requests`: the recent fal requests and their status.
struct Requests: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List recent fal requests from the journal, newest first.",
        discussion: "Statuses: submitted, completed, downloaded, mastered, failed, cancelled. Finish any of them with `ltx-audio resume REQUEST_ID`.")

    @Option(help: "How many to show.")
    var limit = 20

    @Flag(help: "Print one JSON object per request.")
    var json = false

    @OptionGroup(title: "Output") var conventions: OutputOptions

    func run() throws {
        conventions.apply()
        let journal = Journal.standard()
        let entries: [JournalEntry]
        do {
            entries = try journal.entries()
        } catch {
            Console.standard.error("\(error)")
            throw ExitCode.failure
        }
        if entries.isEmpty {
            Console.standard.note("no requests recorded in \(journal.path)")
            return
        }
        if json {
            let e = JSONEncoder()
            e.dateEncodingStrategy = .iso8601
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for entry in entries.suffix(max(limit, 0)).reversed() {
                Console.standard.document(String(decoding: try e.encode(entry), as: UTF8.self))
            }
        } else {
            RequestsListing.lines(entries, limit: limit).forEach { Console.standard.line($0) }
        }
    }
}
