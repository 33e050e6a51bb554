"""Streaming reader of CME's expanded unpacked positional SPAN file (``cme.YYYYMMDD.s.pa2``).

Columns below are 1-based and inclusive, as in CME's "SPAN Risk Parameter File Layouts for the
Positional Formats" (expanded unpacked format, 132-byte records). Only records of the eligible
contracts are kept; every other record costs one 2-byte look-up. Unknown record types are counted.

===== ===================================================================================
type  columns read
0     3-8 exchange complex, 9-16 business date CCYYMMDD, 17 settlement/intraday flag,
      18-19 file identifier, 36-37 file format, 40-44 business function
1     3-5 exchange acronym (the exchange of the records that follow)
2     3-5 exchange, 7-12 combined commodity; six product slots from column 23, 16 bytes each:
      product code (10), contract type (3: FUT ...), risk-array decimal locator (1) and its
      sign (1)
3     3-8 combined commodity, 9-10 method, four tiers from 11 (tier 2, start CCYYMM 6, end 6),
      69-72 initial/maintenance ratio for member accounts with its decimal locator at 73
4     3-8 combined commodity, 9-10 method, 11-12 months in delivery; two months from 13, 22
      bytes each: month number (2), CCYYMM (6), charge per delta consumed by spreads (7),
      charge per delta remaining in outrights (7)
5     3-5 group code, 13-72 ten combined commodity codes (6 each)
6     3-5 group, 6-9 priority, 10-16 credit rate in percent 9(3)V9(4); four legs from 17,
      18 bytes each: exchange (3), required flag (1), combined commodity (6), delta per spread
      9(3)V9(4) (7), side A/B (1); 89-90 method (04 = scanning-based), 101 credit method
81/82 3-5 exchange, 6-15 product, 26-28 product type, 30-35 futures month; from column 55 the
      array values 9(5) with a sign byte (81: scenarios 1-9, 82: 10-16); 82: composite delta
      9V9(4) at 97-101, sign 102. 83/84 (high precision): 9(8) values, delta at 118-122, sign 123
91/92 3-5 exchange, 8-17 target product, 18-23 target month, 32-46 CUSIP, 51-58 maturity,
      59-63 coupon 9(2)V9(3) [%], 64-72 conversion factor 9(2)V9(7); 92: 47-96 description
B     3-5 exchange, 6-15 product, 16-18 product type, 19-24 futures month, 53-57 price scan
      range 9(5), 58-62 extreme move multiplier 9(2)V9(3), 63-67 covered fraction 9V9(4)
C     3-8 combined commodity, 9-10 method, 11-12 priority, 13-14 number of legs, 15-21 charge
      rate; legs from 22, 7 bytes each: leg number (2), tier (2), delta per spread (2), side (1)
S     3-8 combined commodity, 9-10 scanning method, 11-12 number of tiers
===== ===================================================================================

Not found in public sources (said here and in the README, not invented silently): the decimal
places of the type 4 and type C charge rates (read as whole USD per contract), and CME's own
page for the type C layout (the positions above are those of HKEX's expanded format, which
follows CME's). The decimal-locator sign on type 2 is read as: ``+`` divides, ``-`` multiplies.
Ignored record types (read past, counted): P, T, R, E, V, X, Y, Z.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from typing import ClassVar

from xmsim.engines.span.files_model import (
    N_ARRAY,
    DebtSecurity,
    FileHeader,
    InterSpreadRecord,
    IntraSpread,
    MonthArray,
    ProductData,
    SpanFileData,
    SpanFileError,
    SpotRate,
    eligible_codes,
    parse_date,
    parse_month,
)

RECORD_LENGTH = 132
IGNORED = frozenset("PTREVXYZ")
TWO_BYTE = frozenset(("81", "82", "83", "84", "91", "92"))
_ARRAY_LAYOUT = {"81": (6, 5, 0, 9), "82": (6, 5, 9, 7), "83": (9, 8, 0, 9), "84": (9, 8, 9, 7)}
_DELTA_AT = {"82": 97, "84": 118}


class _Pa2Reader:
    def __init__(self, name: str) -> None:
        self.data = SpanFileData(name)
        self.eligible = eligible_codes()
        self.cc_of: dict[tuple[str, str], str] = {}
        self.scale: dict[str, float] = {}
        self.exchange = ""
        self.halves: dict[tuple[str, int], tuple[list[float], int]] = {}
        self.arrays: dict[tuple[str, int], tuple[list[float], float, int]] = {}
        self.b: dict[tuple[str, int], tuple[float, float, float, int]] = {}
        self.lineno = 0
        self.rid = ""

    def error(self, message: str) -> SpanFileError:
        return SpanFileError(
            f"{self.data.name} line {self.lineno} (type {self.rid.strip()} record): {message}"
        )

    def need(self, rec: str, last: int, field: str) -> None:
        if len(rec) < last:
            raise self.error(
                f"truncated: {len(rec)} characters, field {field!r} needs columns up to {last}"
            )

    def num(self, rec: str, a: int, b: int, field: str, scale: float = 1.0, sign: int = 0,
            blank: float | None = None) -> float:  # fmt: skip
        text = rec[a - 1 : b]
        s = text.strip()
        if not s:
            if blank is not None:
                return blank
            raise self.error(f"field {field!r} (columns {a}-{b}) is blank")
        if not s.isdigit():
            raise self.error(f"field {field!r} (columns {a}-{b}) is {text!r}, not a number")
        value = int(s) * scale
        return -value if sign and rec[sign - 1 : sign] == "-" else value

    def month(self, rec: str, a: int, field: str) -> int:
        text = rec[a - 1 : a + 5]
        try:
            return parse_month(text)
        except ValueError:
            raise self.error(
                f"field {field!r} (columns {a}-{a + 5}) is {text!r}, not CCYYMM"
            ) from None

    def text(self, rec: str, a: int, b: int) -> str:
        return rec[a - 1 : b].strip()

    def cc(self, rec: str) -> str | None:
        cc = self.text(rec, 3, 8)
        return self.cc_of.get((self.exchange, cc)) or self.cc_of.get(("", cc))

    def type0(self, rec: str, _rid: str = "") -> bool | None:
        self.need(rec, 37, "File Format")
        try:
            date = parse_date(rec[8:16])
        except ValueError:
            raise self.error(f"field 'Business Date' (columns 9-16) is {rec[8:16]!r}") from None
        cycle = f"{self.text(rec, 17, 17) or '?'}/{self.text(rec, 18, 19) or '?'}"
        self.data.header = FileHeader(
            self.text(rec, 3, 8),
            date,
            cycle,
            self.text(rec, 40, 44) or "CLR",
            self.text(rec, 36, 37),
        )

    def type2(self, rec: str, _rid: str = "") -> bool | None:
        exch, cc = self.text(rec, 3, 5), self.text(rec, 7, 12)
        for start in range(23, 118, 16):
            code = self.text(rec, start, start + 9)
            key = (exch, code)
            if (
                not code
                or key not in self.eligible
                or self.text(rec, start + 10, start + 12) not in ("FUT", "")
            ):
                continue
            xm = self.eligible[key]
            self.need(rec, start + 14, "Risk Array Value Decimal Locator")
            loc = self.num(rec, start + 13, start + 13, "Risk Array Value Decimal Locator", blank=0)
            neg = rec[start + 13] == "-"
            self.scale[xm] = 10.0**loc if neg else 10.0**-loc
            self.data.products.setdefault(xm, ProductData(xm, code, exch, cc))
            self.cc_of[(exch, cc)] = xm
            self.cc_of.setdefault(("", cc), xm)

    def type3(self, rec: str, xm: str) -> None:
        p = self.data.products[xm]
        self.need(rec, 24, "Tier 1 Ending Contract Month")
        for a in range(11, 67, 14):
            if not rec[a - 1 : a + 1].strip():
                break
            tn = int(self.num(rec, a, a + 1, "Tier Number"))
            p.tiers.append(
                (tn, self.month(rec, a + 2, "Tier Start"), self.month(rec, a + 8, "Tier End"))
            )
        if rec[68:72].strip():
            loc = self.num(rec, 73, 73, "Member Accounts Ratio Decimal Locator", blank=0)
            p.member_ratio = self.num(rec, 69, 72, "Initial to Maintenance Ratio", 10.0**-loc)

    def type4(self, rec: str, xm: str) -> None:
        self.need(rec, 34, "Delivery Month 1 Charge Rate Per Delta Remaining In Outrights")
        for base in (13, 35):
            if not rec[base + 1 : base + 7].strip():
                continue
            month = self.month(rec, base + 2, "Delivery Contract Month")
            spread = self.num(rec, base + 8, base + 14, "Charge Rate Per Delta Consumed By Spreads")
            outr = self.num(
                rec, base + 15, base + 21, "Charge Rate Per Delta Remaining In Outrights"
            )
            self.data.products[xm].spot.append(SpotRate(month, spread, outr, self.lineno))

    def type5(self, rec: str, _rid: str = "") -> bool | None:
        codes = [self.text(rec, a, a + 5) for a in range(13, 73, 6)]
        kept = tuple(self.cc_of[("", c)] for c in codes if ("", c) in self.cc_of)
        if kept:
            group = self.text(rec, 3, 5)
            self.data.groups[group] = self.data.groups.get(group, ()) + kept

    def type6(self, rec: str, _rid: str = "") -> bool | None:
        legs, foreign = [], []
        for b in range(17, 89, 18):
            exch, cc = self.text(rec, b, b + 2), self.text(rec, b + 4, b + 9)
            if not cc:
                continue
            xm = self.cc_of.get((exch, cc)) or (None if exch else self.cc_of.get(("", cc)))
            if xm is None:
                foreign.append(f"{exch} {cc}")
                continue
            self.need(rec, b + 17, "Spread Side")
            ratio = self.num(rec, b + 10, b + 16, "Delta/Spread Ratio", 1e-4)
            legs.append((xm, ratio, self.text(rec, b + 17, b + 17)))
        if not legs:
            return False
        priority = int(self.num(rec, 6, 9, "Spread Priority"))
        if foreign:
            self.data.notes.append(
                f"type 6 spread priority {priority} (line {self.lineno}) skipped: legs "
                f"{foreign} are not eligible contracts"
            )
            return
        self.need(rec, 90, "Intercommodity Spread Method Code")
        if self.text(rec, 101, 101) == "F":
            self.data.notes.append(
                f"type 6 spread priority {priority} (line {self.lineno}) "
                "skipped: flat-rate credits are not modelled"
            )
            return
        rate = self.num(rec, 10, 16, "Spread Credit Rate", 1e-6)
        method = self.text(rec, 89, 90) or "01"
        self.data.inter_spreads.append(
            InterSpreadRecord(priority, method, rate, tuple(legs), self.lineno)
        )

    def type8(self, rec: str, rid: str) -> bool | None:
        width, digits, first, n = _ARRAY_LAYOUT[rid]
        key = (self.text(rec, 3, 5), self.text(rec, 6, 15))
        if key not in self.eligible or self.text(rec, 26, 28) != "FUT":
            return False
        xm = self.eligible[key]
        if xm not in self.data.products:
            raise self.error(f"product {key[1]!r} ({xm}) has no type 2 record (unknown product)")
        self.need(
            rec, 54 + n * width if rid not in _DELTA_AT else _DELTA_AT[rid] + 5, "Array Value"
        )
        month = self.month(rec, 30, "Futures Contract Month")
        scale = self.scale[xm]
        values = [
            self.num(rec, a, a + digits - 1, f"Array Value {first + k + 1}", scale, a + digits)
            for k, a in enumerate(range(55, 55 + n * width, width))
        ]
        if rid in ("81", "83"):
            self.halves[(xm, month)] = (values, self.lineno)
            return
        half = self.halves.pop((xm, month), None)
        if half is None:
            raise self.error(
                f"{xm} {month}: type {rid} record without its first half "
                "(missing risk array values 1-9)"
            )
        d = _DELTA_AT[rid]
        delta = self.num(rec, d, d + 4, "SPAN Composite Delta", 1e-4, d + 5)
        self.arrays[(xm, month)] = (half[0] + values, delta, half[1])

    def type9(self, rec: str, rid: str) -> bool | None:
        key = (self.text(rec, 3, 5), self.text(rec, 8, 17))
        if key not in self.eligible:
            return False
        cusip = self.text(rec, 32, 46)
        if rid == "92":
            desc = self.text(rec, 47, 96)
            self.data.debt = [
                replace(s, description=desc) if s.cusip == cusip and not s.description else s
                for s in self.data.debt
            ]
            return
        self.need(rec, 72, "Physical Conversion Factor")
        try:
            maturity = parse_date(rec[50:58])
        except ValueError:
            raise self.error(f"field 'Maturity Date' (columns 51-58) is {rec[50:58]!r}") from None
        self.data.debt.append(
            DebtSecurity(
                cusip,
                self.eligible[key],
                self.month(rec, 18, "Target Contract Month"),
                self.num(rec, 59, 63, "Coupon Rate", 1e-3),
                maturity,
                self.num(rec, 64, 72, "Physical Conversion Factor", 1e-7),
                "",
                self.lineno,
            )
        )

    def typeb(self, rec: str, _rid: str = "") -> bool | None:
        key = (self.text(rec, 3, 5), self.text(rec, 6, 15))
        if key not in self.eligible or self.text(rec, 16, 18) != "FUT":
            return False
        self.need(rec, 67, "Extreme Move Covered Fraction")
        month = self.month(rec, 19, "Futures Contract Month")
        self.b[(self.eligible[key], month)] = (
            self.num(rec, 53, 57, "Futures Price Scan Range"),
            self.num(rec, 58, 62, "Extreme Move Multiplier", 1e-3),
            self.num(rec, 63, 67, "Extreme Move Covered Fraction", 1e-4),
            self.lineno,
        )

    def typec(self, rec: str, xm: str) -> None:
        self.need(rec, 21, "Charge Rate")
        n = int(self.num(rec, 13, 14, "Number of Legs"))
        self.need(rec, 21 + 7 * n, f"Leg {n} Market Side")
        legs = tuple(
            (
                int(self.num(rec, b + 2, b + 3, "Leg Tier Number")),
                self.num(rec, b + 4, b + 5, "Leg Delta Per Spread Ratio"),
                self.text(rec, b + 6, b + 6),
            )
            for b in range(22, 22 + 7 * n, 7)
        )
        priority = int(self.num(rec, 11, 12, "Spread Priority"))
        rate = self.num(rec, 15, 21, "Charge Rate")
        self.data.products[xm].intra.append(IntraSpread(priority, rate, legs, self.lineno))

    def types(self, rec: str, xm: str) -> None:
        self.need(rec, 10, "Scanning Method Code")
        self.data.products[xm].scan_method = self.text(rec, 9, 10) or "01"

    def record(self, rec: str) -> None:
        head = rec[:2]
        self.rid = rid = head if head in TWO_BYTE else head[:1]
        if rid in ("3", "4", "C", "S"):
            xm = self.cc(rec)
            kept = xm is not None and self.by_cc[rid](self, rec, xm) is None
        elif rid in self.handlers:
            kept = self.handlers[rid](self, rec, rid) is not False
        else:
            other = f"{rid} (ignored)" if rid in IGNORED else f"unknown type {head.strip() or '?'}"
            self.data.counts[other] += 1
            return
        self.data.counts[rid if kept else f"{rid[0]} (other contracts)"] += 1

    def exchange_header(self, rec: str, _rid: str) -> None:
        self.exchange = self.text(rec, 3, 5)

    handlers: ClassVar[dict] = {
        "0": type0, "1": exchange_header, "2": type2, "5": type5, "6": type6, "81": type8,
        "82": type8, "83": type8, "84": type8, "91": type9, "92": type9, "B": typeb,
    }  # fmt: skip
    by_cc: ClassVar[dict] = {"3": type3, "4": type4, "C": typec, "S": types}

    def finish(self) -> SpanFileData:
        d = self.data
        if d.header is None:
            raise SpanFileError(f"{d.name}: no type 0 header record; is this a SPAN .pa2 file?")
        if self.halves:
            (code, month), (_, line) = next(iter(self.halves.items()))
            raise SpanFileError(
                f"{d.name} line {line}: {code} {month} has a type 81 record but "
                "no type 82 (missing risk array values 10-16)"
            )
        for (code, month), (_, _, _, line) in self.b.items():
            if (code, month) not in self.arrays:
                raise SpanFileError(
                    f"{d.name} line {line}: B record for {code} {month} but no "
                    "type 81/82 risk array (missing risk array)"
                )
        for (code, month), (values, delta, line) in self.arrays.items():
            psr, mult, cover, _ = self.b.get((code, month), (math.nan, math.nan, math.nan, 0))
            assert len(values) == N_ARRAY
            d.products[code].months[month] = MonthArray(
                month, tuple(values), delta, psr, mult, cover, line
            )
        for code, p in d.products.items():
            if not p.months:
                raise SpanFileError(
                    f"{d.name}: {code} (product {p.file_code}) has a type 2 record "
                    "but no type 81/82 records (missing risk array)"
                )
            p.months = dict(sorted(p.months.items()))
        return d


def read_pa2(lines: Iterable[str], name: str) -> SpanFileData:
    """Stream the records of one positional SPAN file; ``SpanFileError`` names line and field.

    Parameters
    ----------
    lines : the file's records (newline-delimited, or fixed 132-byte blocks split beforehand).
    name : the file name used in messages and labels.
    """
    reader = _Pa2Reader(name)
    for reader.lineno, raw in enumerate(lines, start=1):
        rec = raw.rstrip("\r\n")
        if rec.strip():
            reader.record(rec)
    return reader.finish()


__all__ = ["RECORD_LENGTH", "read_pa2"]
