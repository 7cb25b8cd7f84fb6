import FileSafety
import Testing

@Suite struct TemporaryNameTests {
    @Test func aNameGivesBackItsPid() {
        let name = TemporaryName.make(pid: 4242, serial: 17, base: "take.flac")
        #expect(name == ".ltx-audio-tmp-4242-17-take.flac")
        #expect(TemporaryName.owner(of: name) == 4242)
        // Dashes in the base are the base's own.
        #expect(TemporaryName.owner(of: TemporaryName.make(pid: 7, serial: 3735928559, base: "a-b-c.wav")) == 7)
    }

    /// A 255-byte base (ASCII, then two-byte characters) is shortened at a character boundary,
    /// only as much as the name needs, and the name still parses.
    @Test(arguments: [String(repeating: "a", count: 251) + ".wav", String(repeating: "\u{E9}", count: 125) + "x.wav"])
    func aLongBaseIsShortenedToFit(_ base: String) throws {
        #expect(base.utf8.count == 255)
        let name = TemporaryName.make(pid: 2147483646, serial: 123456, base: base)
        #expect(name.utf8.count <= TemporaryName.maxNameBytes)
        #expect(name.utf8.count >= TemporaryName.maxNameBytes - 1, "shortened by whole characters only as needed")
        #expect(TemporaryName.owner(of: name) == 2147483646)
        let head = ".ltx-audio-tmp-2147483646-123456-"
        #expect(name.hasPrefix(head))
        let kept = String(name.dropFirst(head.count))
        #expect(!kept.isEmpty && base.hasPrefix(kept))
        #expect(String(decoding: Array(name.utf8), as: UTF8.self) == name, "valid UTF-8, no character cut in half")
    }

    @Test(arguments: [
        "", "take.wav", ".ltx-audio-tmp-notes.txt", "ltx-audio-tmp-12-1-x.wav", ".ltx-audio-tmp-0-1-x.wav",
        ".ltx-audio-tmp--1-1-x.wav", ".ltx-audio-tmp-12-x-y.wav", ".ltx-audio-tmp-12", ".ltx-audio-tmp-99999999999-1-x.wav",
    ])
    func otherNamesHaveNoOwner(_ name: String) {
        #expect(TemporaryName.owner(of: name) == nil)
    }
}
