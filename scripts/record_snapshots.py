"""Record (or check) the CLI output of every sample: the behaviour snapshot for refactors.

    python scripts/record_snapshots.py            # write tests/snapshots/*.txt
    python scripts/record_snapshots.py --check    # exit 1 and list what differs

``tests/test_snapshots.py`` runs the same check in the suite. A deliberate change of the numbers
re-records the snapshots in its own commit and says why.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "sample_portfolios"
SNAPSHOTS = ROOT / "tests" / "snapshots"
OPTIMISED = ("basis_trade", "cash_only", "steepener_2s10s")


def cases() -> dict[str, list[str]]:
    """Snapshot name -> CLI arguments (one output per name)."""
    out: dict[str, list[str]] = {}
    for path in sorted(SAMPLES.glob("*.csv")):
        name, file = path.stem, str(path)
        for arrangement in ("house", "customer"):
            out[f"{name}.run.{arrangement}"] = [
                "run",
                file,
                "--format",
                "json",
                "--arrangement",
                arrangement,
                "--quiet",
            ]
        out[f"{name}.risk"] = ["risk", file, "--format", "json"]
        if name in OPTIMISED:
            out[f"{name}.optimize.hedge"] = [
                "optimize",
                file,
                "--hedge",
                "--format",
                "json",
                "--quiet",
            ]
    out["basis_trade.optimize.allocate"] = [
        "optimize",
        str(SAMPLES / "basis_trade.csv"),
        "--allocate",
        "--format",
        "json",
        "--quiet",
    ]
    return out


def capture(argv: list[str]) -> str:
    from xmsim.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(argv)
    return f"exit {code}\n{buffer.getvalue()}"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    differ = []
    for name, args in cases().items():
        text = capture(args)
        path = SNAPSHOTS / f"{name}.txt"
        if check:
            if not path.is_file() or path.read_text() != text:
                differ.append(name)
        else:
            path.write_text(text)
    if differ:
        print("differs from the snapshot:", ", ".join(differ))
        return 1
    print("checked" if check else "recorded", len(cases()), "snapshots")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
