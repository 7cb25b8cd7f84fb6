#!/usr/bin/env python3
"""Master a library of audio files on a Ray cluster (or a local Ray on this machine) with
`ltx-audio master`, one task per shard, and gather every task's JSON lines into one report.

Each task runs

    ltx-audio master --files-from - --base BASE --shard K/N --jsonl -o OUTPUT [MASTER_ARGS...]

with the whole list on its standard input: the tool itself picks shard K's files (a stable hash
of each file's path relative to BASE), so the partition is the same on every node, whatever
the order of the list, and re-running the script finishes only what is missing (existing
outputs are skipped).

    python ray_master.py downloads/ -o mastered/                      # a local Ray, started here
    python ray_master.py list.txt --base /data/clips -o /data/out --shards 64 \\
        --address ray://head:10001 --binary /opt/ltx-audio/bin/ltx-audio -- --preset podcast

On a cluster, the binary, the inputs and the output folder must be at the same paths on
every node (a shared file system).
"""

import argparse
import json
import os
import subprocess
import sys

# The extensions `ltx-audio master` treats as audio when walking a folder.
AUDIO_EXTENSIONS = {
    ".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".aifc", ".caf",
    ".w64", ".rf64", ".au", ".snd", ".m4a", ".aac",
}


def list_inputs(source):
    """The input paths of a folder (walked, hidden names skipped) or of a list file (one a line)."""
    if os.path.isdir(source):
        found = []
        for root, dirs, files in os.walk(source):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith(".") and os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS:
                    found.append(os.path.join(root, name))
        return found
    with open(source, encoding="utf-8") as f:
        return [line.rstrip("\r\n") for line in f if line.strip()]


def master_shard(binary, paths, base, output, shard, shards, master_args, timeout):
    """Runs one shard; returns its exit status, its JSON lines and the end of its stderr."""
    command = [binary, "master", "--files-from", "-", "--base", base, "--shard", f"{shard}/{shards}",
               "--jsonl", "-o", output] + master_args
    try:
        done = subprocess.run(command, input="\n".join(paths) + "\n", capture_output=True, text=True,
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"shard": f"{shard}/{shards}", "status": None, "lines": [], "stderr": str(error)}
    lines = []
    for number, line in enumerate(done.stdout.splitlines(), 1):
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            lines.append({"status": "failed", "error": f"shard {shard}/{shards}: stdout line {number} is not JSON: {line[:200]}"})
    return {"shard": f"{shard}/{shards}", "status": done.returncode, "lines": lines, "stderr": done.stderr[-4000:]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", help="a folder of audio files, or a file listing one path a line")
    parser.add_argument("-o", "--output", required=True, help="the output folder (mirrors the paths below --base)")
    parser.add_argument("--base", help="the folder the outputs mirror (default: the input folder, or the list's common folder)")
    parser.add_argument("--shards", type=int, default=0, help="tasks to split the files into (default: the cluster's CPUs)")
    parser.add_argument("--address", help="an existing Ray cluster (ray://host:10001, or 'auto'); default: start a local Ray")
    parser.add_argument("--num-cpus", type=int, default=2, help="CPUs of the local Ray (default 2)")
    parser.add_argument("--binary", default="ltx-audio", help="the ltx-audio executable on every node (default: on PATH)")
    parser.add_argument("--report", help="write the gathered report (JSON) here; default: print the summary only")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a shard may take (default 3600)")
    parser.add_argument("master_args", nargs="*", help="after --: more `ltx-audio master` options (--preset podcast ...)")
    args = parser.parse_args(argv)

    paths = list_inputs(args.inputs)
    if not paths:
        print(f"ray_master: no audio files in {args.inputs}", file=sys.stderr)
        return 1
    base = args.base or (args.inputs if os.path.isdir(args.inputs)
                         else os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths]))
    binary = args.binary if os.path.sep not in args.binary else os.path.abspath(args.binary)
    output = os.path.abspath(args.output)
    base = os.path.abspath(base)
    paths = [os.path.abspath(p) for p in paths]

    import ray  # imported here so --help works without Ray

    if args.address:
        ray.init(address=args.address, log_to_driver=False)
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    try:
        shards = args.shards or max(1, int(ray.cluster_resources().get("CPU", 1)))
        task = ray.remote(num_cpus=1)(master_shard)
        futures = [task.remote(binary, paths, base, output, k, shards, args.master_args, args.timeout)
                   for k in range(1, shards + 1)]
        results = ray.get(futures)
    finally:
        ray.shutdown()

    files, summaries, problems = [], [], []
    for r in results:
        for line in r["lines"]:
            if "summary" in line:
                summaries.append(dict(line["summary"], exit_status=r["status"]))
            else:
                files.append(line)
        if r["status"] not in (0, 1, 2):
            problems.append(f"shard {r['shard']}: ltx-audio ended with status {r['status']}: {r['stderr'].strip()[-500:]}")
    counts = {k: sum(1 for f in files if f.get("status") == k) for k in ("mastered", "skipped", "failed")}
    report = {"inputs": len(paths), "shards": shards, "files": files, "shard_summaries": summaries,
              "summary": dict(counts, reported=len(files), problems=problems)}
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2, sort_keys=True)
    for p in problems:
        print(f"ray_master: {p}", file=sys.stderr)
    for f in files:
        if f.get("status") == "failed":
            print(f"ray_master: failed: {f.get('error') or f.get('path')}", file=sys.stderr)
    print(f"{len(paths)} inputs in {shards} shards: {counts['mastered']} mastered, {counts['skipped']} skipped, "
          f"{counts['failed']} failed; outputs in {output}")
    return 1 if counts["failed"] or problems or len(files) < len(paths) else 0


if __name__ == "__main__":
    sys.exit(main())
