"""Cell parsers of the portfolio upload: numbers, coupons, prices, dates, contract months,
products, contracts and CUSIPs.

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

A parser returns the value or raises :class:`CellError` with a message saying what is wrong and
how to fix it; the row checks (:mod:`xmsim.upload.rows`) turn that into a
:class:`~xmsim.upload.rows.RowIssue`, and the loader does the same for file-level problems.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import cache

import pandas as pd

from xmsim.contracts import canonical_code, contract_codes
from xmsim.cusip import cusip_problem
from xmsim.portfolio import (
    AGENCY,
    BILL,
    FUTURE,
    MBS,
    OPTION,
    PRODUCTS,
    REPO,
    REVERSE_REPO,
    STRIPS,
    TIPS,
    UST,
)
from xmsim.units import parse_32nds
from xmsim.upload.format import MAX_COUPON_PCT, contract_list

_MIN_TREASURY_COUPON_PCT = 0.125  # the smallest nominal Treasury coupon ever issued
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
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_MONTH_CODES = "FGHJKMNQUVXZ"
_EXPIRY_CODE = re.compile(r"([A-Z0-9]*?)([FGHJKMNQUVXZ])(\d{1,2}|\d{4})")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class CellError(Exception):
    """A cell or file that cannot be read; the message says why and how to fix it."""


def is_empty(raw: object) -> bool:
    if raw is None or raw is pd.NaT or raw is pd.NA:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and not raw.strip()


def show_cell(raw: object) -> str:
    if is_empty(raw):
        return ""
    if isinstance(raw, dt.datetime):
        text = raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    elif isinstance(raw, dt.date):
        text = raw.isoformat()
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    else:
        try:
            text = str(raw).strip()
        except ValueError:  # an int of more digits than Python prints
            text = f"<a number of {raw.bit_length() * 0.30103:.0f} digits>"
    return text if len(text) <= 80 else text[:77] + "..."


def cell_text(raw: object) -> str:
    return "" if is_empty(raw) else show_cell(raw) if not isinstance(raw, str) else raw.strip()


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?")
_SUFFIX = {"k": 1e3, "mm": 1e6, "mn": 1e6, "mln": 1e6, "bn": 1e9}


def parse_number(raw: object) -> float:
    if isinstance(raw, bool):
        raise CellError("expected a number, got a TRUE/FALSE cell")
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
            raise CellError(
                f"'{raw}' is ambiguous: write {s[:-1]}mm for millions or the full number"
            )
        if "," in s:
            if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", s):
                raise CellError(
                    f"cannot read '{raw}': use commas only between thousands and a dot "
                    "for decimals (1,000,000.5)"
                )
            s = s.replace(",", "")
        if s in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
            raise CellError(f"'{raw}' is not a finite number: enter the actual value")
        if not _NUMBER.fullmatch(s):
            raise CellError(
                f"cannot read '{raw}' as a number: write e.g. 1000000, 1,000,000 or 5mm"
            )
        value = float(s) * scale * (-1.0 if negative else 1.0)
    if not math.isfinite(value):
        raise CellError(f"'{raw}' is not a finite number: enter the actual value")
    return value


def parse_coupon(raw: object) -> float:
    text = str(raw).strip().rstrip("%").strip() if isinstance(raw, str) else raw
    frac = (
        re.fullmatch(r"(\d{1,3})?[\s-]*(\d{1,3})/(\d{1,3})", text)
        if isinstance(text, str)
        else None
    )
    if frac and int(frac[3]) > 0:
        value = int(frac[1] or 0) + int(frac[2]) / int(frac[3])
    else:
        value = parse_number(text)
    if not 0.0 <= value <= MAX_COUPON_PCT:
        raise CellError(
            f"coupon must be between 0 and {MAX_COUPON_PCT:g} percent: write 4.25 for 4.25%"
        )
    if 0.0 < value < _MIN_TREASURY_COUPON_PCT:
        raise CellError(
            "coupon looks like a decimal fraction; coupons are in percent: write 4.25 for "
            "4.25% (not 0.0425)"
        )
    return value


def parse_price(raw: object) -> float:
    try:
        value = float(raw) if isinstance(raw, int | float) else parse_32nds(str(raw).strip())
    except ValueError as exc:
        raise CellError(
            f"{exc}; write the clean price per 100 face, e.g. 99.5, 99-16 or 99-16+"
        ) from None
    if not (math.isfinite(value) and 0.0 < value < 300.0):
        raise CellError("price must be a clean price per 100 face between 0 and 300, e.g. 99.5")
    return value


def _date_or_bad(year: int, month: int, day: int, raw: object, what: str = "date") -> dt.date:
    try:
        if not 1900 <= year <= 2200:
            raise ValueError
        return dt.date(year, month, day)
    except ValueError:
        fix = "YYYY-MM, e.g. 2026-12" if what == "month" else "YYYY-MM-DD, e.g. 2034-08-15"
        raise CellError(f"'{show_cell(raw)}' is not a real {what}: write it as {fix}") from None


def parse_date(raw: object) -> dt.date:
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
        raise CellError(
            f"cannot read {show_cell(raw)} as a date: write it as YYYY-MM-DD, e.g. 2034-08-15"
        )
    s = re.sub(r"[T ]00:00(:00(\.0+)?)?$", "", str(raw).strip())
    if m := re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", s) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", s
    ):
        return _date_or_bad(int(m[1]), int(m[2]), int(m[3]), raw)
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s):
        if int(m[1]) > 12:
            raise CellError(
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
        raise CellError(f"'{raw}' has a two-digit year: write the full date as YYYY-MM-DD")
    raise CellError(f"cannot read '{raw}' as a date: write it as YYYY-MM-DD, e.g. 2034-08-15")


def parse_expiry(raw: object, asof: dt.date) -> tuple[dt.date, str | None]:
    """A futures contract month and the contract code it carries, if any.

    Returns
    -------
    (first day of the contract month, canonical contract code from a CME code or ``None``).
    Raises ``ValueError`` with a readable message on anything else.
    """
    try:
        return parse_expiry_cell(raw, asof)
    except CellError as exc:
        raise ValueError(str(exc)) from None


def parse_expiry_cell(raw: object, asof: dt.date) -> tuple[dt.date, str | None]:
    if isinstance(raw, dt.date):
        return dt.date(raw.year, raw.month, 1), None
    s = show_cell(raw).upper().replace(" ", "")
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
            raise CellError(
                f"'{prefix}' in '{raw}' is not a contract code; known: "
                f"{', '.join(contract_codes())} (e.g. ZNZ6)"
            )
        if len(year_text) == 1:
            first = asof.year - 1
            year = first + (int(year_text) - first) % 10
        else:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _date_or_bad(year, month, 1, raw, "month"), code
    raise CellError(
        f"cannot read '{raw}' as a contract month: write 2026-12, Dec-26 or a CME code "
        f"such as ZNZ6 (month codes {_MONTH_CODES})"
    )


def parse_product(raw: object) -> str:
    key = re.sub(r"[\s_\-.]+", "", cell_text(raw)).upper()
    product = _product_lookup().get(key)
    if product is None:
        raise CellError(f"unknown product '{raw}': use one of {', '.join(PRODUCTS)}")
    return product


@cache
def _product_lookup() -> dict[str, str]:
    return {alias: product for product, aliases in _PRODUCT_ALIASES.items() for alias in aliases}


SIDES = {"BUY": 1.0, "B": 1.0, "LONG": 1.0, "L": 1.0, "BOUGHT": 1.0,
         "SELL": -1.0, "S": -1.0, "SHORT": -1.0, "SH": -1.0, "SOLD": -1.0}  # fmt: skip
"""Side cells and the sign they give the quantity."""


def parse_side(raw: object) -> float:
    """+1 for BUY (B, LONG, L, BOUGHT), -1 for SELL (S, SHORT, SH, SOLD); case-insensitive."""
    key = cell_text(raw).strip().upper()
    if key not in SIDES:
        raise CellError(f"unknown side '{raw}': use BUY or SELL (or B / S, LONG / SHORT)")
    return SIDES[key]


def parse_contract(raw: object) -> str:
    code = canonical_code(cell_text(raw))
    if code is None:
        raise CellError(f"unknown contract '{raw}': use one of {contract_list()}")
    return code


def parse_cusip(raw: object) -> str:
    text = cell_text(raw).upper()
    if (problem := cusip_problem(text)) is not None:
        raise CellError(problem)
    return text
