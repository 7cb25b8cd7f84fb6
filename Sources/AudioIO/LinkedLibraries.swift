import CSampleRate
import CSndFile

/// The versions of the C libraries this module is linked to, as they report themselves (the
/// first thing a bug report about decoding or resampling needs).
public enum LinkedLibraries {
    /// libsndfile's `sf_version_string()`, e.g. "libsndfile-1.2.0".
    public static var libsndfile: String {
        guard let text = sf_version_string() else { return "libsndfile (version unknown)" }
        return String(cString: text)
    }

    /// libsamplerate's `src_get_version()` up to its copyright notice, e.g. "libsamplerate-0.2.2".
    public static var libsamplerate: String {
        guard let text = src_get_version() else { return "libsamplerate (version unknown)" }
        let full = String(cString: text)
        return full.split(separator: " ", maxSplits: 1).first.map(String.init) ?? full
    }
}
