import Foundation
import Mastering

/// `ltx-audio presets`: the built-in presets and the user's, with the values each sets.
package struct PresetListing {
    /// One preset in `--json`.
    package struct Entry: Encodable, Sendable, Hashable {
        package var name: String
        /// "built-in" or "user".
        package var source: String
        /// The file of a user preset.
        package var path: String?
        package var description: String?
        /// The options it sets, by long option name.
        package var settings: [String: PresetValue]
        /// Set for a user file named like a built-in preset, which `--preset` never uses.
        package var shadowed: Bool?
    }

    package var catalog: PresetCatalog
    package var json: Bool
    package var console: Console

    package init(catalog: PresetCatalog, json: Bool, console: Console = .standard) {
        self.catalog = catalog
        self.json = json
        self.console = console
    }

    /// Lists the presets; an unusable user file is named on stderr with its reason.
    /// - Returns: 0, or 1 when a user preset file is unusable (the others are still listed).
    package func run() -> Int32 {
        var entries = Preset.allCases.map { p in
            Entry(name: p.rawValue, source: "built-in", path: nil, description: p.purpose, settings: Self.settings(p.choices))
        }
        var failed = false
        for name in catalog.userPresetNames() {
            let path = catalog.directory + "/" + name + ".json"
            do {
                let u = try catalog.load(name: name, path: path)
                entries.append(Entry(name: name, source: "user", path: path, description: u.description,
                                     settings: Self.settings(u.choices), shadowed: Preset(rawValue: name) != nil ? true : nil))
            } catch {
                console.error("\(error)")
                failed = true
            }
        }
        for e in entries where e.shadowed == true {
            console.warning("\(e.path!): named like the built-in preset \(e.name), which --preset \(e.name) means; rename the file to use it")
        }
        if json {
            console.json(entries)
        } else {
            let builtIn = entries.filter { $0.source == "built-in" }
            let user = entries.filter { $0.source == "user" }
            console.line("built-in presets:")
            table(builtIn)
            if user.isEmpty {
                console.line("user presets: none in \(catalog.directory)/ (NAME.json, see `ltx-audio presets --help`)")
            } else {
                console.line("user presets (\(catalog.directory)/):")
                table(user)
            }
        }
        return failed ? ExitStatus.inputFailed : ExitStatus.success
    }

    private func table(_ entries: [Entry]) {
        let width = entries.map(\.name.count).max() ?? 0
        for e in entries {
            let values = MasteringChoices.Key.allCases.compactMap { k in e.settings[k.rawValue].map { "\(k.rawValue) \($0)" } }
            var text = "  " + e.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            text += values.isEmpty ? "no loudness change" : values.joined(separator: ", ")
            if let d = e.description { text += "; \(d)" }
            if e.shadowed == true { text += "  [shadowed by the built-in preset]" }
            console.line(text)
        }
    }

    private static func settings(_ c: MasteringChoices) -> [String: PresetValue] {
        Dictionary(uniqueKeysWithValues: c.values.map { ($0.key.rawValue, $0.value) })
    }
}
