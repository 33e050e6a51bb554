"""The portfolio upload format: columns, template, samples and size limits.

One row per position; the columns are :data:`COLUMNS` (the README's format table is generated
from them by :func:`format_table_markdown`). Header names match case-insensitively, ignoring
spaces, underscores, hyphens, dots and a bracketed unit (``Coupon (%)`` is ``coupon``).
:func:`portfolio_to_frame` writes a portfolio back in this format. The cell formats are in
:mod:`xmsim.upload.cells`, the row checks in :mod:`xmsim.upload.rows` and reading files in
:mod:`xmsim.upload.loader`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from xmsim.contracts import contract_table

if TYPE_CHECKING:
    from xmsim.portfolio import Portfolio

MAX_BYTES = 50 * 1024 * 1024
"""Largest accepted upload [bytes]."""
MAX_ROWS = 200_000
"""Largest accepted number of data rows [rows]."""
MAX_CELL_CHARS = 1_000
"""Longest accepted cell [characters]; a longer cell is an error on its row."""
MAX_FACE_USD = 100e9
"""Largest accepted |face| of one cash row [USD]."""
MAX_CONTRACTS = 1_000_000
"""Largest accepted |quantity| of one futures row [contracts]."""
MAX_COUPON_PCT = 20.0
"""Coupons are accepted in [0, 20] [% of face]."""
MAX_YEARS_TO_MATURITY = 31
"""A 30-year bond plus a stub: anything longer cannot exist at the as-of date [years]."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the upload format (the single source of the README's format table)."""

    name: str
    required_for: str
    description: str
    example: str
    aliases: tuple[str, ...] = ()
    written: bool = True  # False: read from uploads, never written back (side)


def contract_list() -> str:
    specs = contract_table().values()
    return ", ".join(s.code + (f" ({'/'.join(s.aliases)})" if s.aliases else "") for s in specs)


COLUMNS: tuple[Column, ...] = (
    Column("account", "optional", "Account or customer; empty = HOUSE. Under the default `auto` "
           "reading HOUSE accounts form one house combined portfolio and each other account is "
           "margined on its own.", "CUST_A", ("acct", "customer", "client", "book", "accountid",
           "accountnumber", "accountno", "acctid", "customerid", "clientid")),
    Column("product", "all rows", "UST, REPO (cash borrower: delivers the bond now, buys it back "
           "at end_date), REVERSE_REPO or FUTURE; TIPS, STRIPS, BILL, AGENCY, MBS and OPTION are "
           "accepted and shown as ineligible.", "UST", ("type", "producttype", "instrument")),
    Column("quantity", "all rows", "Cash: face [USD], negative = short. REPO / REVERSE_REPO: "
           "collateral face [USD], positive. FUTURE: contracts, negative = short. Accepts "
           "1,000,000 / 1e6 / (5) / 250k / 5mm / 2bn.", "10,000,000",
           ("qty", "face", "notional", "amount", "position", "par", "contracts", "parvalue",
            "facevalue", "faceamount", "paramount", "quantityheld")),
    Column("side", "optional", "BUY or SELL (also B / S, LONG / SHORT): the sign of quantity, "
           "which may then be unsigned. Not for REPO / REVERSE_REPO (the product is the "
           "direction).", "SELL", ("buysell", "b/s", "direction", "longshort", "buyorsell",
           "transactiontype", "bs"), written=False),
    Column("coupon", "UST, REPO, REVERSE_REPO", "Annual coupon [%], 0 to 20.", "4.25",
           ("cpn", "couponpct", "couponrate", "coupon%", "couponrate%")),
    Column("maturity", "UST, REPO, REVERSE_REPO", "Maturity date: 2034-11-15, 11/15/2034, "
           "15-Nov-2034 or an Excel date; must be after the as-of date.", "2034-11-15",
           ("maturitydate", "mat", "maturitydt", "matdate", "maturesdate")),
    Column("cusip", "optional", "9-character CUSIP; the check digit is verified.", "91282CLF6",
           ("security", "securityid", "cusipnumber", "cusipno", "cusipid")),
    Column("issue_date", "optional", "Original issue date (futures deliverability).",
           "2024-08-15", ("issue", "dateddate")),
    Column("price", "optional", "Clean price [per 100 face], decimal or 32nds (99-16+, "
           "109-162); empty = priced off the curve.", "99-16+", ("cleanprice", "px")),
    Column("end_date", "REPO, REVERSE_REPO", "Repo close date: on or after the as-of date, not "
           "after maturity.", "2026-08-31", ("repoend", "closedate", "termdate", "enddt")),
    Column("contract", "FUTURE", "Futures contract: " + contract_list() + ". May be empty when "
           "expiry is a full CME code (ZNZ6).", "ZN", ("symbol", "root", "code")),
    Column("expiry", "FUTURE", "Contract month: 2026-12, Dec-26, or a CME code (ZNZ6, Z26).",
           "2026-12", ("contractmonth", "month", "expiration", "deliverymonth")),
    Column("label", "optional", "Free text shown in reports.", "basis long",
           ("description", "desc", "note", "notes", "comment", "name")),
)  # fmt: skip
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
WRITTEN_COLUMNS = tuple(c.name for c in COLUMNS if c.written)
"""The columns :func:`portfolio_to_frame` writes (quantities carry their sign: no side)."""

