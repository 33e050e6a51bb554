"""``python -m xmsim fetch-history``: download the official Treasury daily par yield curve CSV.

The file comes from the Treasury's CSV download endpoint (home.treasury.gov, "Daily Treasury
Par Yield Curve Rates"), for one year or for all years since 1990. It is validated with
:func:`xmsim.marketdata.history.load_history` before anything is written; nothing is written on
failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from xmsim.marketdata.history import HistoryFormatError, read_history

TREASURY_CSV_URL = (
    "https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
    "daily-treasury-rates.csv/{period}/all?type=daily_treasury_yield_curve"
    "&field_tdr_date_value={period}&page&_format=csv"
)
"""The Treasury's CSV download; ``period`` is a year (``2024``) or ``all``."""

DEFAULT_TIMEOUT_S = 30.0
CHUNK_BYTES = 64 * 1024
USER_AGENT = "xmsim-fetch-history/0.1 (python-urllib)"


def treasury_url(year: int | None) -> str:
    """The download URL for one calendar year, or for every year when ``year`` is None."""
    return TREASURY_CSV_URL.format(period="all" if year is None else f"{int(year):04d}")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "fetch-history",
        help="download the official Treasury daily par yield curve CSV",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    when = p.add_mutually_exclusive_group()
    when.add_argument("--year", type=int, metavar="YYYY", help="one calendar year")
    when.add_argument("--all", action="store_true", help="every year since 1990 (the default)")
    p.add_argument("--out", type=Path, metavar="FILE", help="where to write the CSV")
    p.add_argument("--url", help="download from this URL instead of the Treasury's")
    p.add_argument(
        "--timeout", type=_timeout, default=DEFAULT_TIMEOUT_S, help="seconds, 0 < t <= 3600 [30]"
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.year is not None and not 1990 <= args.year <= dt.date.today().year:
        print(f"error: --year {args.year}: the series runs from 1990 to this year", file=sys.stderr)
        return 2
    url = args.url or treasury_url(args.year)
    out = args.out or Path(f"daily-treasury-par-yield-curve-rates_{args.year or 'all'}.csv")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        print(
            f"error: --url {url!r} is not an http(s) URL: give one such as "
            "https://home.treasury.gov/...",
            file=sys.stderr,
        )
        return 2
    if out.is_dir():
        print(f"error: --out {out} is a folder: name the file to write", file=sys.stderr)
        return 2
    try:
        data = download(url, timeout=args.timeout, progress=not args.quiet)
    except urllib.error.HTTPError as exc:
        print(
            f"error: {url} answered HTTP {exc.code} {exc.reason}; check --year/--url",
            file=sys.stderr,
        )
        return 1
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        print(
            f"error: could not reach {url} ({reason}). You may be offline. Download the CSV in a "
            "browser from home.treasury.gov (Daily Treasury Par Yield Curve Rates) and load it "
            "with the app or xmsim.marketdata.history.load_history, or retry with --url.",
            file=sys.stderr,
        )
        return 1
    try:
        loaded = read_history(data, name=out.name)
    except HistoryFormatError as exc:
        print(f"error: the download is not a valid par yield curve file: {exc}", file=sys.stderr)
        return 1
    _write_atomically(out, data)
    h = loaded.history
    print(f"wrote {out}: {h.dates.size} days, {h.start} to {h.end} ({len(data):,} bytes)")
    for note in loaded.notes:
        print(f"  note: {note}")
    return 0


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"timeout {text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"timeout {text} must be in (0, 3600] seconds")
    return value


def download(url: str, *, timeout: float, progress: bool = True) -> bytes:
    """GET ``url`` [bytes], showing bytes (and percent when the size is known) on stderr."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    parts: list[bytes] = []
    with urllib.request.urlopen(request, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0)
        got = 0
        while chunk := response.read(CHUNK_BYTES):
            parts.append(chunk)
            got += len(chunk)
            if progress:
                pct = f" ({100 * got / total:.0f}%)" if total else ""
                print(f"\rdownloading: {got:,} bytes{pct}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return b"".join(parts)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
