/// The `--json` document of `master`.
package struct MasterDocument: Codable, Sendable {
    package struct Summary: Codable, Sendable {
        package var mastered: Int
        package var skipped: Int
        package var failed: Int
        package var planned = 0
        package var outOfTolerance = 0
        package var elapsedSeconds: Double
        /// With `--shard`: the shard that ran ("2/8") and how many inputs fell in it.
        package var shard: String?
        package var shardInputs: Int?
        enum CodingKeys: String, CodingKey {
            case mastered, skipped, failed, planned, shard
            case shardInputs = "shard_inputs"
            case outOfTolerance = "out_of_tolerance"
            case elapsedSeconds = "elapsed_s"
        }
    }
    package var version = LTXAudioVersion.software
    package var files: [MasterFileReport]
    package var summary: Summary
}

/// The last line of `--jsonl`: `{"summary": {...}}`.
package struct MasterJSONLinesSummary: Codable, Sendable {
    package var summary: MasterDocument.Summary
}
