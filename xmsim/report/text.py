"""Plain-text tables for the command line (no plotting dependencies)."""

from __future__ import annotations

from xmsim.arrangement.crossmargin import ArrangementResult
from xmsim.arrangement.pots import reading_text


def usd(x: float) -> str:
    return f"{x:,.0f}"


def pct(x: float) -> str:
    return f"{x:.1%}"


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    line = "  ".join(
        h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(out)


def arrangement_table(result: ArrangementResult, max_accounts: int = 50) -> str:
    """The `run` command's readable output: both models side by side, then per account."""
    s = result.settings
    parts = [
        f"xmsim — CME–FICC cross-margining, as of {result.asof} ({s.arrangement} arrangement)",
        reading_text(result.reading),
        f"history: {result.history}",
        f"models: FICC = {result.ficc_model.upper()}, CME = {result.cme_model.upper()}; "
        f"cap {s.cap:.0%}; savings basis {s.savings_basis}; "
        f"SPAN parameters: {result.model_settings.get('span_params', '')}",
        "",
    ]
    if len(result.accounts) == 1:
        a = result.accounts[0]
        rows = [
            ["FICC leg (USD)", usd(a.var.ficc_leg), usd(a.span.ficc_leg)],
            ["CME leg (USD)", usd(a.var.cme_leg), usd(a.span.cme_leg)],
            ["standalone = sum of legs", usd(a.var.standalone), usd(a.span.standalone)],
            ["combined portfolio", usd(a.var.combined), usd(a.span.combined)],
            [
                f"savings base ({s.savings_basis})",
                usd(a.var.savings_base),
                usd(a.span.savings_base),
            ],
            ["savings = 1 - combined / base", pct(a.var.savings), pct(a.span.savings)],
        ]
        parts += ["Each model's view", _grid(["", "VaR (FICC-like)", "SPAN (CME-like)"], rows), ""]
        parts += [
            f"applied savings: {pct(a.applied)}  ({a.reason})",
            f"FICC requirement: {usd(a.ficc_standalone)} -> {usd(a.ficc_requirement)}",
            f"CME requirement:  {usd(a.cme_standalone)} -> {usd(a.cme_requirement)}",
        ]
        if a.ineligible:
            parts.append(
                f"ineligible (margined outside the arrangement): {usd(a.ineligible_margin)}"
            )
            parts += [
                f"  row {r.row}: {r.description} at {r.home_ccp}: {r.reason}" for r in a.ineligible
            ]
        parts.append(
            f"total: {usd(a.total_before)} -> {usd(a.total_after)} (saves {usd(a.savings_usd)})"
        )
        return "\n".join(parts) + "\n"
    header = [
        "account",
        "pot",
        "VaR sav.",
        "SPAN sav.",
        "applied",
        "FICC req.",
        "CME req.",
        "inelig.",
        "before",
        "after",
        "saved",
    ]
    rows = []
    for a in result.accounts[:max_accounts]:
        rows.append(
            [
                a.account,
                a.pot,
                pct(a.var.savings),
                pct(a.span.savings),
                pct(a.applied),
                usd(a.ficc_requirement),
                usd(a.cme_requirement),
                usd(a.ineligible_margin),
                usd(a.total_before),
                usd(a.total_after),
                usd(a.savings_usd),
            ]
        )
    t = result.totals
    rows.append(
        [
            "TOTAL",
            "",
            "",
            "",
            "",
            usd(t["ficc_requirement"]),
            usd(t["cme_requirement"]),
            usd(result.ineligible_margin),
            usd(t["total_before"]),
            usd(t["total_after"]),
            usd(t["savings_usd"]),
        ]
    )
    parts.append(_grid(header, rows))
    if len(result.accounts) > max_accounts:
        parts.append(
            f"... {len(result.accounts) - max_accounts} more accounts "
            "(use --format csv or json for all)"
        )
    return "\n".join(parts) + "\n"
