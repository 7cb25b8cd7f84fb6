// `import AudioFileMastering` (the `LTXAudio` product) brings the whole engine: the value types,
// the kernels, the stages and the file I/O, so an app needs one import.
@_exported import AudioCore
@_exported import AudioIO
@_exported import DSP
@_exported import Mastering
