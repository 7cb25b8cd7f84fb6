/// The input of `fal-ai/ltx-2.3-quality/text-to-audio` (and of its `/lora` variant).
///
/// Optional fields left nil are not sent, so fal's defaults apply. ``validate()`` checks the
/// card's ranges; ``FalQueueClient/submit(_:input:events:)`` calls it before anything is sent.
public struct LTXTextToAudioInput: Codable, Sendable, Hashable, FalValidatable {
    /// What to generate. Required, not blank.
    public var prompt: String
    /// Duration in LTX video-frame units, 9...481 (default 121). Prefer values of the form 8k+1.
    public var numFrames: Int?
    /// Frame rate used to derive the duration, 1...60 (default 24). Seconds ≈ numFrames / fps.
    public var framesPerSecond: Double?
    /// Inference steps, 8...30 (default 15).
    public var numInferenceSteps: Int?
    /// Classifier-free guidance scale, 1...20 (default 1).
    public var guidanceScale: Double?
    /// What to steer away from.
    public var negativePrompt: String?
    /// Random seed; the seed actually used comes back in the output.
    public var seed: Int?
    /// Let fal expand the prompt (default false).
    public var enablePromptExpansion: Bool?
    /// fal's safety checker (default true).
    public var enableSafetyChecker: Bool?
    /// Return the audio inline as a `data:` URI (default false).
    public var syncMode: Bool?
    /// LoRA weights (at most 3); when non-empty the `/lora` endpoint is used.
    public var loras: [LTXLoRA]?

    public static let numFramesRange = 9...481
    public static let framesPerSecondRange = 1.0...60.0
    public static let numInferenceStepsRange = 8...30
    public static let guidanceScaleRange = 1.0...20.0
    public static let maxLoRAs = 3

    enum CodingKeys: String, CodingKey {
        case prompt, numFrames = "num_frames", framesPerSecond = "frames_per_second"
        case numInferenceSteps = "num_inference_steps", guidanceScale = "guidance_scale"
        case negativePrompt = "negative_prompt", seed, enablePromptExpansion = "enable_prompt_expansion"
        case enableSafetyChecker = "enable_safety_checker", syncMode = "sync_mode", loras
    }

    public init(
        prompt: String, numFrames: Int? = nil, framesPerSecond: Double? = nil, numInferenceSteps: Int? = nil,
        guidanceScale: Double? = nil, negativePrompt: String? = nil, seed: Int? = nil,
        enablePromptExpansion: Bool? = nil, enableSafetyChecker: Bool? = nil, syncMode: Bool? = nil,
        loras: [LTXLoRA]? = nil
    ) {
        self.prompt = prompt
        self.numFrames = numFrames
        self.framesPerSecond = framesPerSecond
        self.numInferenceSteps = numInferenceSteps
        self.guidanceScale = guidanceScale
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.enablePromptExpansion = enablePromptExpansion
        self.enableSafetyChecker = enableSafetyChecker
        self.syncMode = syncMode
        self.loras = loras
    }

    /// The endpoint this input goes to: `/lora` when LoRAs are given.
    public var endpoint: FalEndpoint {
        (loras?.isEmpty ?? true) ? .ltxTextToAudio : .ltxTextToAudioLoRA
    }

    /// The approximate duration in seconds (numFrames / fps, with fal's defaults).
    public var approximateSeconds: Double {
        Double(numFrames ?? 121) / (framesPerSecond ?? 24)
    }

    /// `num_frames` for a duration: the value of the form 8k+1 nearest to `seconds * fps`,
    /// clamped to 9...481.
    /// - Throws: `FalError.invalidInput` when `seconds` is not positive or `fps` is out of range.
    public static func numFrames(duration seconds: Double, fps: Double = 24) throws -> Int {
        guard seconds.isFinite, seconds > 0 else {
            throw FalError(.invalidInput, "duration \(seconds) s is not a positive number of seconds", field: "duration")
        }
        guard fps.isFinite, framesPerSecondRange.contains(fps) else {
            throw FalError(.invalidInput, "frames_per_second \(format(fps)) is out of range 1...60", field: "frames_per_second")
        }
        let target = seconds * fps
        let k = ((target - 1) / 8).rounded()
        let frames = k > 1000 ? 8001 : 8 * Int(max(k, 0)) + 1
        return min(max(frames, numFramesRange.lowerBound), numFramesRange.upperBound)
    }

    public func validate() throws {
        if prompt.trimmingWhitespace().isEmpty {
            throw FalError(.invalidInput, "prompt is empty: give a description of the audio to generate", field: "prompt")
        }
        if let n = numFrames, !Self.numFramesRange.contains(n) {
            throw FalError(.invalidInput, "num_frames \(n) is out of range 9...481 (at 24 fps, 481 frames ≈ 20 s)", field: "num_frames")
        }
        if let f = framesPerSecond, !(f.isFinite && Self.framesPerSecondRange.contains(f)) {
            throw FalError(.invalidInput, "frames_per_second \(Self.format(f)) is out of range 1...60", field: "frames_per_second")
        }
        if let s = numInferenceSteps, !Self.numInferenceStepsRange.contains(s) {
            throw FalError(.invalidInput, "num_inference_steps \(s) is out of range 8...30", field: "num_inference_steps")
        }
        if let g = guidanceScale, !(g.isFinite && Self.guidanceScaleRange.contains(g)) {
            throw FalError(.invalidInput, "guidance_scale \(Self.format(g)) is out of range 1...20", field: "guidance_scale")
        }
        if let loras {
            if loras.count > Self.maxLoRAs {
                throw FalError(.invalidInput, "loras: \(loras.count) given, at most 3 are allowed", field: "loras")
            }
            for l in loras { try l.validate() }
        }
    }

    static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e12 ? String(Int(d)) : String(d)
    }
}

/// One LoRA for the `/lora` endpoint.
public struct LTXLoRA: Codable, Sendable, Hashable {
    /// A public https URL of the weights (fal downloads them).
    public var path: String
    /// The LoRA strength (default 1).
    public var scale: Double

    public init(path: String, scale: Double = 1) {
        self.path = path
        self.scale = scale
    }

    /// Parses `URL[:SCALE]` (the scale is what follows the last `:` if it is a number).
    public static func parse(_ text: String) throws -> LTXLoRA {
        if let colon = text.lastIndex(of: ":"), let scale = Double(text[text.index(after: colon)...]) {
            let l = LTXLoRA(path: String(text[..<colon]), scale: scale)
            try l.validate()
            return l
        }
        let l = LTXLoRA(path: text)
        try l.validate()
        return l
    }

    func validate() throws {
        guard let u = HTTPURL(path), u.isHTTPS else {
            throw FalError(.invalidInput, "loras: path '\(FalText.sanitize(path, limit: 100))' must be a public https URL", field: "loras")
        }
        guard scale.isFinite else {
            throw FalError(.invalidInput, "loras: scale \(scale) is not a finite number", field: "loras")
        }
    }
}

/// The output of `fal-ai/ltx-2.3-quality/text-to-audio`. Unknown extra fields are ignored.
public struct LTXTextToAudioOutput: Decodable, Sendable, Hashable {
    /// The generated audio file.
    public let audio: FalFile
    /// The seed actually used.
    public let seed: Int?
    /// The prompt used, after any expansion.
    public let prompt: String?
}
