"""A bigger seeded fuzz run of every tabular input than the suite's (tests/upload/test_fuzz.py).

    python benchmarks/fuzz_inputs.py                 # 20,000 files, seeds 1..10
    python benchmarks/fuzz_inputs.py --scale 5 --seeds 3

Prints, per class, files checked and the time taken, and the totals of the three invariants
(uncaught exceptions, whole-file rejections of a file with a readable row, rows lost without a
message); a failure prints the seed and the message and counts as a failure.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.upload.test_fuzz import COUNTS, fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="files per class x the suite's")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 1..N")
    args = parser.parse_args()
    failures, files = 0, 0
    for cls in COUNTS:
        counts = {k: (v * args.scale if k == cls else 0) for k, v in COUNTS.items()}
        start, done = time.perf_counter(), 0
        for seed in range(1, args.seeds + 1):
            try:
                done += fuzz(counts, seed)
            except Exception as exc:  # report and go on: this is a measurement
                failures += 1
                print(f"FAILED {cls} seed {seed}: {type(exc).__name__}: {str(exc)[:300]}")
        files += done
        elapsed = time.perf_counter() - start
        per_file = 1e3 * elapsed / max(done, 1)
        print(f"{cls:15s} {done:7,d} files  {elapsed:6.1f} s  {per_file:.2f} ms/file")
    print(f"total {files:,} files, {failures} failing seed-class runs")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
