"""The fallback rule when the cross-margin calculation is disrupted [SRC FAQ Q21].

A CCP may apply the prior day's reduction percentage if the combined portfolio's risk is the
same or lower than the prior day's; otherwise no reduction is guaranteed (standalone
requirements apply). ``run --fallback-prior-*``, the app and ``history --disrupted`` use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xmsim.arrangement.crossmargin import AccountResult


@dataclass(frozen=True, slots=True)
class FallbackResult:
    """Outcome of the fallback mode [SRC FAQ Q21]."""

    applied: float
    requirement_usd: float
    reason: str


def fallback(
    prior_applied: float, prior_combined_usd: float, combined_usd: float, standalone_usd: float
) -> FallbackResult:
    """Apply yesterday's percentage if today's combined risk is the same or lower, else none."""
    if combined_usd <= prior_combined_usd:
        return FallbackResult(
            prior_applied,
            standalone_usd * (1.0 - prior_applied),
            f"combined risk {combined_usd:,.0f} <= prior day's {prior_combined_usd:,.0f}: "
            f"prior day's {prior_applied:.2%} applied",
        )
    return FallbackResult(
        0.0,
        standalone_usd,
        f"combined risk {combined_usd:,.0f} > prior day's {prior_combined_usd:,.0f}: "
        "no reduction (standalone requirement)",
    )


def account_fallback(
    account: AccountResult, ficc_model: str, prior_applied: float, prior_combined_usd: float
) -> FallbackResult:
    """:func:`fallback` on one combined portfolio's result: its combined risk under the model
    standing for FICC against the prior day's, on its FICC + CME standalone requirements."""
    return fallback(
        prior_applied,
        prior_combined_usd,
        getattr(account, ficc_model).combined,
        account.ficc_standalone + account.cme_standalone,
    )
