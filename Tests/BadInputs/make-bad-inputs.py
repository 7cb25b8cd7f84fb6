#!/usr/bin/env python3
"""Writes the bad-input matrix into a folder: broken, extreme and odd audio files.

Usage: make-bad-inputs.py FOLDER [GROUP...]     write the cases (groups: matrix loops names; default all)
       make-bad-inputs.py --digest FOLDER         print {relative path: sha256 or "-> link target"} as JSON

Python 3 standard library only and deterministic: the same bytes on every run, so the
files need not be committed. `Tests/CLITests/BadInputMatrixTests.swift` runs it into a
temporary folder, then runs the built binary on the cases and checks each outcome.

Layout of FOLDER:
  matrix/     one file per case, mastered together in one batch (each checked on its own)
  loops/      symbolic link loops and named pipes beside one good file
  names/      a non-UTF-8 name and 255-byte names (each holds a good file)
  manifest.json  {"cases": {"matrix/header/cut-010.wav": "what it is", ...}}

Every case in manifest.json must have an expected outcome in the Swift test, so a case
added here without one fails the suite.
"""

import hashlib
import json
import math
import os
import struct
import sys

PCM = 1
FLOAT = 3
EXTENSIBLE = 0xFFFE


def chunk(tag, body, size=None):
    """A RIFF chunk; `size` overrides the length field (the body is written as given)."""
    n = len(body) if size is None else size
    pad = b"\0" if len(body) % 2 else b""
    return tag + struct.pack("<I", n & 0xFFFFFFFF) + body + pad


def fmt_body(tag, channels, rate, bits):
    block_align = channels * bits // 8
    return struct.pack("<HHIIHH", tag, channels & 0xFFFF, rate & 0xFFFFFFFF,
                       (rate * block_align) & 0xFFFFFFFF, block_align & 0xFFFF, bits)


def riff(chunks, riff_size=None):
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", (len(body) if riff_size is None else riff_size) & 0xFFFFFFFF) + body


def wav(samples, channels=1, rate=8000, kind="pcm16", data_size=None, fmt_size=None, riff_size=None,
        extra_before_data=b""):
    """A canonical WAV of interleaved `samples` (floats in -1...1 for pcm16, raw for float kinds)."""
    if kind == "pcm16":
        tag, bits = PCM, 16
        data = b"".join(struct.pack("<h", max(-32768, min(32767, int(round(s * 32767))))) for s in samples)
    elif kind == "float32":
        tag, bits = FLOAT, 32
        data = b"".join(struct.pack("<f", s) for s in samples)
    elif kind == "float64":
        tag, bits = FLOAT, 64
        data = b"".join(struct.pack("<d", s) for s in samples)
    elif kind == "pcm8":
        tag, bits = PCM, 8
        data = bytes(max(0, min(255, int(round(128 + s * 127)))) for s in samples)
    else:
        raise ValueError(kind)
    fmt = fmt_body(tag, channels, rate, bits)
    return riff([chunk(b"fmt ", fmt, fmt_size), extra_before_data, chunk(b"data", data, data_size)], riff_size)


def sine(frames, rate, freq=440.0, amp=0.5, channels=1):
    out = []
    for i in range(frames):
        v = amp * math.sin(2 * math.pi * freq * i / rate)
        out.extend([v] * channels)
    return out


def write(root, rel, data, cases, what):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    cases[rel] = what


