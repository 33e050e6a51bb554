"""The portfolio upload format and its loader (CSV, XLSX, pasted text or a DataFrame).

One row per position; the columns are :data:`COLUMNS` (the README's format table is generated
from them by :func:`format_table_markdown`). Header names match case-insensitively, ignoring
spaces, underscores, hyphens, dots and a bracketed unit (``Coupon (%)`` is ``coupon``).

Cell formats accepted
---------------------
* numbers: ``1000000``, ``1,000,000`` (commas only as thousands separators), ``1e6``,
  ``$1,000,000``, accounting negatives ``(5)``, suffixes ``k`` (thousand), ``mm``/``mn``
  (million) and ``bn`` (billion). A lone ``m`` is rejected: it means a thousand to some readers
  and a million to others.
* dates: ISO ``2034-08-15``, ``2034/08/15``, ``20340815``, US ``08/15/2034`` (slashes are always
  month/day/year), ``15-Aug-2034``, ``Aug 15, 2034``, ``15.08.2034``, Excel date cells and Excel
  serial numbers. Two-digit years are rejected.
* futures months: ``2026-12``, ``202612``, ``12/2026``, ``Dec-26``, ``Dec 2026``, a date in the
  month, or a CME code: contract + month code + year (``ZNZ6``, ``ZNZ26``) or month code + year
  (``Z6``, ``Z26``). A one-digit year is the year in ``[asof.year - 1, asof.year + 8]`` ending in
  that digit (``ZNH6`` on 2026-07-31 is March 2026, already expired).

Data problems never raise: each is a :class:`RowIssue` naming the row, column, value and fix.
Rows with errors are left out of the portfolio; rows with warnings are kept unchanged.
"""

# Longer than the ~400-line house limit: split into format / cells / files modules once the
# file ownership of the "Foundation" issue allows new modules.

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from xmsim.contracts import canonical_code, contract_codes, contract_table, last_trade_date
from xmsim.cusip import TREASURY_PREFIX, cusip_problem
from xmsim.portfolio import (
    AGENCY,
    BILL,
    CASH_PRODUCTS,
    FUTURE,
    HOUSE,
    MBS,
    OPTION,
    PRODUCTS,
    REPO,
    REVERSE_REPO,
    STRIPS,
    TIPS,
    UST,
    Portfolio,
    Position,
)
from xmsim.units import parse_32nds

ERROR = "error"
WARNING = "warning"

