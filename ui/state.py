"""Session state: defaults, URL query parameters, share links, state bound to one portfolio.

Every setting's default and range comes from ``xmsim.config.SETTINGS`` (in the app's units:
percent for fractions); :data:`PARAMS` adds the app's own choices (source, sample, what-if
leg and ratio). A URL parameter is validated against its row: a malformed or out-of-range
value falls back to the default with a warning naming the parameter, the value and the
accepted range, never a traceback. A share link carries a small uploaded or edited portfolio
(zlib + base64url in ``book=``, at most :data:`MAX_BOOK_CHARS` characters) or says it cannot.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import math
import zlib
from typing import Any

import streamlit as st

from xmsim import config
from xmsim.marketdata.defaults import DEFAULT_ASOF, default_market
from xmsim.upload.loader import sample_paths

SOURCES = ("Sample", "Upload file", "Paste text", "Build by hand")
MAX_BOOK_CHARS = 4000
"""Longest ``book=`` value a share link carries (compressed, base64url) [characters]."""
MAX_BOOK_BYTES = 1_000_000
"""Largest portfolio text a ``book=`` value may expand to [bytes]."""


@dataclasses.dataclass(frozen=True)
class Param:
    """One URL parameter / session key: its default and accepted values in the app's units.

    ``setting`` names the ``xmsim.config`` row it comes from (default, bounds, choices);
    ``scale`` converts the row's units to the app's (100: fractions shown as percent).
    """

    key: str
    setting: str | None = None
    scale: float = 1.0
    default: Any = None
    choices: tuple[str, ...] | None = None
    bounds: tuple[float, float] | None = None
    open: tuple[bool, bool] = (False, False)
    kind: Any = None
    step: float | None = None
    """The widget's step: an open end of the range is one step inside it."""

    def resolved(self) -> Param:
        """The row's default, kind, choices and bounds filled in from ``xmsim.config``."""
        if self.setting is None:
            return self
        s = config.BY_NAME[self.setting]
        default = s.default if self.default is None else self.default
        if default is None and s.choices:  # None = the parameter set's own: the first choice
            default = s.choices[0]
        kind = self.kind or s.kind
        bounds, is_open = self.bounds, self.open
        if s.bounds is not None:  # an open end becomes the last value the widget can take
            lo, hi = (b * self.scale for b in s.bounds)
            step = self.step or 0.0
            lo = lo + step if s.open[0] and step else lo
            hi = hi - step if s.open[1] and step else hi
            bounds = (round(lo, 10), round(hi, 10))
            is_open = (s.open[0] and not step, s.open[1] and not step)
        if isinstance(default, float | int) and not isinstance(default, bool):
            default = kind(round(default * self.scale, 10))
        return dataclasses.replace(
            self, default=default, choices=s.choices or self.choices, bounds=bounds,
            open=is_open, kind=kind,
        )  # fmt: skip

    def accepted(self) -> str:
        """The accepted values in words (for warnings and help texts)."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind is bool:
            return "true or false"
        if self.bounds:
            lo, hi = self.bounds
            left = "above" if self.open[0] else "from"
            right = "below" if self.open[1] else "to"
            high = "no upper limit" if math.isinf(hi) else f"{right} {hi:g}"
            whole = "a whole number " if self.kind is int else "a number "
            return f"{whole}{left} {lo:g} {high}".replace(" no upper", ", no upper")
        return "text"


_PARAMS = (
    Param("src", default="Sample", choices=SOURCES),
    Param("sample", default="basis_trade"),  # choices: the samples found on disk
    Param("arr", "arrangement.arrangement"),
    Param("asof", default=DEFAULT_ASOF.isoformat(), kind="date"),
    Param("cap", "arrangement.cap", scale=100.0, kind=int),
    Param("basis", "arrangement.savings_basis"),
    Param("hist", default="embedded", choices=("embedded", "upload")),
    Param("span", default="default", choices=("default", "calibrated", "uploaded")),
    Param("shown", "span.shown"),
    Param("acct", "span.account_type"),
    Param("conf", "var.confidence", scale=100.0, step=0.1),
    Param("horizon", "var.horizon_days"),
    Param("lookback", "var.lookback_years"),
    Param("stress", "var.stress"),
    Param("mode", "var.mode"),
    Param("floor", "var.floor_pct"),
    Param("addon", "var.addon_pct"),
    Param("leg", default="futures", choices=("futures", "cash")),
    Param("ratio", default=1.0, bounds=(0.0, 2.0), kind=float),
)
PARAMS = {p.key: p.resolved() for p in _PARAMS}
DEFAULTS = {k: p.default for k, p in PARAMS.items()}
SHARED = tuple(k for k in DEFAULTS if k != "src")
KEPT = (*DEFAULTS, "asof_picker", "hedge_contract", "opt_codes", "opt_max", "opt_account",
        "detail_account")  # fmt: skip


def config_values(settings) -> dict[str, Any]:
    """The sidebar's ``(key, value)`` settings as ``xmsim.config`` choices
    (``{"section.key": value}`` in the library's units) for :func:`xmsim.config.run_config`."""
    out = {}
    for key, value in dict(settings).items():
        p = PARAMS[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            out[p.setting] = value
        else:
            out[p.setting] = value / p.scale if p.scale != 1 else value
    return out


def widget_range(key: str) -> tuple[float | None, float | None]:
    """(min, max) of a number widget: the setting's bounds (an open end one step inside, an
    infinite one None: no limit)."""
    p = PARAMS[key]
    cast = int if p.kind is int else float

    def edge(x):
        return None if math.isinf(x) else cast(x)

    return edge(p.bounds[0]), edge(p.bounds[1])


def parse_param(key: str, raw: str) -> tuple[Any, str | None]:
    """A URL value checked against :data:`PARAMS`: (value, None) or (default, the problem)."""
    p = PARAMS[key]
    text = str(raw).strip()
    problem = None
    value: Any = p.default
    if key == "sample":
        names = sorted(sample_paths())
        if text in names:
            return text, None
        problem = "no such sample; accepted: " + ", ".join(names)
    elif p.kind == "date":
        h = default_market().history  # a link cannot carry a loaded history
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
        if day is not None and h.start <= day <= h.end:
            return day.isoformat(), None
        problem = f"accepted: a date (YYYY-MM-DD) from {h.start} to {h.end}"
    elif p.choices:
        match = [c for c in p.choices if c.lower() == text.lower()]
        if match:
            return match[0], None
        problem = f"accepted: {p.accepted()}"
    elif p.kind is bool:
        low = text.lower()
        if low in ("1", "true", "yes", "on"):
            return True, None
        if low in ("0", "false", "no", "off"):
            return False, None
        problem = f"accepted: {p.accepted()}"
    else:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        ok = math.isfinite(number)
        if ok and p.kind is int:
            ok = number == int(number)
        if ok and p.bounds:
            lo, hi = p.bounds
            ok = (number > lo if p.open[0] else number >= lo) and (
                number < hi if p.open[1] else number <= hi
            )
        if ok:
            return (int(number) if p.kind is int else float(number)), None
        problem = f"accepted: {p.accepted()}"
    return value, problem


def init_state() -> None:
    """Widget defaults from the URL (st.query_params) on the first run of a session.

    Each parameter is validated (:func:`parse_param`); a bad one falls back to its default and
    leaves a warning (shown by :func:`show_url_warnings`). ``book=`` opens a shared portfolio
    as pasted rows. On later runs every known widget value is written back so that a widget
    not drawn on the current page keeps its value (Streamlit drops the state of widgets it did
    not draw).
    """
    ss = st.session_state
    if ss.get("_init"):
        for key in KEPT:
            if key in ss:
                ss[key] = ss[key]
        return
    qp = st.query_params
    warnings = []
    for key, default in DEFAULTS.items():
        ss[key] = default
        raw = qp.get(key)
        if raw is None:
            continue
        value, problem = parse_param(key, raw)
        ss[key] = value
        if problem:
            warnings.append(
                f"URL parameter `{key}={raw}` ignored ({problem}); using the default "
                f"{_shown(default)}."
            )
    unknown = sorted(set(qp) - set(DEFAULTS) - {"book"})
    if unknown:
        warnings.append(
            "Unknown URL parameters ignored: " + ", ".join(f"`{k}`" for k in unknown) + "."
        )
    if "book" in qp:
        text, problem = decode_book(qp.get("book") or "")
        if problem:
            warnings.append(f"URL parameter `book` ignored ({problem}); showing the sample.")
        else:
            ss["src"], ss["paste"] = "Paste text", text
    try:
        ss["asof_picker"] = dt.date.fromisoformat(str(ss["asof"]))
    except ValueError:
        ss["asof_picker"] = DEFAULT_ASOF
    ss["_url_warnings"] = warnings
    ss["_init"] = True


def _shown(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else f"{value}"


def show_url_warnings() -> None:
    """The URL's rejected parameters, until dismissed."""
    warnings = st.session_state.get("_url_warnings") or []
    if not warnings:
        return
    st.warning("\n\n".join(warnings), icon=":material/link_off:")
    if st.button("Dismiss", key="url_dismiss"):
        st.session_state["_url_warnings"] = []
        st.rerun()


# ------------------------------------------------------------------------------ share links


def encode_book(text: str) -> str:
    """A portfolio's CSV text as a URL value: zlib (level 9) then base64url without padding."""
    raw = zlib.compress(text.encode("utf-8"), 9)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_book(value: str) -> tuple[str, str | None]:
    """The portfolio text of a ``book=`` value: (text, None) or ("", the problem)."""
    value = value.strip()
    if not value:
        return "", "empty"
    if len(value) > MAX_BOOK_CHARS:
        return "", f"{len(value):,} characters; a link carries at most {MAX_BOOK_CHARS:,}"
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        inflate = zlib.decompressobj()
        data = inflate.decompress(raw, MAX_BOOK_BYTES)
        if inflate.unconsumed_tail:
            return "", f"expands beyond {MAX_BOOK_BYTES:,} bytes"
        if not inflate.eof:
            return "", "truncated: the link was cut"
        return data.decode("utf-8"), None
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError) as exc:
        return "", f"not a portfolio link ({type(exc).__name__})"


def book_link(text: str | None) -> tuple[str | None, str | None]:
    """(``book=`` value, None) for a portfolio small enough for a link, else (None, why)."""
    if text is None:
        return None, None
    value = encode_book(text)
    if len(value) > MAX_BOOK_CHARS:
        return None, (
            f"this portfolio is too large for a link ({len(value):,} characters compressed; "
            f"the limit is {MAX_BOOK_CHARS:,}): share its file instead (Portfolio (CSV) above)"
        )
    return value, None


def share_params(book_text: str | None = None) -> dict[str, str]:
    """The current view as URL parameters: every setting away from its default, and the
    portfolio (a sample's name, or ``book_text`` compressed when it fits)."""
    ss = st.session_state
    out = {k: str(ss[k]) for k in SHARED if k in ss and ss.get(k) != DEFAULTS[k]}
    out.pop("sample", None)
    value, _ = book_link(book_text)
    if value is not None:
        out["book"] = value
    elif ss.get("src") == "Sample" and book_text is None:
        out["sample"] = str(ss.get("sample", DEFAULTS["sample"]))
    return out


def sync_url(book_text: str | None = None) -> None:
    """Write the share parameters into the address bar when they changed."""
    params = share_params(book_text)
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


# ------------------------------------------------------------------------------ bound state


def bind(kind: str, value, fingerprint: str | None, what: str) -> None:
    """Keep ``value`` (e.g. the optimiser's hedge) for the portfolio ``fingerprint`` only;
    ``what`` describes it in the note shown when it is dropped."""
    st.session_state[f"_bound_{kind}"] = (fingerprint, value, what)


def bound(kind: str, fingerprint: str | None):
    """The value bound to this portfolio, or None; a value made on another portfolio is
    dropped here, with a note (:func:`show_dropped`)."""
    ss = st.session_state
    held = ss.get(f"_bound_{kind}")
    if held is None:
        return None
    owner, value, what = held
    if owner == fingerprint:
        return value
    del ss[f"_bound_{kind}"]
    ss.setdefault("_dropped", []).append(
        f"{what} was made on another portfolio and has been dropped: it is not applied to this one."
    )
    return None


def unbind(kind: str) -> None:
    st.session_state.pop(f"_bound_{kind}", None)


def show_dropped() -> None:
    """The notes of :func:`bound` (each shown on the run that dropped its value)."""
    for note in st.session_state.pop("_dropped", []):
        st.warning(note, icon=":material/delete_sweep:")


BOUND_KINDS = ("hedge",)
"""Values bound to one portfolio by :func:`bind` (the optimiser's applied hedge)."""


def check_portfolio(fingerprint: str | None, show: bool = True) -> None:
    """On every run: drop every bound value made on another portfolio, note the what-if
    trades left with the previous portfolio, and show the notes (``show``; else they wait
    for the next run)."""
    for kind in BOUND_KINDS:
        bound(kind, fingerprint)
    ss = st.session_state
    previous = ss.get("_portfolio")
    ss["_portfolio"] = fingerprint
    if previous is not None and previous != fingerprint:
        text = stored("trades").get(previous) or ""
        n = max(len([line for line in text.splitlines() if line.strip(", ")]) - 1, 0)
        if n:
            ss.setdefault("_dropped", []).append(
                f"The {n} what-if trade{'s' if n != 1 else ''} added on the previous portfolio "
                f"{'are' if n != 1 else 'is'} not applied to this one (kept with that "
                "portfolio, back if you return to it)."
            )
    if show:
        show_dropped()


# ------------------------------------------------------------------------------ helpers


def digest(data: bytes | str) -> str:
    """A short content hash naming a file or text in cache keys."""
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:16]


def note_page(name: str) -> bool:
    """Record the page on screen; True when the previous run showed the same page."""
    ss = st.session_state
    same = ss.get("_page") == name
    ss["_page"] = name
    ss["_same_page"] = same
    return same


def stay_on_page() -> bool:
    """True when the previous run showed the page on screen now (set by ``note_page``)."""
    return bool(st.session_state.get("_same_page"))


def stored(kind: str) -> dict:
    """A per-session store of edits that must outlive the page drawing them (by source key)."""
    return st.session_state.setdefault(f"_store_{kind}", {})
