"""The one place where units and sign conventions are stated.

Conventions used everywhere in xmsim
------------------------------------
* Yields and rates are **decimals** inside the library (0.0425 = 4.25%); files and the UI use
  percent. Convert only with :func:`pct_to_dec` / :func:`dec_to_pct`.
* Prices are **per 100 of face** (clean unless the name says ``dirty``).
* Cash quantities are **face value in USD**; positive = long (bought, or a repo's forward purchase),
  negative = short. Futures quantities are **contracts**; positive = long.
* ``dv01_usd`` is the **P&L in USD for a 1 bp fall in yields** (so a long bond has a positive DV01,
  a short futures position a negative one). Key-rate DV01s follow the same sign.
* Curve shocks ``shock_bp`` are in basis points, positive = yields up.
* P&L is in USD, positive = gain. Margin is in USD and never negative.
* Times are in years; money-market fractions are stated where used.
"""

from __future__ import annotations

BP = 1.0e-4
"""One basis point as a decimal [1]."""

PRICE_BASE = 100.0
"""Prices are quoted per this much face [USD per 100 USD face]."""

DAYS_PER_YEAR_ACT365 = 365.0
"""Days per year of the ACT/365 convention [days]."""

DAYS_PER_YEAR = 365.25
"""Average calendar days per year, for year fractions of maturities and look-backs [days]."""

DAYS_PER_YEAR_ACT360 = 360.0
"""Day basis of Actual/360 money-market interest: U.S. repo, SOFR and fed funds [days]."""

TRADING_DAYS_PER_YEAR = 252.0
"""Business days per year, for daily half-lives and annualising daily moves [days]."""


def pct_to_dec(pct: float) -> float:
    """Percent -> decimal (4.25 -> 0.0425)."""
    return pct / 100.0


def dec_to_pct(dec: float) -> float:
    """Decimal -> percent (0.0425 -> 4.25)."""
    return dec * 100.0


def format_32nds(price: float) -> str:
    """Format a price per 100 in Treasury 32nds: ``109.5078125 -> '109-162'``.

    The third digit is eighths of a 32nd, rounded to the nearest eighth; ``+`` stands for 4/8.
    """
    sign = "-" if price < 0 else ""
    price = abs(price)
    eighths = round(price * 32 * 8)
    handle, rem = divmod(eighths, 32 * 8)
    thirty_seconds, eighth = divmod(rem, 8)
    if eighth == 0:
        tail = ""
    elif eighth == 4:
        tail = "+"
    else:
        tail = str(eighth)
    return f"{sign}{handle}-{thirty_seconds:02d}{tail}"


def parse_32nds(text: str) -> float:
    """Parse a Treasury price: decimal (``99.5``) or 32nds (``99-16``, ``99-16+``, ``109-162``).

    ``109-162`` = 109 + 16.25/32 (the third digit is eighths of a 32nd). Raises ``ValueError``
    with a readable message on anything else.
    """
    s = str(text).strip()
    if not s:
        raise ValueError("empty price")
    if "-" not in s[1:]:
        return float(s)
    handle, _, frac = s.rpartition("-") if s.count("-") == 1 or s.startswith("-") else ("", "", "")
    if not handle or not frac:
        raise ValueError(f"cannot read price {text!r}")
    negative = handle.startswith("-")
    handle_val = float(handle.lstrip("-"))
    plus = frac.endswith("+")
    digits = frac[:-1] if plus else frac
    if not digits.isdigit() or len(digits) not in (2, 3):
        raise ValueError(f"cannot read 32nds in {text!r}: use e.g. 99-16, 99-16+ or 109-162")
    ticks = int(digits[:2])
    eighth = int(digits[2]) if len(digits) == 3 else 0
    if plus:
        if len(digits) == 3:
            raise ValueError(f"cannot read 32nds in {text!r}: '+' and an eighths digit together")
        eighth = 4
    if ticks >= 32:
        raise ValueError(f"32nds must be below 32 in {text!r}")
    value = handle_val + (ticks + eighth / 8.0) / 32.0
    return -value if negative else value
