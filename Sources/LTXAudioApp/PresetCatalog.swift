import AudioCore
import AudioIO
import Foundation
import Mastering

/// A preset from a file in the user's preset folder: `NAME.json`, one JSON object whose keys
/// are mastering options' long names (`MasteringChoices.Key`) plus an optional `description`.
package struct UserPreset: Sendable, Hashable {
    package var name: String
    package var path: String
    package var description: String?
    package var choices: MasteringChoices
}

/// A preset named by `--preset`: built in, or a user's file.
package enum ResolvedPreset: Sendable, Hashable {
    case builtIn(Preset)
    case user(UserPreset)

    package var name: String {
        switch self {
        case .builtIn(let p): return p.rawValue
        case .user(let u): return u.name
        }
    }
}

/// A preset file that cannot be used, or a preset name that names nothing: one line naming the
/// file and the key (exit status 64).
package struct PresetError: Error, Sendable, Hashable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// The built-in presets and the user's preset folder, `$XDG_CONFIG_HOME/ltx-audio/presets/`
/// (default `~/.config/ltx-audio/presets/`). A built-in name always means the built-in preset;
/// a user file of the same name is listed as shadowed and never used.
package struct PresetCatalog: Sendable {
    /// The user's preset folder (it need not exist).
    package var directory: String

    package init(directory: String) { self.directory = directory }

    /// The catalogue of the user's preset folder for this environment.
    package static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> PresetCatalog {
        PresetCatalog(directory: directory(environment: environment))
    }

    /// `$XDG_CONFIG_HOME/ltx-audio/presets`, or `~/.config/ltx-audio/presets` (XDG: a relative
    /// value is ignored).
    package static func directory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return xdg + "/ltx-audio/presets"
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.config/ltx-audio/presets"
    }

    /// The names of the user's preset files (`NAME.json`, not hidden), sorted.
    package func userPresetNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") && $0.count > 5 }
            .map { String($0.dropLast(5)) }.sorted()
    }

    /// The preset `name` names: a built-in one, else `directory/name.json`.
    /// - Throws: `PresetError` when it names neither, or the file is unreadable or invalid.
    package func resolve(_ name: String) throws -> ResolvedPreset {
        if let builtIn = Preset(rawValue: name) { return .builtIn(builtIn) }
        let path = directory + "/" + name + ".json"
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), FileManager.default.fileExists(atPath: path) else {
            let user = userPresetNames().filter { Preset(rawValue: $0) == nil }
            throw PresetError("--preset \(name): no such preset; built in: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")); "
                + (user.isEmpty ? "no user presets in \(directory)/" : "user presets (\(directory)/): \(user.joined(separator: ", "))"))
        }
        return .user(try load(name: name, path: path))
    }

    /// Reads and checks one preset file.
    /// - Throws: `PresetError` naming the file and, where one is at fault, the key.
    package func load(name: String, path: String) throws -> UserPreset {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PresetError("\(path): cannot be read")
        }
        return try Self.parse(data, name: name, path: path)
    }

    /// Parses a preset file's bytes.
    /// - Throws: `PresetError` naming `path` and the key at fault: an unknown key (with the
    ///   known ones), a value of the wrong type, or out of its option's range.
    package static func parse(_ data: Data, name: String, path: String) throws -> UserPreset {
        let object: [String: PresetValue]
        do {
            object = try JSONDecoder().decode([String: PresetValue].self, from: data)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw PresetError("\(path): key \"\(context.codingPath[0].stringValue)\": not a number, boolean or string")
        } catch {
            throw PresetError("\(path): not a JSON object of option names and values (\(Self.reason(error)))")
        }
        var preset = UserPreset(name: name, path: path, choices: MasteringChoices())
        for key in object.keys.sorted() {
            let value = object[key]!
            func bad(_ expected: String) -> PresetError {
                PresetError("\(path): key \"\(key)\": \(value) is not \(expected)")
            }
            if key == "description" {
                guard case .string(let s) = value else { throw bad("a string") }
                preset.description = s
                continue
            }
            guard let option = MasteringChoices.Key(rawValue: key) else {
                throw PresetError("\(path): unknown key \"\(key)\"; known keys: description, "
                    + MasteringChoices.Key.allCases.map(\.rawValue).joined(separator: ", "))
            }
            var c = preset.choices
            switch option {
            case .leveler, .trim, .dither:
                guard case .bool(let b) = value else { throw bad("true or false") }
                switch option {
                case .leveler: c.leveler = b
                case .trim: c.trim = b
                default: c.dither = b
                }
            case .quality:
                guard case .string(let s) = value, let q = ResamplerQuality(rawValue: s) else {
                    throw bad("one of " + ResamplerQuality.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                }
                c.quality = q
            case .format:
                guard case .string(let s) = value, let f = Container(name: s) else {
                    throw bad("a format: " + Container.allCases.map { "\"\($0.fileExtension)\"" }.joined(separator: ", "))
                }
                c.format = f
            case .sampleRate, .bitDepth:
                guard case .number(let d) = value, d == d.rounded(), abs(d) < 1e9 else { throw bad("a whole number") }
                if option == .sampleRate { c.sampleRate = Int(d) } else { c.bitDepth = Int(d) }
            default:
                guard case .number(let d) = value else { throw bad("a number") }
                switch option {
                case .targetLUFS: c.targetLUFS = d
                case .truePeak: c.truePeak = d
                case .maxGain: c.maxGain = d
                case .maxLimiting: c.maxLimiting = d
                case .minLimitingReturn: c.minLimitingReturn = d
                case .trimThreshold: c.trimThreshold = d
                case .trimPad: c.trimPad = d
                default: c.maxGap = d
                }
            }
            preset.choices = c
        }
        if let problem = preset.choices.problem() {
            let written = object[problem.key.rawValue].map(String.init(describing:)) ?? problem.value
            throw PresetError("\(path): key \"\(problem.key.rawValue)\": \(written) \(problem.reason)")
        }
        return preset
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return (c.underlyingError.map { "\($0)" } ?? c.debugDescription)
        case DecodingError.typeMismatch(_, let c): return c.debugDescription
        default: return "\(error)"
        }
    }
}