MAX_BYTES = 50 * 1024 * 1024
"""Largest accepted upload [bytes]."""
MAX_ROWS = 200_000
"""Largest accepted number of data rows [rows]."""
MAX_FACE_USD = 100e9
"""Largest accepted |face| of one cash row [USD]."""
MAX_CONTRACTS = 1_000_000
"""Largest accepted |quantity| of one futures row [contracts]."""
MAX_COUPON_PCT = 20.0
MAX_YEARS_TO_MATURITY = 31
"""A 30-year bond plus a stub: anything longer cannot exist at the as-of date [years]."""
"""Coupons are accepted in [0, 20] [% of face]."""
_MIN_TREASURY_COUPON_PCT = 0.125  # the smallest nominal Treasury coupon ever issued
_HEADER_SCAN_ROWS = 20  # a title block above the header is tolerated within this many rows


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the upload format (the single source of the README's format table)."""

    name: str
    required_for: str
    description: str
    example: str
    aliases: tuple[str, ...] = ()


def _contract_list() -> str:
    specs = contract_table().values()
    return ", ".join(s.code + (f" ({'/'.join(s.aliases)})" if s.aliases else "") for s in specs)


COLUMNS: tuple[Column, ...] = (
    Column("account", "optional", "Account or customer; empty = HOUSE. Each customer account "
           "is margined on its own.", "CUST_A", ("acct", "customer", "client", "book")),
    Column("product", "all rows", "UST, REPO (cash borrower: delivers the bond now, buys it back "
           "at end_date), REVERSE_REPO or FUTURE; TIPS, STRIPS, BILL, AGENCY, MBS and OPTION are "
           "accepted and shown as ineligible.", "UST", ("type", "producttype", "instrument")),
    Column("quantity", "all rows", "Cash: face [USD], negative = short. REPO / REVERSE_REPO: "
           "collateral face [USD], positive. FUTURE: contracts, negative = short. Accepts "
           "1,000,000 / 1e6 / (5) / 250k / 5mm / 2bn.", "10,000,000",
           ("qty", "face", "notional", "amount", "position", "par", "contracts")),
    Column("coupon", "UST, REPO, REVERSE_REPO", "Annual coupon [%], 0 to 20.", "4.25",
           ("cpn", "couponpct", "couponrate")),
    Column("maturity", "UST, REPO, REVERSE_REPO", "Maturity date: 2034-11-15, 11/15/2034, "
           "15-Nov-2034 or an Excel date; must be after the as-of date.", "2034-11-15",
           ("maturitydate", "mat")),
    Column("cusip", "optional", "9-character CUSIP; the check digit is verified.", "91282CLF6"),
    Column("issue_date", "optional", "Original issue date (futures deliverability).",
           "2024-08-15", ("issue", "dateddate")),
    Column("price", "optional", "Clean price [per 100 face], decimal or 32nds (99-16+, "
           "109-162); empty = priced off the curve.", "99-16+", ("cleanprice", "px")),
    Column("end_date", "REPO, REVERSE_REPO", "Repo close date: on or after the as-of date, not "
           "after maturity.", "2026-08-31", ("repoend", "closedate", "termdate", "enddt")),
    Column("contract", "FUTURE", "Futures contract: " + _contract_list() + ". May be empty when "
           "expiry is a full CME code (ZNZ6).", "ZN", ("symbol", "root", "code")),
    Column("expiry", "FUTURE", "Contract month: 2026-12, Dec-26, or a CME code (ZNZ6, Z26).",
           "2026-12", ("contractmonth", "month", "expiration", "deliverymonth")),
    Column("label", "optional", "Free text shown in reports.", "basis long",
           ("description", "desc", "note", "notes", "comment", "name")),
)  # fmt: skip
COLUMN_NAMES = tuple(c.name for c in COLUMNS)

TEMPLATE_CSV = """\
account,product,quantity,coupon,maturity,cusip,issue_date,price,end_date,contract,expiry,label
HOUSE,UST,"10,000,000",3.875,2034-08-15,91282CLF6,2024-08-15,96-08+,,,,10y note long
HOUSE,REPO,"10,000,000",3.875,2034-08-15,,,,2026-08-31,,,financing of the 10y note
HOUSE,REVERSE_REPO,"5,000,000",4.625,2055-02-15,,,,2026-08-14,,,bond borrowed to go short
HOUSE,UST,"-5,000,000",4.625,2055-02-15,,,,,,,30y bond short
HOUSE,FUTURE,-95,,,,,,,ZN,2026-12,10y futures hedge
HOUSE,FUTURE,20,,,,,,,,SR3Z6,SOFR strip
CUST_A,TIPS,"2,000,000",2.125,2035-01-15,,,,,,,ineligible: TIPS
CUST_A,STRIPS,"1,000,000",0,2040-05-15,,,,,,,ineligible: STRIPS
CUST_A,BILL,"3,000,000",0,2026-12-24,,,,,,,ineligible: bill
CUST_A,AGENCY,"1,000,000",4.5,2033-06-15,,,,,,,ineligible: agency
CUST_A,MBS,"2,000,000",5.5,2054-09-01,,,,,,,ineligible: MBS
CUST_A,OPTION,10,,,,,,,ZN,2026-12,ineligible: option on ZN
"""
"""A downloadable template: one example row of each product."""

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

_PRODUCT_ALIASES = {
    UST: ("UST", "TREASURY", "TSY", "NOTE", "BOND", "TNOTE", "TBOND", "USTNOTE", "USTBOND"),
    REPO: ("REPO",),
    REVERSE_REPO: ("REVERSEREPO", "RREPO", "REVREPO", "RR", "REVERSE"),
    FUTURE: ("FUTURE", "FUTURES", "FUT"),
    TIPS: ("TIPS",),
    STRIPS: ("STRIPS", "STRIP"),
    BILL: ("BILL", "BILLS", "TBILL"),
    AGENCY: ("AGENCY", "AGENCIES", "AGY"),
    MBS: ("MBS",),
    OPTION: ("OPTION", "OPTIONS", "OPT"),
}
_TREASURY_LIKE = (*CASH_PRODUCTS, TIPS, STRIPS, BILL)
_CASH_FIELDS = ("coupon", "maturity", "cusip", "issue_date", "price")
_RELEVANT = {p: _CASH_FIELDS for p in (UST, TIPS, STRIPS, BILL, AGENCY, MBS)} | {
    REPO: (*_CASH_FIELDS, "end_date"),
    REVERSE_REPO: (*_CASH_FIELDS, "end_date"),
    FUTURE: ("contract", "expiry"),
    OPTION: ("contract", "expiry"),
}
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_MONTH_CODES = "FGHJKMNQUVXZ"
_EXPIRY_CODE = re.compile(r"([A-Z0-9]*?)([FGHJKMNQUVXZ])(\d{1,2}|\d{4})")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class RowIssue:
    """One problem found in an upload.

    Attributes
    ----------
    row : spreadsheet row (header = 1, first data row = 2); ``None`` for a file-level issue.
    column : canonical column name (or the header as written, for an unknown column).
    value : the offending value as text (``''`` when missing).
    message : what is wrong and how to fix it.
    severity : ``"error"`` (row rejected) or ``"warning"`` (row kept).
    """

    row: int | None
    column: str | None
    value: str
    message: str
    severity: str

    def __post_init__(self) -> None:
        if self.severity not in (ERROR, WARNING):
            raise ValueError(f"severity must be {ERROR!r} or {WARNING!r}, got {self.severity!r}")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A loaded portfolio (valid rows only, in file order) and every issue found."""

    portfolio: Portfolio
    issues: tuple[RowIssue, ...] = ()

    @property
    def errors(self) -> tuple[RowIssue, ...]:
        return tuple(i for i in self.issues if i.severity == ERROR)

    @property
    def warnings(self) -> tuple[RowIssue, ...]:
        return tuple(i for i in self.issues if i.severity == WARNING)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    @property
    def rejected_rows(self) -> tuple[int, ...]:
        """Spreadsheet rows left out of the portfolio because of an error, ascending."""
        return tuple(sorted({i.row for i in self.errors if i.row is not None}))

    def summary(self) -> str:
        """One line: positions loaded, rows rejected, warnings."""
        return (
            f"{len(self.portfolio)} positions loaded, {len(self.rejected_rows)} rows rejected, "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings"
        )

    def to_frame(self) -> pd.DataFrame:
        """Issues as a table: row, column, value, severity, message."""
        fields = ("row", "column", "value", "severity", "message")
        rows = [{f: getattr(i, f) for f in fields} for i in self.issues]
        frame = pd.DataFrame(rows, columns=list(fields))
        frame["row"] = frame["row"].astype("Int64")
        return frame


class _Bad(Exception):
    """A cell or file that cannot be read; the message says why and how to fix it."""


# ---------------------------------------------------------------------------- cells


def _is_empty(raw: object) -> bool:
    if raw is None or raw is pd.NaT or raw is pd.NA:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and not raw.strip()


def _show(raw: object) -> str:
    if _is_empty(raw):
        return ""
    if isinstance(raw, dt.datetime):
        text = raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    elif isinstance(raw, dt.date):
        text = raw.isoformat()
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    else:
        text = str(raw).strip()
    return text if len(text) <= 80 else text[:77] + "..."


def _text(raw: object) -> str:
    return "" if _is_empty(raw) else _show(raw) if not isinstance(raw, str) else raw.strip()


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?")
_SUFFIX = {"k": 1e3, "mm": 1e6, "mn": 1e6, "mln": 1e6, "bn": 1e9}


def _parse_number(raw: object) -> float:
    if isinstance(raw, bool):
        raise _Bad("expected a number, got a TRUE/FALSE cell")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        s = str(raw).strip().replace("\u2212", "-").replace("\u00a0", "").replace(" ", "")
        s = s.replace("_", "").lstrip("$").lower()
        negative = s.startswith("(") and s.endswith(")")
        s = s[1:-1].lstrip("$") if negative else s
        scale = 1.0
        for suffix, mult in _SUFFIX.items():
            if s.endswith(suffix) and s[: -len(suffix)][-1:].isdigit():
                s, scale = s[: -len(suffix)], mult
                break
        if s.endswith("m") and s[:-1][-1:].isdigit():
            raise _Bad(f"'{raw}' is ambiguous: write {s[:-1]}mm for millions or the full number")
        if "," in s:
            if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", s):
                raise _Bad(
                    f"cannot read '{raw}': use commas only between thousands and a dot "
                    "for decimals (1,000,000.5)"
                )
            s = s.replace(",", "")
        if s in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
            raise _Bad(f"'{raw}' is not a finite number: enter the actual value")
        if not _NUMBER.fullmatch(s):
            raise _Bad(f"cannot read '{raw}' as a number: write e.g. 1000000, 1,000,000 or 5mm")
        value = float(s) * scale * (-1.0 if negative else 1.0)
    if not math.isfinite(value):
        raise _Bad(f"'{raw}' is not a finite number: enter the actual value")
    return value


def _parse_coupon(raw: object) -> float:
    text = str(raw).strip().rstrip("%").strip() if isinstance(raw, str) else raw
    frac = re.fullmatch(r"(\d+)?[\s-]*(\d+)/(\d+)", text) if isinstance(text, str) else None
    if frac and int(frac[3]) > 0:
        value = int(frac[1] or 0) + int(frac[2]) / int(frac[3])
    else:
        value = _parse_number(text)
    if not 0.0 <= value <= MAX_COUPON_PCT:
        raise _Bad(f"coupon must be between 0 and {MAX_COUPON_PCT:g} percent: write 4.25 for 4.25%")
    if 0.0 < value < _MIN_TREASURY_COUPON_PCT:
        raise _Bad(
            "coupon looks like a decimal fraction; coupons are in percent: write 4.25 for "
            "4.25% (not 0.0425)"
        )
    return value


def _parse_price(raw: object) -> float:
    try:
        value = float(raw) if isinstance(raw, int | float) else parse_32nds(str(raw).strip())
    except ValueError as exc:
        raise _Bad(
            f"{exc}; write the clean price per 100 face, e.g. 99.5, 99-16 or 99-16+"
        ) from None
    if not (math.isfinite(value) and 0.0 < value < 300.0):
        raise _Bad("price must be a clean price per 100 face between 0 and 300, e.g. 99.5")
    return value


def _date_or_bad(year: int, month: int, day: int, raw: object, what: str = "date") -> dt.date:
    try:
        if not 1900 <= year <= 2200:
            raise ValueError
        return dt.date(year, month, day)
    except ValueError:
        fix = "YYYY-MM, e.g. 2026-12" if what == "month" else "YYYY-MM-DD, e.g. 2034-08-15"
        raise _Bad(f"'{_show(raw)}' is not a real {what}: write it as {fix}") from None


def _parse_date(raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if math.isfinite(raw) and float(raw).is_integer() and 19000101 <= raw <= 22001231:
            v = int(raw)
            return _date_or_bad(v // 10000, v // 100 % 100, v % 100, raw)
        if math.isfinite(raw) and 1 <= raw <= 110000:  # an Excel serial day number
            return _EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raise _Bad(f"cannot read {_show(raw)} as a date: write it as YYYY-MM-DD, e.g. 2034-08-15")
    s = re.sub(r"[T ]00:00(:00(\.0+)?)?$", "", str(raw).strip())
    if m := re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", s) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", s
    ):
        return _date_or_bad(int(m[1]), int(m[2]), int(m[3]), raw)
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s):
        if int(m[1]) > 12:
            raise _Bad(
                f"'{raw}' reads as month {m[1]}: dates with slashes are MM/DD/YYYY; "
                "write ISO YYYY-MM-DD to avoid doubt"
            )
        return _date_or_bad(int(m[3]), int(m[1]), int(m[2]), raw)
    if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", s):
        return _date_or_bad(int(m[3]), int(m[2]), int(m[1]), raw)
    day_first = re.fullmatch(r"(\d{1,2})[-\s]?([A-Za-z]{3,9})[-\s,]*(\d{4})", s)
    month_first = re.fullmatch(r"([A-Za-z]{3,9})[-\s.]*(\d{1,2}),?[-\s]*(\d{4})", s)
    if m := day_first or month_first:
        name, day = (m[2], m[1]) if day_first else (m[1], m[2])
        if (month := _MONTHS.get(name[:3].lower())) is not None:
            return _date_or_bad(int(m[3]), month, int(day), raw)
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", s):
        raise _Bad(f"'{raw}' has a two-digit year: write the full date as YYYY-MM-DD")
    raise _Bad(f"cannot read '{raw}' as a date: write it as YYYY-MM-DD, e.g. 2034-08-15")


def parse_expiry(raw: object, asof: dt.date) -> tuple[dt.date, str | None]:
    """A futures contract month and the contract code it carries, if any.

    Returns
    -------
    (first day of the contract month, canonical contract code from a CME code or ``None``).
    Raises ``ValueError`` with a readable message on anything else.
    """
    try:
        return _parse_expiry(raw, asof)
    except _Bad as exc:
        raise ValueError(str(exc)) from None


def _parse_expiry(raw: object, asof: dt.date) -> tuple[dt.date, str | None]:
    if isinstance(raw, dt.date):
        return dt.date(raw.year, raw.month, 1), None
    s = _show(raw).upper().replace(" ", "")
    if m := re.fullmatch(r"(\d{4})[-/]?(\d{1,2})", s) or re.fullmatch(
        r"(\d{4})-(\d{1,2})-\d{1,2}", s
    ):
        return _date_or_bad(int(m[1]), int(m[2]), 1, raw, "month"), None
    if m := re.fullmatch(r"(\d{1,2})[-/](\d{4})", s):
        return _date_or_bad(int(m[2]), int(m[1]), 1, raw, "month"), None
    if (m := re.fullmatch(r"([A-Z]{3,9})[-/']?(\d{2}|\d{4})", s)) and m[1][:3].lower() in _MONTHS:
        year = int(m[2]) + (2000 if len(m[2]) == 2 else 0)
        return _date_or_bad(year, _MONTHS[m[1][:3].lower()], 1, raw, "month"), None
    if m := _EXPIRY_CODE.fullmatch(s):
        prefix, month, year_text = m[1], _MONTH_CODES.index(m[2]) + 1, m[3]
        code = canonical_code(prefix) if prefix else None
        if prefix and code is None:
            raise _Bad(
                f"'{prefix}' in '{raw}' is not a contract code; known: "
                f"{', '.join(contract_codes())} (e.g. ZNZ6)"
            )
        if len(year_text) == 1:
            first = asof.year - 1
            year = first + (int(year_text) - first) % 10
        else:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _date_or_bad(year, month, 1, raw, "month"), code
    raise _Bad(
        f"cannot read '{raw}' as a contract month: write 2026-12, Dec-26 or a CME code "
        f"such as ZNZ6 (month codes {_MONTH_CODES})"
    )


def _parse_product(raw: object) -> str:
    key = re.sub(r"[\s_\-.]+", "", _text(raw)).upper()
    product = _product_lookup().get(key)
    if product is None:
        raise _Bad(f"unknown product '{raw}': use one of {', '.join(PRODUCTS)}")
    return product


@cache
def _product_lookup() -> dict[str, str]:
    return {alias: product for product, aliases in _PRODUCT_ALIASES.items() for alias in aliases}


def _parse_contract(raw: object) -> str:
    code = canonical_code(_text(raw))
    if code is None:
        raise _Bad(f"unknown contract '{raw}': use one of {_contract_list()}")
    return code


def _parse_cusip(raw: object) -> str:
    text = _text(raw).upper()
    if (problem := cusip_problem(text)) is not None:
        raise _Bad(problem)
    return text


# ---------------------------------------------------------------------------- rows


class _Row:
    """Issues of one data row; parses its cells one by one so every bad cell is reported."""

    __slots__ = ("cells", "issues", "row")

    def __init__(self, row: int, cells: dict[str, object]) -> None:
        self.row, self.cells, self.issues = row, cells, []

    def add(self, column: str | None, message: str, severity: str = ERROR) -> None:
        value = _show(self.cells.get(column)) if column else ""
        self.issues.append(RowIssue(self.row, column, value, message, severity))

    def get(self, column: str, parser, missing: str | None = None, soft: bool = False):
        raw = self.cells.get(column)
        if _is_empty(raw):
            if missing:
                self.add(column, missing)
            return None
        try:
            return parser(raw)
        except _Bad as exc:
            self.add(column, f"{exc} (ignored)" if soft else str(exc), WARNING if soft else ERROR)
            return None

    @property
    def failed(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)


_MISSING = {
    "coupon": (CASH_PRODUCTS, "the coupon in percent, e.g. 4.25"),
    "maturity": (CASH_PRODUCTS, "the maturity date, e.g. 2034-11-15"),
    "end_date": ((REPO, REVERSE_REPO), "the repo close date, e.g. 2026-08-31"),
    "expiry": ((FUTURE,), "the contract month, e.g. 2026-12 or ZNZ6"),
}


@cache
def _last_trade(code: str, year: int, month: int) -> dt.date:
    return last_trade_date(code, dt.date(year, month, 1))


def _parse_row(row: int, cells: dict[str, object], asof: dt.date) -> tuple[Position | None, list]:
    r = _Row(row, cells)
    product = r.get(
        "product",
        _parse_product,
        "product is missing: enter UST, REPO, "
        "REVERSE_REPO or FUTURE (or TIPS, STRIPS, BILL, AGENCY, MBS, OPTION)",
    )
    quantity = r.get(
        "quantity",
        _parse_number,
        "quantity is missing: enter the face in USD "
        "(cash and repos) or the number of contracts (futures)",
    )
    parsers = {
        "coupon": _parse_coupon,
        "maturity": _parse_date,
        "cusip": _parse_cusip,
        "issue_date": _parse_date,
        "price": _parse_price,
        "end_date": _parse_date,
        "contract": _parse_contract,
        "expiry": lambda raw: _parse_expiry(raw, asof),
    }
    relevant = _RELEVANT[product] if product else tuple(parsers)
    values: dict[str, object] = {}
    for col, parser in parsers.items():
        if col not in relevant:
            if not _is_empty(cells.get(col)):
                r.add(col, f"{col} is not used for {product} rows and was ignored", WARNING)
            continue
        products, what = _MISSING.get(col, ((), ""))
        missing = f"{col} is missing: a {product} row needs {what}" if product in products else None
        values[col] = r.get(col, parser, missing, soft=product == OPTION)
    if product is not None and quantity is not None:
        _check_quantity(r, product, quantity)
    _check_dates(r, values, asof)
    if product in (FUTURE, OPTION):
        _check_future(r, product, values, asof)
    cusip = values.get("cusip")
    if cusip and product in _TREASURY_LIKE and not cusip.startswith(TREASURY_PREFIX):
        r.add(
            "cusip",
            f"not a U.S. Treasury CUSIP (those start with {TREASURY_PREFIX}); "
            "kept, but check it belongs to this bond",
            WARNING,
        )
    if r.failed:
        return None, r.issues
    expiry = values.get("expiry")
    try:
        position = Position(
            product=product,
            quantity=quantity,
            account=_text(cells.get("account")) or HOUSE,
            coupon_pct=values.get("coupon"),
            maturity=values.get("maturity"),
            issue_date=values.get("issue_date"),
            cusip=cusip,
            price=values.get("price"),
            end_date=values.get("end_date"),
            contract=values.get("contract"),
            expiry=expiry[0] if expiry else None,
            label=_text(cells.get("label")),
            row=row,
        )
    except ValueError as exc:  # a safety net: the checks above should have caught it
        r.add(None, f"{exc}: correct the row")
        return None, r.issues
    return position, r.issues


def _check_quantity(r: _Row, product: str, quantity: float) -> None:
    if product in (FUTURE, OPTION):
        if not quantity.is_integer():
            r.add(
                "quantity", "futures and options trade in whole contracts: round to a whole number"
            )
        if abs(quantity) > MAX_CONTRACTS:
            r.add(
                "quantity",
                f"{abs(quantity):,.0f} contracts is beyond the {MAX_CONTRACTS:,} "
                "limit: check the quantity (it counts contracts, not face)",
            )
    else:
        if abs(quantity) > MAX_FACE_USD:
            r.add(
                "quantity",
                f"a face of {abs(quantity):,.0f} USD is beyond the 100bn limit: "
                "check the quantity (face in USD, e.g. 5mm)",
            )
        elif 0 < abs(quantity) < 1000:
            r.add(
                "quantity",
                f"cash quantities are face in USD, and {quantity:g} USD is tiny: "
                f"did you mean {quantity:g}mm? (kept as entered)",
                WARNING,
            )
        if product == REPO and quantity < 0:
            r.add(
                "quantity",
                "a REPO quantity is the collateral face and is positive; to lend "
                "cash against a bond (forward sale) use product REVERSE_REPO",
            )
        if product == REVERSE_REPO and quantity < 0:
            r.add(
                "quantity",
                "a REVERSE_REPO quantity is the collateral face and is positive; "
                "to borrow cash against a bond (forward purchase) use product REPO",
            )
    if quantity == 0:
        r.add("quantity", "quantity is zero: the row is kept but carries no risk", WARNING)


def _latest_maturity(asof: dt.date) -> dt.date:
    return asof.replace(year=asof.year + MAX_YEARS_TO_MATURITY, day=min(asof.day, 28))


def _check_dates(r: _Row, values: dict, asof: dt.date) -> None:
    maturity, issue, end = values.get("maturity"), values.get("issue_date"), values.get("end_date")
    if maturity and maturity <= asof:
        r.add(
            "maturity",
            f"the bond matured on {maturity}, on or before the as-of date {asof}: "
            "remove the row or correct the maturity",
        )
    elif maturity and maturity > _latest_maturity(asof):
        r.add(
            "maturity",
            f"{maturity} is more than {MAX_YEARS_TO_MATURITY} years after the as-of date {asof}; "
            "no Treasury that long exists: correct the maturity or the as-of date",
        )
    if issue and maturity and issue >= maturity:
        r.add("issue_date", f"issue date {issue} is not before maturity {maturity}: correct one")
    if end and end < asof:
        r.add(
            "end_date",
            f"the repo closed on {end}, before the as-of date {asof}: remove the "
            "row or correct end_date",
        )
    elif end and maturity and end > maturity:
        r.add(
            "end_date",
            f"the repo closes after its collateral matures ({maturity}): correct "
            "end_date or maturity",
        )


def _check_future(r: _Row, product: str, values: dict, asof: dt.date) -> None:
    contract, parsed = values.get("contract"), values.get("expiry")
    expiry, code = parsed if parsed else (None, None)
    severity = WARNING if product == OPTION else ERROR
    if code and contract and code != contract:
        r.add(
            "expiry",
            f"the code names {code} but the contract column says {contract}: make them agree",
            severity,
        )
        return
    if contract is None and code is not None:
        values["contract"] = contract = code
    if product == OPTION or (contract is None and not _is_empty(r.cells.get("contract"))):
        return  # options are only displayed; a bad contract cell is already reported
    if contract is None:
        r.add(
            "contract",
            "contract is missing: enter a code such as ZN, or a full CME code "
            "such as ZNZ6 in expiry",
        )
    elif expiry is not None:
        last = _last_trade(contract, expiry.year, expiry.month)
        if asof > last:
            r.add(
                "expiry",
                f"{contract} {expiry:%b-%y} stopped trading on {last}, before the "
                f"as-of date {asof}: roll to a later contract month",
            )
        elif expiry.year > asof.year + 10:
            r.add(
                "expiry",
                f"{contract} {expiry:%b-%y} is more than ten years ahead and is not "
                "listed: check the year",
            )


# ---------------------------------------------------------------------------- files


def _norm_header(text: object) -> str:
    text = re.sub(r"[(\[].*?[)\]]", "", _show(text))
    return re.sub(r"[\s_\-.]+", "", text).lower()


@cache
def _column_lookup() -> dict[str, str]:
    lookup = {}
    for column in COLUMNS:
        for name in (column.name, *column.aliases):
            lookup[_norm_header(name)] = column.name
    return lookup


def _count_known(cells: list) -> int:
    return len({_column_lookup().get(_norm_header(c)) for c in cells if not _is_empty(c)} - {None})


def _find_header(records: list) -> int | None:
    counts = [_count_known(cells) for _, cells in records[:_HEADER_SCAN_ROWS]]
    if not counts or max(counts) == 0:
        return None
    return counts.index(max(counts))


def _check_text(text: str) -> None:
    head = text[:65536]
    controls = sum(1 for ch in head if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\x7f")
    if "\x00" in head or controls > max(2, len(head) // 200):
        raise _Bad(
            "this does not look like a table (it holds binary data): upload a .csv or "
            ".xlsx file, or paste the cells as text"
        )
    if len(text) > MAX_BYTES:
        raise _Bad(f"the text is larger than {MAX_BYTES // 2**20} MB: split the portfolio")


def _records_from_text(text: str) -> list[tuple[int, list]]:
    _check_text(text)
    text = text.lstrip("\ufeff")
    lines = [line for line in text.splitlines()[: _HEADER_SCAN_ROWS * 2] if line.strip()]
    best, delimiter = (-1, -1), ","
    for candidate in (",", "\t", ";", "|"):
        rows = list(csv.reader(lines, delimiter=candidate))
        score = (max(map(_count_known, rows), default=0), max(map(len, rows), default=0))
        if score > best:
            best, delimiter = score, candidate
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [(n, cells) for n, cells in enumerate(reader, 1) if n <= MAX_ROWS + 100]
    except csv.Error as exc:
        raise _Bad(f"cannot read the text as a table ({exc}): save it again as CSV") from None


def _records_from_xlsx(data: bytes) -> list[tuple[int, list]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any parser failure on user bytes is a file problem
        raise _Bad(
            f"cannot open the file as an Excel workbook ({type(exc).__name__}): save it "
            "again as .xlsx or .csv"
        ) from None
    try:
        for sheet in book.worksheets:
            head = [
                (n, list(v)) for n, v in enumerate(sheet.iter_rows(max_row=40, values_only=True), 1)
            ]
            if _find_header([rec for rec in head if any(not _is_empty(c) for c in rec[1])]) is None:
                continue
            rows = sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 100, values_only=True)
            return [(n, list(values)) for n, values in enumerate(rows, 1)]
        return []
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _Bad(f"cannot read the Excel workbook ({exc}): save it again as .xlsx") from None
    finally:
        book.close()


def _records_from_bytes(data: bytes, filename: str | None) -> list[tuple[int, list]]:
    if len(data) > MAX_BYTES:
        raise _Bad(f"the file is larger than {MAX_BYTES // 2**20} MB: split the portfolio")
    suffix = Path(filename).suffix.lower() if filename else ""
    if data[:4] == b"PK\x03\x04":
        return _records_from_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _Bad("old Excel .xls files are not read: save the sheet as .xlsx or .csv")
    if suffix in (".xlsx", ".xlsm"):
        raise _Bad(f"the file is named {suffix} but is not an Excel workbook: save it again")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _records_from_text(data.decode("utf-16", errors="replace"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return _records_from_text(text)


def _records_from_frame(frame: pd.DataFrame) -> list[tuple[int, list]]:
    if len(frame) > MAX_ROWS:
        raise _Bad(f"{len(frame):,} rows is beyond the {MAX_ROWS:,}-row limit: split the portfolio")
    rows = frame.astype(object).itertuples(index=False, name=None)
    records = [(1, [str(c) for c in frame.columns])]
    records += [
        (n, [v.item() if isinstance(v, np.generic) else v for v in row])
        for n, row in enumerate(rows, 2)
    ]
    return records


def _looks_like_path(text: str) -> bool:
    if "\n" in text or len(text) > 1024:
        return False
    try:
        path = Path(text)
        return (
            path.suffix.lower() in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
            or path.is_file()
        )
    except (OSError, ValueError):
        return False


def _records_from_source(source: object, filename: str | None) -> tuple[list, bool]:
    if isinstance(source, pd.DataFrame):
        return _records_from_frame(source), True
    if isinstance(source, bytes | bytearray | memoryview):
        return _records_from_bytes(bytes(source), filename), False
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        if not path.is_file():
            raise _Bad(f"file not found: {path}")
        if path.stat().st_size > MAX_BYTES:
            raise _Bad(f"the file is larger than {MAX_BYTES // 2**20} MB: split the portfolio")
        return _records_from_bytes(path.read_bytes(), filename or path.name), False
    if isinstance(source, str):
        return _records_from_text(source), False
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)  # re-reading an upload widget's buffer starts from the top
        data = source.read(MAX_BYTES + 1)
        name = filename or getattr(source, "name", None)
        if isinstance(data, str):
            return _records_from_text(data), False
        return _records_from_bytes(bytes(data), str(name) if name else None), False
    raise TypeError(f"cannot load a portfolio from a {type(source).__name__}")


def _load_records(records: list, asof: dt.date, fixed_header: bool) -> LoadResult:
    records = [(n, cells) for n, cells in records if any(not _is_empty(c) for c in cells)]
    if not records:
        raise _Bad(
            "the file is empty: start from the template (a header row, then one row per position)"
        )
    at = 0 if fixed_header else _find_header(records)
    if at is None or _count_known(records[at][1]) == 0:
        raise _Bad(
            "no recognisable columns: the first row must be a header naming at least "
            f"product and quantity (known columns: {', '.join(COLUMN_NAMES)}); start "
            "from the template"
        )
    header_row, header = records[at]
    issues: list[RowIssue] = []
    if at:
        issues.append(
            RowIssue(
                None, None, "", f"rows above the header (row {header_row}) were ignored", WARNING
            )
        )
    mapping: dict[int, str] = {}
    for i, name in enumerate(header):
        column = _column_lookup().get(_norm_header(name))
        if column is None and not _is_empty(name):
            issues.append(
                RowIssue(
                    None,
                    None,
                    _show(name),
                    f"unknown column '{_show(name)}' "
                    f"ignored (known columns: {', '.join(COLUMN_NAMES)})",
                    WARNING,
                )
            )
        elif column in mapping.values():
            issues.append(
                RowIssue(
                    None,
                    column,
                    _show(name),
                    f"column '{_show(name)}' repeats '{column}'; only the first one is used",
                    WARNING,
                )
            )
        elif column is not None:
            mapping[i] = column
    missing = [c for c in ("product", "quantity") if c not in mapping.values()]
    if missing:
        raise _Bad(
            f"no {' or '.join(missing)} column: every upload needs product and quantity "
            "columns; start from the template"
        )
    data = records[at + 1 :]
    if not data:
        raise _Bad("no positions below the header row: add one row per position")
    if len(data) > MAX_ROWS:
        raise _Bad(f"more than {MAX_ROWS:,} rows: split the portfolio into smaller files")
    unnamed = [i for i, name in enumerate(header) if _is_empty(name)]
    stray: list[int] = []
    positions: list[Position] = []
    first_seen: dict[Position, int] = {}
    for row, cells in data:
        if any(
            not _is_empty(c)
            for c in [cells[i] for i in unnamed if i < len(cells)] + cells[len(header) :]
        ):
            stray.append(row)
        values = {col: cells[i] for i, col in mapping.items() if i < len(cells)}
        if all(_is_empty(v) for v in values.values()):
            issues.append(
                RowIssue(
                    row, None, "", "the row has values only in unknown columns; ignored", WARNING
                )
            )
            continue
        position, row_issues = _parse_row(row, values, asof)
        issues.extend(row_issues)
        if position is None:
            continue
        first = first_seen.setdefault(dataclasses.replace(position, row=0), row)
        if first != row:
            issues.append(
                RowIssue(
                    row,
                    None,
                    "",
                    f"row {row} is identical to row {first}; both "
                    "are kept: delete one if it was entered twice",
                    WARNING,
                )
            )
        positions.append(position)
    if stray:
        shown = ", ".join(map(str, stray[:5])) + (" ..." if len(stray) > 5 else "")
        issues.insert(
            0,
            RowIssue(
                None,
                None,
                "",
                f"values under no column name (rows {shown}) "
                "were ignored: give the column a header or delete the values",
                WARNING,
            ),
        )
    return LoadResult(Portfolio(tuple(positions)), tuple(issues))


# ---------------------------------------------------------------------------- public API


def load_portfolio(source: object, *, asof: dt.date, filename: str | None = None) -> LoadResult:
    """Load a portfolio upload and report every problem.

    Parameters
    ----------
    source : a path (``str`` or ``Path``), ``bytes``, a binary or text file-like object (read
        from its start), a ``pandas.DataFrame`` (its columns are the header; NaN = empty), or the
        text of a table. CSV vs XLSX is decided by magic bytes, then by the file name.
    asof : the valuation date; matured bonds and expired futures are errors.
    filename : the upload's name, when ``source`` is bytes or a file object.

    Returns
    -------
    LoadResult with the valid rows in file order (``Position.row`` = spreadsheet row) and the
    issues. File-level problems (empty, binary, no recognisable columns, over 50 MB or 200,000
    rows) give one issue with ``row=None`` and an empty portfolio. Never raises on user data.
    """
    if not isinstance(asof, dt.date):
        raise TypeError(f"asof must be a datetime.date, got {type(asof).__name__}")
    asof = asof.date() if isinstance(asof, dt.datetime) else asof
    try:
        records, fixed_header = _records_from_source(source, filename)
        return _load_records(records, asof, fixed_header)
    except _Bad as exc:
        return LoadResult(Portfolio(), (RowIssue(None, None, "", str(exc), ERROR),))


def load_portfolio_text(text: str, *, asof: dt.date) -> LoadResult:
    """Load text pasted in the app: CSV, or tab-, semicolon- or pipe-separated cells."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not isinstance(asof, dt.date):
        raise TypeError(f"asof must be a datetime.date, got {type(asof).__name__}")
    try:
        return _load_records(_records_from_text(text), asof, False)
    except _Bad as exc:
        return LoadResult(Portfolio(), (RowIssue(None, None, "", str(exc), ERROR),))


def portfolio_to_frame(portfolio: Portfolio) -> pd.DataFrame:
    """A portfolio in the upload format (columns :data:`COLUMN_NAMES`, dates as ISO text).

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
    return pd.DataFrame(rows, columns=list(COLUMN_NAMES))


def format_table_markdown() -> str:
    """The upload-format table (Markdown) for the README, generated from :data:`COLUMNS`."""
    lines = ["| Column | Required for | Description | Example |", "|---|---|---|---|"]
    for c in COLUMNS:
        lines.append(f"| `{c.name}` | {c.required_for} | {c.description} | `{c.example}` |")
    return "\n".join(lines) + "\n"


def sample_dir() -> Path:
    """The repository's ``sample_portfolios/`` folder (next to the ``xmsim`` package)."""
    return Path(__file__).resolve().parent.parent / "sample_portfolios"


def sample_paths() -> dict[str, Path]:
    """Sample portfolios that exist on disk, by name, in the order of :data:`SAMPLES`."""
    folder = sample_dir()
    paths = {name: folder / f"{name}.csv" for name, _ in SAMPLES}
    return {name: path for name, path in paths.items() if path.is_file()}