def make_matrix(root, cases):
    # The reference file: 1 s of a 440 Hz sine, 8 kHz mono 16-bit, a 44-byte header.
    good = wav(sine(8000, 8000))
    assert len(good) == 44 + 16000

    # A header cut at every byte offset, then a few cuts inside the data.
    for n in list(range(0, 45)) + [46, 100, 8044]:
        write(root, "matrix/header/cut-%05d.wav" % n, good[:n], cases, "the reference WAV cut after %d bytes" % n)

    # Wrong chunk sizes.
    data = good[44:]
    fmt = fmt_body(PCM, 1, 8000, 16)
    write(root, "matrix/chunks/riff-size-zero.wav", wav(sine(8000, 8000), riff_size=0), cases, "RIFF size 0")
    write(root, "matrix/chunks/riff-size-small.wav", wav(sine(8000, 8000), riff_size=20), cases, "RIFF size 20, less than its chunks")
    write(root, "matrix/chunks/riff-size-huge.wav", wav(sine(8000, 8000), riff_size=0x7FFFFFF0), cases, "RIFF size 2 GiB")
    write(root, "matrix/chunks/fmt-size-14.wav", riff([chunk(b"fmt ", fmt[:14]), chunk(b"data", data)]), cases,
          "fmt chunk of 14 bytes (no bits per sample)")
    write(root, "matrix/chunks/fmt-size-huge.wav", riff([chunk(b"fmt ", fmt, 0x7FFFFFF0), chunk(b"data", data)]), cases,
          "fmt chunk claiming 2 GiB")
    write(root, "matrix/chunks/fmt-size-zero.wav", riff([chunk(b"fmt ", b"", 0), chunk(b"data", data)]), cases,
          "empty fmt chunk")
    write(root, "matrix/chunks/data-size-zero.wav", wav(sine(8000, 8000), data_size=0), cases,
          "data chunk size 0 with 16000 bytes after it")
    write(root, "matrix/chunks/data-size-odd.wav", wav(sine(8000, 8000), data_size=15999), cases,
          "data size 15999: half a sample at the end")
    write(root, "matrix/chunks/data-size-plus-one.wav", wav(sine(8000, 8000), data_size=16001), cases,
          "data size one byte more than the file holds")
    write(root, "matrix/chunks/data-size-ffffffff.wav", wav(sine(8000, 8000), data_size=0xFFFFFFFF), cases,
          "data size 0xFFFFFFFF (streaming writers' 'unknown')")
    write(root, "matrix/chunks/no-data-chunk.wav", riff([chunk(b"fmt ", fmt)]), cases, "fmt chunk and no data chunk")
    write(root, "matrix/chunks/no-fmt-chunk.wav", riff([chunk(b"data", data)]), cases, "data chunk and no fmt chunk")
    write(root, "matrix/chunks/list-size-huge.wav",
          wav(sine(8000, 8000), extra_before_data=chunk(b"LIST", b"INFOISFT\x04\0\0\0abc\0", 0x7FFFFFF0)), cases,
          "a LIST chunk before the data claiming 2 GiB")
    write(root, "matrix/chunks/block-align-zero.wav",
          riff([chunk(b"fmt ", struct.pack("<HHIIHH", PCM, 1, 8000, 16000, 0, 16)), chunk(b"data", data)]), cases,
          "block align 0")
    write(root, "matrix/chunks/bits-zero.wav",
          riff([chunk(b"fmt ", struct.pack("<HHIIHH", PCM, 1, 8000, 16000, 2, 0)), chunk(b"data", data)]), cases,
          "0 bits per sample")
    write(root, "matrix/chunks/unknown-codec.wav",
          riff([chunk(b"fmt ", struct.pack("<HHIIHH", 0x1234, 1, 8000, 16000, 2, 16)), chunk(b"data", data)]), cases,
          "format tag 0x1234 (no such codec)")

    # A header that claims three hours (48 kHz stereo 16-bit) with one second of data.
    one_second = wav(sine(48000, 48000, channels=2), channels=2, rate=48000)
    claims = 3 * 3600 * 48000 * 4
    write(root, "matrix/claims/three-hours.wav", wav(sine(48000, 48000, channels=2), channels=2, rate=48000, data_size=claims),
          cases, "header claims 3 h, 1 s of data")
    assert len(one_second) == 44 + 48000 * 4

    # Channel counts.
    write(root, "matrix/channels/zero-channels.wav",
          riff([chunk(b"fmt ", struct.pack("<HHIIHH", PCM, 0, 8000, 0, 0, 16)), chunk(b"data", data)]), cases, "0 channels")
    write(root, "matrix/channels/1024-channels.wav", wav(sine(200, 8000, channels=1024), channels=1024), cases,
          "1024 channels, 200 frames at 8 kHz")
    write(root, "matrix/channels/1024-channels-768khz.wav", wav(sine(8, 768000, channels=1024), channels=1024, rate=768000),
          cases, "1024 channels at 768 kHz, 8 frames (786 million samples per second)")
    write(root, "matrix/channels/65535-channels.wav", wav(sine(2, 8000, channels=65535), channels=65535), cases,
          "65535 channels, 2 frames")

    # Sample rates.
    write(root, "matrix/rates/rate-1hz.wav", wav(sine(16, 1, freq=0.25), rate=1), cases, "1 Hz, 16 frames")
    write(root, "matrix/rates/rate-768khz.wav", wav(sine(76800, 768000, freq=1000), rate=768000), cases,
          "768 kHz, 0.1 s")
    write(root, "matrix/rates/rate-2ghz.wav", wav(sine(100, 8000), rate=2000000000), cases,
          "2 GHz (a damaged header; buffers scale with the rate)")
    write(root, "matrix/rates/rate-zero.wav", wav(sine(8000, 8000), rate=0), cases, "0 Hz")

    # Floating-point specials.
    tone = sine(8000, 8000)
    for name, value, desc in [("nan", float("nan"), "a NaN"), ("pos-inf", float("inf"), "+Inf"),
                              ("neg-inf", float("-inf"), "-Inf")]:
        x = list(tone)
        x[4000] = value
        write(root, "matrix/float/%s.wav" % name, wav(x, kind="float32"), cases, "32-bit float with %s at frame 4000" % desc)
    x = list(tone)
    x[100] = float("nan")
    write(root, "matrix/float/nan-float64.wav", wav(x, kind="float64"), cases, "64-bit float with a NaN at frame 100")
    tiny = 1e-40  # a float32 denormal (subnormal)
    write(root, "matrix/float/denormal-tail.wav",
          wav(sine(4000, 8000) + [tiny * (1 if i % 2 else -1) for i in range(4000)], kind="float32"), cases,
          "0.5 s of tone, then 0.5 s of denormals")
    write(root, "matrix/float/denormal-only.wav", wav([tiny * (1 if i % 3 else -1) for i in range(8000)], kind="float32"),
          cases, "1 s of denormals only")
    write(root, "matrix/float/over-full-scale.wav", wav(sine(8000, 8000, amp=4.0), kind="float32"), cases,
          "float samples up to 4.0 (+12 dBFS)")

    # Signals.
    write(root, "matrix/signal/dc-offset.wav", wav([0.5 + v * 0.4 for v in sine(8000, 8000, amp=1.0)]), cases,
          "a tone riding on +0.5 DC")
    write(root, "matrix/signal/dc-only.wav", wav([0.5] * 8000), cases, "constant +0.5 (DC only)")
    write(root, "matrix/signal/square-full-scale.wav",
          wav([1.0 if (i // 20) % 2 == 0 else -1.0 for i in range(16000)], rate=16000), cases,
          "full-scale 400 Hz square, 16-bit")
    write(root, "matrix/signal/square-full-scale-float.wav",
          wav([1.0 if (i // 60) % 2 == 0 else -1.0 for i in range(48000)], rate=48000, kind="float32"), cases,
          "full-scale 400 Hz square, 32-bit float at 48 kHz")

    # One-sample files.
    write(root, "matrix/short/one-sample-16bit.wav", wav([0.5]), cases, "one 16-bit sample")
    write(root, "matrix/short/one-sample-float.wav", wav([0.5], kind="float32"), cases, "one float sample")
    write(root, "matrix/short/one-frame-stereo.wav", wav([0.5, -0.5], channels=2), cases, "one stereo frame")
    write(root, "matrix/short/one-sample-8bit.wav", wav([0.5], kind="pcm8"), cases, "one 8-bit sample")


def make_loops(root, cases):
    good = wav(sine(8000, 8000))
    write(root, "loops/real.wav", good, cases, "a good file beside the loops")
    d = os.path.join(root, "loops")
    os.makedirs(os.path.join(d, "sub"), exist_ok=True)
    os.symlink("self.wav", os.path.join(d, "self.wav"))          # a link to itself (ELOOP)
    os.symlink("pong.wav", os.path.join(d, "ping.wav"))          # two links pointing at each other
    os.symlink("ping.wav", os.path.join(d, "pong.wav"))
    os.symlink("..", os.path.join(d, "sub", "up"))               # a folder link back up
    os.symlink(".", os.path.join(d, "here"))                     # a folder link to itself
    os.symlink("missing.wav", os.path.join(d, "dangling.wav"))   # a link to nothing
    os.mkfifo(os.path.join(d, "pipe.wav"))                       # reading it would block forever
    os.mkfifo(os.path.join(d, "pipe"))
    for rel, what in [("loops/self.wav", "a symbolic link to itself"), ("loops/ping.wav", "links pointing at each other"),
                      ("loops/pong.wav", "links pointing at each other"), ("loops/sub/up", "a folder link to its parent"),
                      ("loops/here", "a folder link to itself"), ("loops/dangling.wav", "a link to a missing file"),
                      ("loops/pipe.wav", "a named pipe with an audio name"), ("loops/pipe", "a named pipe")]:
        cases[rel] = what


def make_names(root, cases):
    good = wav(sine(8000, 8000))
    d = os.path.join(root, "names")
    os.makedirs(d, exist_ok=True)
    # Latin-1 "café.wav": not valid UTF-8. Written through a bytes path.
    with open(os.fsencode(d) + b"/caf\xe9.wav", "wb") as f:
        f.write(good)
    cases["names/caf\\xE9.wav"] = "a name that is not UTF-8 (Latin-1 e-acute)"
    long_ascii = "a" * (255 - 4) + ".wav"
    write(root, "names/" + long_ascii, good, cases, "a 255-byte ASCII name")
    long_utf8 = "\u00e9" * 125 + "x.wav"  # 250 + 5 = 255 bytes
    assert len(long_utf8.encode()) == 255
    write(root, "names/" + long_utf8, good, cases, "a 255-byte name of two-byte characters")


def digest(root):
    """Every entry below `root` (links not followed), names as bytes escaped like the tool does."""
    out = {}
    broot = os.fsencode(root)
    for dirpath, dirnames, filenames in os.walk(broot, followlinks=False):
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, broot)
            try:
                key = rel.decode("utf-8")
            except UnicodeDecodeError:
                key = "".join(chr(b) if b < 0x80 else "\\x%02X" % b for b in rel)
            if os.path.islink(path):
                out[key] = "-> " + os.readlink(path).decode(errors="replace")
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    out[key] = hashlib.sha256(f.read()).hexdigest()
            elif os.path.isdir(path):
                out[key] = "folder"
            else:
                out[key] = "special"  # a pipe: never opened, it would block
    return out


GROUPS = {"matrix": make_matrix, "loops": make_loops, "names": make_names}


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--digest":
        json.dump(digest(args[1]), sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
        return
    if not args or any(g not in GROUPS for g in args[1:]):
        sys.stderr.write(__doc__)
        sys.exit(64)
    root = args[0]
    os.makedirs(root, exist_ok=True)
    cases = {}
    for group in args[1:] or list(GROUPS):
        GROUPS[group](root, cases)
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
