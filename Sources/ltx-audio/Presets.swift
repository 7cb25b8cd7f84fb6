import ArgumentParser
import LTXAudioApp

/// `ltx-audio presets`: the built-in and user presets with their values.
struct Presets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the built-in presets and the user's, with the options each sets.",
        discussion: """
            A user preset is a file NAME.json in $XDG_CONFIG_HOME/ltx-audio/presets/ (default \
            ~/.config/ltx-audio/presets/), used with --preset NAME. It holds one JSON object whose \
            keys are mastering options' long names without the dashes, and an optional \
            "description": target-lufs, true-peak, max-gain, max-limiting, min-limiting-return, \
            leveler, trim, trim-threshold, trim-pad, max-gap, dither, sample-rate, quality, format, \
            bit-depth. Flags (leveler, trim, dither) take true or false. Options given on the \
            command line win over the preset's. An unknown key or a bad value is an error naming \
            the file and the key (exit status 64 when the preset is used).

            Example (~/.config/ltx-audio/presets/delivery.json):
              {"description": "our delivery spec", "target-lufs": -18, "true-peak": -1.5,
               "sample-rate": 44100, "format": "flac", "bit-depth": 16, "leveler": true}
            """)

    @Flag(help: "Print one JSON array: name, source (built-in or user), path, description, settings.")
    var json = false

    @OptionGroup(title: "Output") var conventions: OutputOptions

    func run() throws {
        conventions.apply()
        let status = PresetListing(catalog: .standard(), json: json).run()
        if status != ExitStatus.success { throw ExitCode(status) }
    }
}
