/// The `--json` document of `master`.
package struct MasterDocument: Codable, Sendable {
    package struct Summary: Codable, Sendable {
        package var mastered: Int
        package var skipped: Int
        package var failed: Int
        package var planned = 0
        package var outOfTolerance = 0
        package var elapsedSeconds: Double
        enum CodingKeys: String, CodingKey {
            case mastered, skipped, failed, planned
            case outOfTolerance = "out_of_tolerance"
            case elapsedSeconds = "elapsed_s"
        }
    }
    package var version = LTXAudioVersion.software
    package var files: [MasterFileReport]
    package var summary: Summary
}