TEMPLATE_CSV = """\
account,product,quantity,coupon,maturity,cusip,issue_date,price,end_date,contract,expiry,label
HOUSE,UST,"10,000,000",3.875,2034-08-15,91282CLF6,2024-08-15,96-08+,,,,10y note held outright
HOUSE,REPO,"10,000,000",4.25,2030-06-30,,,,2026-08-31,,,5y note bought and financed: one row
HOUSE,REVERSE_REPO,"5,000,000",4.625,2055-02-15,,,,2026-08-14,,,30y bond borrowed and sold: one row
HOUSE,UST,"-2,000,000",4.5,2036-05-15,,,,,,,20y bond short (delivery not financed here)
HOUSE,FUTURE,-95,,,,,,,ZN,2026-12,10y futures hedge
HOUSE,FUTURE,20,,,,,,,,SR3Z6,SOFR strip
CUST_A,TIPS,"2,000,000",2.125,2035-01-15,,,,,,,ineligible: TIPS
CUST_A,STRIPS,"1,000,000",0,2040-05-15,,,,,,,ineligible: STRIPS
CUST_A,BILL,"3,000,000",0,2026-12-24,,,,,,,ineligible: bill
CUST_A,AGENCY,"1,000,000",4.5,2033-06-15,,,,,,,ineligible: agency
CUST_A,MBS,"2,000,000",5.5,2054-09-01,,,,,,,ineligible: MBS
CUST_A,OPTION,10,,,,,,,ZN,2026-12,ineligible: option on ZN
"""
"""A downloadable template: one example row of each product. A financed long is one REPO row and
a borrowed-and-sold short one REVERSE_REPO row (their close legs carry the exposure, METHODOLOGY
§4); a UST row next to either would count the position twice."""

SAMPLES: tuple[tuple[str, str], ...] = (
    ("basis_trade", "Long ~$100mm 10-year notes financed in repo, short ZN Dec-26 DV01-neutral: "
     "the textbook cross-margin offset (expect a reduction at or near the 80% cap)."),
    ("steepener_2s10s", "Long 2-year notes at FICC against short ZN futures at CME, DV01-neutral: "
     "offsetting level risk, open curve risk."),
    ("cash_only", "Treasuries and repo only: no CME leg, so no cross-margin reduction."),
    ("futures_only", "Treasury and SOFR futures only: no FICC leg, so no reduction."),
    ("half_hedge", "Long 10-year notes with ZN futures covering half the DV01."),
    ("over_hedged", "ZN futures DV01 about twice the cash DV01: the hedge becomes the risk."),
    ("sofr_hedge_2y", "Long 2-year notes hedged with a two-year SR3 strip ($25 per bp)."),
    ("ineligible_mix", "TIPS, a bill, an agency, an MBS, an option and a note with 9 months left "
     "next to eligible positions: the ineligible rows stay standalone, with reasons."),
    ("customer_book", "24 customer accounts; CUST_A (long cash) and CUST_B (short futures) offset "
     "only across accounts, which the customer arrangement does not allow."),
    ("dealer_book", "1,000+ positions across the curve in every product and all 11 contracts "
     "(generated by scripts/make_samples.py, deterministic)."),
)  # fmt: skip
"""Sample portfolios in ``sample_portfolios/``: (file stem, what it demonstrates)."""

SAMPLE_ASOF = dt.date(2026, 7, 31)
"""The as-of date every sample is built for (METHODOLOGY §9)."""


def format_table_markdown() -> str:
    """The upload-format table (Markdown) for the README, generated from :data:`COLUMNS`."""
    lines = ["| Column | Required for | Description | Example |", "|---|---|---|---|"]
    for c in COLUMNS:
        lines.append(f"| `{c.name}` | {c.required_for} | {c.description} | `{c.example}` |")
    return "\n".join(lines) + "\n"


def sample_dir() -> Path:
    """The repository's ``sample_portfolios/`` folder (next to the ``xmsim`` package)."""
    return Path(__file__).resolve().parents[2] / "sample_portfolios"


def sample_paths() -> dict[str, Path]:
    """Sample portfolios that exist on disk, by name, in the order of :data:`SAMPLES`."""
    folder = sample_dir()
    paths = {name: folder / f"{name}.csv" for name, _ in SAMPLES}
    return {name: path for name, path in paths.items() if path.is_file()}


def portfolio_to_frame(portfolio: Portfolio) -> pd.DataFrame:
    """A portfolio in the upload format (columns :data:`WRITTEN_COLUMNS`, dates as ISO text).

    The frame loads back (as a DataFrame, CSV or XLSX) to the same positions.
    """

    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    rows = [
        {
            "account": p.account,
            "product": p.product,
            "quantity": p.quantity,
            "coupon": p.coupon_pct,
            "maturity": iso(p.maturity),
            "cusip": p.cusip,
            "issue_date": iso(p.issue_date),
            "price": p.price,
            "end_date": iso(p.end_date),
            "contract": p.contract,
            "expiry": f"{p.expiry:%Y-%m}" if p.expiry else None,
            "label": p.label or None,
        }
        for p in portfolio
    ]
    return pd.DataFrame(rows, columns=list(WRITTEN_COLUMNS))
