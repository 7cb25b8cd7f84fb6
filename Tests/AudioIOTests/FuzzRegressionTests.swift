import AudioCore
import AudioIO
import Foundation
import Testing
import TestSupport

/// Inputs that the fuzzer (Fuzz/run-fuzz.sh) found crashing, hanging or exhausting memory,
/// decoded through the normal readers. Each file in `Fuzz/regressions/audio/` must now either
/// decode with finite samples or be refused with an `AudioIOError`, quickly.
@Suite struct FuzzRegressionTests {
    static let folder = Repository.root + "/Fuzz/regressions/audio"
    static let inputs: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()

    /// Decodes up to 10 s of audio; returns the error, if any.
    func decode(_ reader: () throws -> SoundFileReader) -> AudioIOError? {
        do {
            let r = try reader()
            var block = AudioBlock(channelCount: r.format.channelCount, capacity: 4096)
            var frames = 0
            while try r.read(into: &block) > 0, frames < 10 * r.format.sampleRate {
                frames += block.frameCount
                for c in 0..<block.channelCount { _ = block.channel(c).allSatisfy(\.isFinite) }
            }
            return nil
        } catch {
            return error as? AudioIOError
        }
    }

    @Test func thereAreRegressionInputs() {
        #expect(!Self.inputs.isEmpty, "Fuzz/regressions/audio/ is empty or missing")
    }

    @Test(arguments: inputs)
    func decodesOrIsRefusedFromFileAndMemory(_ name: String) throws {
        let path = Self.folder + "/" + name
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let fromFile = decode { try SoundFileReader(path: path) }
        let fromMemory = decode { try SoundFileReader(bytes: bytes, name: path) }
        #expect(fromFile?.code == fromMemory?.code)
        #expect(fromFile?.message == fromMemory?.message)
    }

    @Test func aHeaderClaimingGigahertzIsRefusedBeforeAllocating() throws {
        // Found by the fuzzer: a W64 header of 1852719424 Hz made the meters allocate ~2 GB.
        let path = Self.folder + "/oom-w64-rate-1852719424hz.w64"
        let e = #expect(throws: AudioIOError.self) { _ = try SoundFileReader(path: path) }
        #expect(e?.code == .malformed)
        #expect(e?.message.contains("sample rate of 1852719424 Hz") == true)
    }
}
