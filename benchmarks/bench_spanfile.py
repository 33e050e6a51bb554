"""Loading CME SPAN risk-parameter files: time and peak memory (prints, no assertions).

Target: a generated positional file of 200,000 records (the eligible contracts mixed into many
other products) loads in < 5 s with peak memory < 300 MB; the same for its zip and for an XML
file with as many other futures portfolios. Run: ``python benchmarks/bench_spanfile.py``.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

from _util import fmt_s, once, target

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fixture writer
from tests.engines.span.spanfile_writer import fixture_from_params, write_pa2, write_spn
from xmsim.engines.span.params_io import default_span_params, load_span_params


def measure(label: str, path: Path) -> None:
    seconds, params = once(lambda: load_span_params(path))
    tracemalloc.start()  # a second load under tracemalloc (which slows it) for the peak
    load_span_params(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = path.stat().st_size / 1e6
    verdict = "met" if peak < 300e6 else "MISSED"
    print(
        f"{label:<28} {size:7.1f} MB  {fmt_s(seconds):>9} {target(seconds, 5.0)}  "
        f"peak Python heap {peak / 1e6:6.1f} MB (target < 300 MB: {verdict})"
    )
    assert params.products


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    months = {p.code: [202609, 202612, 202703, 202706] for p in default_span_params().products}
    fx = fixture_from_params(default_span_params(), months)
    eligible = len(write_pa2(fx).splitlines())
    fx.others = max(args.records - eligible, 0)
    with tempfile.TemporaryDirectory() as tmp:
        pa2 = Path(tmp) / "cme.20260731.s.pa2"
        pa2.write_text(write_pa2(fx), encoding="latin-1")
        n = sum(1 for _ in pa2.open(encoding="latin-1"))
        zipped = Path(tmp) / "cme.20260731.s.pa2.zip"
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(pa2, pa2.name)
        print(f"positional file: {n:,} records ({eligible} of the eligible contracts)")
        measure("positional .pa2", pa2)
        measure("positional .pa2.zip", zipped)
        fx.others = fx.others // 4  # an XML futures portfolio is ~20 lines; keep sizes similar
        spn = Path(tmp) / "cme.20260731.s.spn"
        spn.write_text(write_spn(fx), encoding="utf-8")
        print(f"XML file: {fx.others:,} other futures portfolios")
        measure("XML .spn", spn)
        buf = io.BytesIO(pa2.read_bytes())
        seconds, _ = once(lambda: load_span_params(buf.getvalue(), pa2.name))
        print(f"{'positional, uploaded bytes':<34} {'':8}    {fmt_s(seconds):>9}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS (whole script, incl. writing the files): {rss:.0f} MB")


if __name__ == "__main__":
    main()
