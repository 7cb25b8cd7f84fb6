import ArgumentParser
import LTXAudioApp

/// `--quiet` and `--verbose`, shared by every command: how much goes to standard error.
/// Standard output carries only the report or the JSON document either way.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print only errors on standard error (no warnings, notes or progress).")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Also print per-file detail on standard error: gains tried, passes, time per phase.")
    var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose exclude each other; give one") }
    }

    /// Sets the console's verbosity; call first in `run()`.
    func apply() {
        Console.standard.verbosity = quiet ? .quiet : verbose ? .verbose : .normal
    }
}
