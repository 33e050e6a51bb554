"""Small static SVG charts for the printable report: bars (grouped or stacked) with lines, a
waterfall and a histogram, a few kilobytes each and no script.

Every bar and point carries a ``<title>`` with its exact value (shown on hover), so the chart
keeps the content of the app's interactive one. Width follows the page (``viewBox``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 46, 62
FONT = "font-family:Helvetica,Arial,sans-serif"


def compact_usd(value: float) -> str:
    """``$1.23m``, ``$350k``, ``−$2.1bn``, ``$0`` (axis ticks and labels)."""
    sign = "−" if value < 0 else ""
    v = abs(float(value))
    for div, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if v >= div:
            return f"{sign}${v / div:.3g}{unit}"
    return f"{sign}${v:.0f}" if round(v) else "$0"


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9) * step
    out = [round(first, 10)]
    while out[-1] < hi - step * 1e-9:  # the last tick is at or above hi
        out.append(round(out[-1] + step, 10))
    return out


class _Frame:
    """The plot area: y scale, gridlines and axis labels."""

    def __init__(
        self, lo: float, hi: float, title: str, y_title: str, fmt=compact_usd, extra: int = 0
    ):
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        pad = (hi - lo) * 0.08 or 1.0
        self.ticks = _ticks(lo - (pad if lo < 0 else 0), hi + pad)
        self.lo, self.hi = self.ticks[0], self.ticks[-1]
        self.x0, self.x1 = LEFT, WIDTH - RIGHT
        self.height = HEIGHT + extra  # extra room at the bottom for slanted labels [px]
        self.y0, self.y1 = HEIGHT - BOTTOM, TOP
        self.title, self.y_title, self.fmt = title, y_title, fmt

    def y(self, v: float) -> float:
        return self.y0 - (v - self.lo) / (self.hi - self.lo) * (self.y0 - self.y1)

    def open(self) -> list[str]:
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {self.height}" '
            f'role="img" aria-label="{html.escape(self.title)}" style="width:100%;height:auto;'
            f'{FONT}">',
            f"<title>{html.escape(self.title)}</title>",
            f'<text x="{LEFT}" y="18" font-size="14" font-weight="600" fill="#1f4e79">'
            f"{html.escape(self.title)}</text>",
        ]
        for t in self.ticks:
            y = self.y(t)
            color = "#9e9e9e" if t == 0 else "#e6e9ee"
            out.append(
                f'<line x1="{self.x0}" x2="{self.x1}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{color}" stroke-width="1"/>'
            )
            out.append(
                f'<text x="{self.x0 - 6}" y="{y + 4:.1f}" font-size="10" '
                f'text-anchor="end" fill="#555">{html.escape(self.fmt(t))}</text>'
            )
        mid = (self.y0 + self.y1) / 2
        out.append(
            f'<text x="12" y="{mid:.1f}" font-size="10" fill="#555" text-anchor="middle" '
            f'transform="rotate(-90 12 {mid:.1f})">{html.escape(self.y_title)}</text>'
        )
        return out

    def x_labels(self, labels: Sequence[str], centers: Sequence[float], rotate: bool) -> list[str]:
        out = []
        for lab, cx in zip(labels, centers, strict=True):
            y = self.y0 + 14
            if rotate:
                out.append(
                    f'<text x="{cx:.1f}" y="{y:.1f}" font-size="9" fill="#333" '
                    f'text-anchor="end" transform="rotate(-35 {cx:.1f} {y:.1f})">'
                    f"{html.escape(str(lab))}</text>"
                )
            else:
                out.append(
                    f'<text x="{cx:.1f}" y="{y:.1f}" font-size="10" fill="#333" '
                    f'text-anchor="middle">{html.escape(str(lab))}</text>'
                )
        return out


def _rect(x: float, y0: float, y1: float, w: float, color: str, tip: str) -> str:
    top, h = min(y0, y1), abs(y1 - y0)
    return (
        f'<rect x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{max(h, 0.5):.1f}" '
        f'fill="{color}"><title>{html.escape(tip)}</title></rect>'
    )


def _legend(items: Sequence[tuple[str, str]]) -> list[str]:
    """Swatches in one row under the title."""
    out, x = [], float(LEFT)
    y = 34
    for name, color in items:
        out.append(f'<rect x="{x:.1f}" y="{y - 8}" width="10" height="10" fill="{color}"/>')
        out.append(
            f'<text x="{x + 14:.1f}" y="{y + 1}" font-size="10" fill="#333">'
            f"{html.escape(name)}</text>"
        )
        x += 24 + 6.0 * len(name)
    return out


def _line_rule(frame: _Frame, value: float, label: str, color: str) -> list[str]:
    y = frame.y(value)
    return [
        f'<line x1="{frame.x0}" x2="{frame.x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="{color}" '
        'stroke-dasharray="6 4" stroke-width="1.5"/>',
        f'<text x="{frame.x0 + 4}" y="{y - 4:.1f}" font-size="10" fill="{color}">'
        f"{html.escape(label)}</text>",
    ]


def bar_svg(
    title: str,
    categories: Sequence[str],
    bars: Sequence[tuple[str, Sequence[float], str]],
    lines: Sequence[tuple[str, Sequence[float], str]] = (),
    stacked: bool = False,
    rule: tuple[float, str, str] | None = None,
    y_title: str = "USD",
) -> str:
    """Bars per category (grouped, or stacked with negatives below zero), optional lines over
    the categories and a horizontal rule (value, label, colour) [values in USD]."""
    n = len(categories)
    vals = [np.asarray(v, float) for _, v, _ in bars] + [np.asarray(v, float) for _, v, _ in lines]
    if stacked and bars:
        b = np.array([np.asarray(v, float) for _, v, _ in bars])
        highs = [np.clip(b, 0, None).sum(0).max(), *(v.max() for v in vals)]
        lows = [np.clip(b, None, 0).sum(0).min(), *(v.min() for v in vals)]
    else:
        highs = [v.max() for v in vals if v.size]
        lows = [v.min() for v in vals if v.size]
    if rule is not None:
        highs.append(rule[0])
        lows.append(rule[0])
    rotate = n > 8 or max(map(len, categories), default=0) > 9
    longest = max(map(len, categories), default=0)
    extra = int(max(0, longest * 5.2 * 0.57 - 40)) if rotate else 0
    frame = _Frame(min(lows, default=0.0), max(highs, default=1.0), title, y_title, extra=extra)
    out = frame.open()
    slot = (frame.x1 - frame.x0) / max(n, 1)
    centers = [frame.x0 + slot * (i + 0.5) for i in range(n)]
    width = slot * 0.8 / (1 if stacked else max(len(bars), 1))
    pos, neg = np.zeros(n), np.zeros(n)
    for k, (name, values, color) in enumerate(bars):
        for i, v in enumerate(np.asarray(values, float)):
            if stacked:
                base = pos[i] if v >= 0 else neg[i]
                x = centers[i] - slot * 0.4
                out.append(
                    _rect(
                        x,
                        frame.y(base),
                        frame.y(base + v),
                        width,
                        color,
                        f"{categories[i]} · {name}: {v:,.0f}",
                    )
                )
                if v >= 0:
                    pos[i] += v
                else:
                    neg[i] += v
            else:
                x = centers[i] - slot * 0.4 + k * width
                out.append(
                    _rect(
                        x,
                        frame.y(0),
                        frame.y(v),
                        width,
                        color,
                        f"{categories[i]} · {name}: {v:,.0f}",
                    )
                )
    for name, values, color in lines:
        pts = [(cx, frame.y(v)) for cx, v in zip(centers, np.asarray(values, float), strict=True)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for (x, y), v, c in zip(pts, values, categories, strict=True):
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}">'
                f"<title>{html.escape(f'{c} · {name}: {v:,.0f}')}</title></circle>"
            )
    if rule is not None:
        out += _line_rule(frame, *rule)
    out += frame.x_labels(categories, centers, rotate=rotate)
    out += _legend([(nm, c) for nm, _, c in (*bars, *lines)])
    return "".join(out) + "</svg>"


def waterfall_svg(
    title: str, steps: Sequence[tuple[str, float, str]], colors: dict[str, str]
) -> str:
    """A waterfall: ``steps`` of (label, value [USD], ``relative`` or ``total``); ``colors``
    for ``up``, ``down`` and ``total``; every bar labelled with its amount."""
    level, spans = 0.0, []
    for label, value, kind in steps:
        if kind == "total":
            spans.append((label, 0.0, value, colors["total"], value))
            level = value
        else:
            color = colors["up"] if value >= 0 else colors["down"]
            spans.append((label, level, level + value, color, value))
            level += value
    tops = [max(a, b) for _, a, b, _, _ in spans]
    frame = _Frame(min(min(a, b) for _, a, b, _, _ in spans), max(tops) * 1.08, title, "USD")
    out = frame.open()
    slot = (frame.x1 - frame.x0) / len(spans)
    centers = []
    for i, (label, a, b, color, value) in enumerate(spans):
        cx = frame.x0 + slot * (i + 0.5)
        centers.append(cx)
        out.append(
            _rect(
                cx - slot * 0.35,
                frame.y(a),
                frame.y(b),
                slot * 0.7,
                color,
                f"{label}: {value:,.0f}",
            )
        )
        out.append(
            f'<text x="{cx:.1f}" y="{frame.y(max(a, b)) - 4:.1f}" font-size="10" '
            f'text-anchor="middle" fill="#222">{html.escape(compact_usd(value))}</text>'
        )
    out += frame.x_labels([s[0] for s in spans], centers, rotate=len(spans) > 6)
    return "".join(out) + "</svg>"


def histogram_svg(
    title: str,
    values: np.ndarray,
    color: str,
    rule: tuple[float, str, str] | None = None,
    marks: Sequence[tuple[float, str]] = (),
    bins: int = 60,
) -> str:
    """Histogram of ``values`` [USD] in ``bins`` bins, a vertical rule (x, label, colour) and
    marked points (x, tooltip) on the axis."""
    values = np.asarray(values, float)
    counts, edges = np.histogram(values, bins=bins)
    frame = _Frame(0.0, float(counts.max(initial=1)), title, "scenarios", fmt=lambda t: f"{t:g}")
    out = frame.open()
    lo, hi = float(edges[0]), float(edges[-1])
    if rule is not None:
        lo, hi = min(lo, rule[0]), max(hi, rule[0])
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return frame.x0 + (v - lo) / span * (frame.x1 - frame.x0)

    for c, a, b in zip(counts, edges[:-1], edges[1:], strict=True):
        if c:
            out.append(
                _rect(
                    x(a),
                    frame.y(0),
                    frame.y(c),
                    max(x(b) - x(a) - 0.6, 0.5),
                    color,
                    f"{a:,.0f} to {b:,.0f}: {c} scenarios",
                )
            )
    for t in _ticks(lo, hi, 6):
        if lo <= t <= hi:
            out.append(
                f'<text x="{x(t):.1f}" y="{frame.y0 + 14}" font-size="10" fill="#333" '
                f'text-anchor="middle">{html.escape(compact_usd(t))}</text>'
            )
    if rule is not None:
        rx, label, rcolor = rule
        out.append(
            f'<line x1="{x(rx):.1f}" x2="{x(rx):.1f}" y1="{frame.y1}" y2="{frame.y0}" '
            f'stroke="{rcolor}" stroke-dasharray="6 4" stroke-width="1.5"/>'
        )
        out.append(
            f'<text x="{x(rx) + 4:.1f}" y="{frame.y1 + 10}" font-size="10" '
            f'fill="{rcolor}">{html.escape(label)}</text>'
        )
    for mx, tip in marks:
        out.append(
            f'<text x="{x(mx):.1f}" y="{frame.y0 - 2}" font-size="11" fill="#c62828" '
            f'text-anchor="middle">×<title>{html.escape(tip)}</title></text>'
        )
    out.append(
        f'<text x="{(frame.x0 + frame.x1) / 2:.1f}" y="{HEIGHT - 20}" font-size="10" '
        'fill="#555" text-anchor="middle">P&amp;L per scenario (USD)</text>'
    )
    return "".join(out) + "</svg>"
