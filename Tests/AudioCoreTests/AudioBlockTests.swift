import AudioCore
import Testing

@Suite struct AudioBlockTests {
    @Test func planarStorageKeepsChannelsApart() {
        var block = AudioBlock(channelCount: 2, capacity: 4)
        block.withMutableChannel(1) { $0[0] = 7 }
        block.frameCount = 2
        #expect(block.channel(0) == [0, 0])
        #expect(block.channel(1) == [7, 0])
    }

    @Test func appendAndRemoveFirstMoveFrames() {
        let a = AudioBlock(channels: [[1, 2, 3], [4, 5, 6]])
        var b = AudioBlock(channelCount: 2, capacity: 5)
        b.append(a, from: 1, count: 2)
        b.append(a)
        #expect(b.channels == [[2, 3, 1, 2, 3], [5, 6, 4, 5, 6]])
        b.removeFirst(3)
        #expect(b.channels == [[2, 3], [5, 6]])
    }

    @Test func reserveKeepsValidFrames() {
        var b = AudioBlock(channels: [[1, 2], [3, 4]])
        b.reserve(capacity: 10)
        #expect(b.capacity == 10)
        #expect(b.channels == [[1, 2], [3, 4]])
    }

    @Test func inferredLayoutsFollowWaveDefaults() {
        #expect(ChannelLayout.inferred(channelCount: 1) == .mono)
        #expect(ChannelLayout.inferred(channelCount: 6).roles[3] == .lfe)
        #expect(ChannelLayout.inferred(channelCount: 6).roles.map(\.loudnessWeight) == [1, 1, 1, 0, 1.41, 1.41])
        #expect(ChannelLayout.inferred(channelCount: 7).roles.allSatisfy { $0 == .unknown })
    }

    @Test func levelsFormatAndConvert() {
        #expect(Decibels(-6.0206).amplitude > 0.4999 && Decibels(-6.0206).amplitude < 0.5001)
        #expect(Decibels(amplitude: 0).value == -.infinity)
        #expect(LUFS(-.infinity).description == "-inf LUFS")
        #expect(LUFS(-14.04).description == "-14.0 LUFS")
    }

    @Test func bufferSourceServesBlocksThenZero() throws {
        let samples = AudioBlock(channels: [[1, 2, 3, 4, 5]])
        var source = BufferSource(format: AudioFormat(sampleRate: 8000, channelCount: 1), samples: samples)
        var block = AudioBlock(channelCount: 1, capacity: 2)
        var seen: [Float] = []
        while try source.read(into: &block) > 0 { seen += block.channel(0) }
        #expect(seen == [1, 2, 3, 4, 5])
        try source.rewind()
        #expect(try source.read(into: &block) == 2)
    }
}
