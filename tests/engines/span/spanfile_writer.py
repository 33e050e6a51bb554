"""Test fixture writer: CME SPAN risk-parameter files in the positional and the XML format.

Written from the published layouts (CME "SPAN Risk Parameter File Layouts for the Positional
Formats", expanded unpacked format, 132-byte records; CME's XML SPAN elements), independently of
xmsim's readers: every field is placed by its 1-based column range here. Used by the tests and
by ``benchmarks/bench_spanfile.py``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from xmsim.contracts import get_contract

# CME SPAN: moves of 1/3, 2/3, 3/3 of the scan range written as 0.3333 / 0.6667 / 1, extremes
# 3 x at 33% = 0.99; each per-contract value rounded to whole USD (the scanning-spread example).
MOVES = (0, 0, 0.3333, 0.3333, -0.3333, -0.3333, 0.6667, 0.6667, -0.6667, -0.6667,
         1, 1, -1, -1, 0.99, -0.99)  # fmt: skip


def cme_array(psr: float) -> tuple[int, ...]:
    """Loss of one long future per scenario [USD], rounded half away from zero."""
    return tuple(int(-math.copysign(math.floor(abs(psr * m) + 0.5), m)) + 0 for m in MOVES)


@dataclass
class FProduct:
    code: str  # xmsim code; exchange / product code come from contracts.csv
    months: dict[int, tuple[float, ...]]  # CCYYMM -> 16 losses
    psr: float = 0.0
    intra: list[tuple[int, float, list[tuple[int, int, str]]]] = field(default_factory=list)
    tiers: list[tuple[int, int, int]] = field(default_factory=list)
    spot: list[tuple[int, float, float]] = field(default_factory=list)
    member_ratio: float = 1.0
    delta: float = 1.0
    cc: str = ""
    high_precision: bool = False  # risk arrays as 83/84 records (9(8) values)
    scan_method: str = "01"

    @property
    def exchange(self) -> str:
        return get_contract(self.code).span_exchange

    @property
    def file_code(self) -> str:
        return get_contract(self.code).span_code

    @property
    def cc_code(self) -> str:
        return self.cc or self.file_code


@dataclass
class Fixture:
    products: list[FProduct]
    spreads: list[tuple[int, str, float, list[tuple[str, float, str]]]] = field(
        default_factory=list
    )  # (priority, method, credit rate 0-1, legs (code, ratio, side))
    debt: list[tuple[str, str, int, float, dt.date, float, str]] = field(default_factory=list)
    business_date: dt.date = dt.date(2026, 7, 31)
    others: int = 0  # records of non-eligible products mixed in
    extreme: tuple[float, float] = (3.0, 0.33)

    def product(self, code: str) -> FProduct:
        return next(p for p in self.products if p.code == code)


class Rec:
    """One 132-byte record; ``put`` places a value at 1-based inclusive columns."""

    def __init__(self, rid: str, length: int = 132) -> None:
        self.buf = [" "] * length
        self.put(1, 2, rid)

    def put(self, a: int, b: int, value, digits: bool = False) -> Rec:
        width = b - a + 1
        text = str(value).rjust(width, "0") if digits else str(value).ljust(width)
        assert len(text) == width, (a, b, value)
        self.buf[a - 1 : b] = list(text)
        return self

    def num(self, a: int, b: int, value: float, decimals: int = 0, sign: int = 0) -> Rec:
        scaled = round(abs(value) * 10**decimals)
        self.put(a, b, scaled, digits=True)
        if sign:
            self.put(sign, sign, "-" if value < 0 else "+")
        return self

    def __str__(self) -> str:
        return "".join(self.buf)


def _other_records(n: int) -> list[str]:
    """Risk arrays of products that are not eligible (options and other exchanges' futures)."""
    out = []
    for i in range(n):
        exch, code = ("NYM", f"X{i % 500:03d}") if i % 3 else ("CBT", "21")
        kind = "FUT" if i % 3 else "OOF"  # CBT 21 options: same product code, not futures
        r = Rec("81" if i % 2 == 0 else "82").put(3, 5, exch).put(6, 15, code).put(26, 28, kind)
        r.num(30, 35, 202600 + 1 + i % 12)
        for k in range(9 if i % 2 == 0 else 7):
            r.num(55 + 6 * k, 59 + 6 * k, (i * 7 + k) % 90000, sign=60 + 6 * k)
        out.append(str(r))
    return out


def write_pa2(fx: Fixture) -> str:
    """The fixture as an expanded unpacked positional file (newline-delimited records)."""
    recs: list[str] = []
    recs.append(str(Rec("0").put(3, 8, "CME").num(9, 16, int(fx.business_date.strftime("%Y%m%d")))
                    .put(17, 17, "S").put(18, 19, "F").num(20, 23, 1900).num(24, 31, 20260731)
                    .num(32, 35, 2000).put(36, 37, "U2").put(40, 44, "CLR")))  # fmt: skip
    recs.append(str(Rec("P").put(3, 5, "CBT").put(6, 15, "21")))  # ignored type
    recs.append(str(Rec("Q").put(3, 5, "XXX")))  # an unknown type: counted, not fatal
    others = _other_records(fx.others)
    half = len(others) // 2
    recs += others[:half]
    for exch in ("CBT", "CME"):
        prods = [p for p in fx.products if p.exchange == exch]
        recs.append(str(Rec("1").put(3, 5, exch).put(8, 9, exch[:2])))
        for p in prods:
            r = Rec("2").put(3, 5, exch).put(7, 12, p.cc_code).num(13, 13, 0).put(14, 16, "USD")
            r.put(23, 32, p.file_code).put(33, 35, "FUT").num(36, 36, 0).put(37, 37, "+")
            r.put(39, 48, p.file_code).put(49, 51, "OOF")  # its options, same combined commodity
            recs.append(str(r))
        recs.append(str(Rec("2").put(3, 5, exch).put(7, 12, "OTHER").put(23, 32, "ZZZ")
                        .put(33, 35, "FUT")))  # fmt: skip
        for p in prods:
            r = Rec("3").put(3, 8, p.cc_code).put(9, 10, "10")
            for k, (tn, start, end) in enumerate(p.tiers[:4]):
                a = 11 + 14 * k
                r.num(a, a + 1, tn).num(a + 2, a + 7, start).num(a + 8, a + 13, end)
            r.num(69, 72, p.member_ratio, 3).num(73, 73, 3)
            recs.append(str(r))
            if p.spot:
                r = Rec("4").put(3, 8, p.cc_code).put(9, 10, "10").num(11, 12, len(p.spot))
                for k, (month, sprd, outr) in enumerate(p.spot[:2]):
                    b = 13 + 22 * k
                    r.num(b, b + 1, k + 1).num(b + 2, b + 7, month)
                    r.num(b + 8, b + 14, sprd).num(b + 15, b + 21, outr)
                recs.append(str(r))
            for priority, rate, legs in p.intra:
                r = Rec("C").put(3, 8, p.cc_code).put(9, 10, "10").num(11, 12, priority)
                r.num(13, 14, len(legs)).num(15, 21, rate)
                for k, (tier, ratio, side) in enumerate(legs):
                    b = 22 + 7 * k
                    r.num(b, b + 1, k + 1).num(b + 2, b + 3, tier).num(b + 4, b + 5, ratio)
                    r.put(b + 6, b + 6, side)
                recs.append(str(r))
            recs.append(str(Rec("S").put(3, 8, p.cc_code).put(9, 10, p.scan_method).num(11, 12, 1)))
    recs.append(str(Rec("3").put(3, 8, "OTHER").put(9, 10, "10")))  # another product: skipped
    group = Rec("5").put(3, 5, "IRS")
    for k, p in enumerate(fx.products[:10]):
        group.put(13 + 6 * k, 18 + 6 * k, p.cc_code)
    recs.append(str(group))
    for priority, method, rate, legs in fx.spreads:
        r = Rec("6").put(3, 5, "IRS").num(6, 9, priority).num(10, 16, rate * 100, 4)
        for k, (code, ratio, side) in enumerate(legs):
            p, b = fx.product(code), 17 + 18 * k
            r.put(b, b + 2, p.exchange).put(b + 3, b + 3, "Y").put(b + 4, b + 9, p.cc_code)
            r.num(b + 10, b + 16, ratio, 4).put(b + 17, b + 17, side)
        r.put(89, 90, method)
        recs.append(str(r))
    recs += others[half:]
    for p in fx.products:
        for month, losses in p.months.items():
            width, digits, delta_at = (9, 8, 118) if p.high_precision else (6, 5, 97)
            pair = ("83", "84") if p.high_precision else ("81", "82")
            for rid, first, n in ((pair[0], 0, 9), (pair[1], 9, 7)):
                r = Rec(rid, 160 if p.high_precision else 132).put(3, 5, p.exchange)
                r.put(6, 15, p.file_code).put(16, 25, p.file_code).put(26, 28, "FUT")
                r.num(30, 35, month)
                for k in range(n):
                    a = 55 + width * k
                    r.num(a, a + digits - 1, losses[first + k], sign=a + digits)
                if rid == pair[1]:
                    r.num(delta_at, delta_at + 4, p.delta, 4, sign=delta_at + 5)
                recs.append(str(r))
            b = Rec("B").put(3, 5, p.exchange).put(6, 15, p.file_code).put(16, 18, "FUT")
            b.num(19, 24, month).num(53, 57, p.psr)
            b.num(58, 62, fx.extreme[0], 3).num(63, 67, fx.extreme[1], 4).num(86, 91, 1, 4)
            recs.append(str(b))
    for cusip, code, month, coupon, maturity, cf, desc in fx.debt:
        p = get_contract(code)
        r = Rec("91").put(3, 5, p.span_exchange).put(8, 17, p.span_code).num(18, 23, month)
        r.put(27, 29, "US").put(32, 46, cusip).put(47, 49, "USD")
        r.num(51, 58, int(maturity.strftime("%Y%m%d"))).num(59, 63, coupon, 3).num(64, 72, cf, 7)
        recs.append(str(r))
        recs.append(str(Rec("92").put(3, 5, p.span_exchange).put(8, 17, p.span_code)
                        .put(32, 46, cusip).put(47, 96, desc)))  # fmt: skip
    return "\r\n".join(recs) + "\r\n"


def _el(tag: str, value) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>"


def write_spn(fx: Fixture) -> str:
    """The same fixture as an XML SPAN file (the elements xmsim reads, plus others it skips)."""
    out = ['<?xml version="1.0"?>', "<spanFile>", _el("fileFormat", "4.00"),
           _el("created", "202607312000"), "<pointInTime>",
           _el("date", fx.business_date.strftime("%Y%m%d")), _el("isSetl", 1),
           _el("setlQualifier", "F"), "<clearingOrg>", _el("ec", "CME"),
           _el("name", "CME")]  # fmt: skip
    for exch in ("CBT", "CME", "NYM"):
        out += ["<exchange>", _el("exch", exch), _el("name", exch)]
        if exch == "NYM":
            for i in range(fx.others):
                out += ["<futPf>", _el("pfId", i), _el("pfCode", f"X{i:04d}"), "<fut>",
                        _el("pe", 202612), "<ra>", _el("r", 1)]  # fmt: skip
                out += [_el("a", k) for k in range(16)] + [_el("d", 1), "</ra></fut></futPf>"]
        for p in (p for p in fx.products if p.exchange == exch):
            out += ["<futPf>", _el("pfId", 1), _el("pfCode", p.file_code), _el("name", p.code)]
            for month, losses in p.months.items():
                out += ["<fut>", _el("cId", 1), _el("pe", month), _el("p", 100)]
                out += ["<scanRate>", _el("r", 1), _el("priceScan", p.psr), "</scanRate>"]
                out += ["<ra>", _el("r", 1), *(_el("a", v) for v in losses)]
                out += [_el("d", p.delta), "</ra>", "</fut>"]
            out.append("</futPf>")
            out += ["<oofPf>", _el("pfCode", p.file_code), "<series><opt><ra>",
                    *(_el("a", 1) for _ in range(16)), "</ra></opt></series></oofPf>"]  # fmt: skip
        out.append("</exchange>")
    for p in fx.products:
        out += ["<ccDef>", _el("cc", p.cc_code), _el("name", p.code), "<pfLink>",
                _el("exch", p.exchange), _el("pfCode", p.file_code), _el("pfType", "FUT"),
                "</pfLink>", "<intraTiers>"]  # fmt: skip
        for tn, start, end in p.tiers:
            out += ["<tier>", _el("tn", tn), _el("sPe", start), _el("ePe", end), "</tier>"]
        out.append("</intraTiers>")
        for priority, rate, legs in p.intra:
            out += ["<dSpread>", _el("spread", priority), "<rate>", _el("r", 1),
                    _el("val", rate), "</rate>"]  # fmt: skip
            for tier, ratio, side in legs:
                out += ["<tLeg>", _el("cc", p.cc_code), _el("tn", tier), _el("rs", side),
                        _el("i", ratio), "</tLeg>"]  # fmt: skip
            out.append("</dSpread>")
        for month, sprd, outr in p.spot:
            out += ["<spotRate>", _el("r", 1), _el("pe", month), _el("sprd", sprd),
                    _el("outr", outr), "</spotRate>"]  # fmt: skip
        out.append("</ccDef>")
    out.append("<interSpreads>")
    for priority, method, rate, legs in fx.spreads:
        tag = "hSpread" if method == "04" else "dSpread"
        out += [f"<{tag}>", _el("spread", priority), "<rate>", _el("r", 1), _el("val", rate),
                "</rate>"]  # fmt: skip
        for code, ratio, side in legs:
            out += ["<tLeg>", _el("cc", fx.product(code).cc_code), _el("tn", 1),
                    _el("rs", side), _el("i", ratio), "</tLeg>"]  # fmt: skip
        out.append(f"</{tag}>")
    out += ["</interSpreads>", "</clearingOrg>", "</pointInTime>", "</spanFile>"]
    return "\n".join(out) + "\n"


def fixture_from_params(params, months: dict[str, list[int]] | None = None) -> Fixture:
    """The futures part of an xmsim parameter set written as CME would (cash buckets and
    their spreads are xmsim's own and have no record in CME's files)."""
    months = months or {}
    products = []
    for p in params.products:
        ms = months.get(p.code, [202612])
        legs = [(1, 1, "A"), (2, 1, "B")]
        products.append(FProduct(
            p.code, {m: cme_array(p.psr_usd) for m in ms}, p.psr_usd,
            intra=[(1, p.intra_spread_usd, legs)] if p.intra_spread_usd else [],
            tiers=[(1, ms[0], ms[0]), (2, ms[-1], ms[-1])],
            spot=[(ms[0], p.spot_usd, p.spot_usd)] if p.spot_usd else [],
        ))  # fmt: skip
    codes = {p.code for p in params.products}
    spreads = []
    for s in params.scan_spreads:
        if set(s.legs) <= codes:
            legs = [(c, r, "A") for c, r in zip(s.legs, s.ratios, strict=True)]
            spreads.append((s.priority, "04", s.credit_rate, legs))
    for s in params.inter_spreads:
        if set(s.legs) <= codes and s.basis == "delta":
            legs = [(s.legs[0], s.ratios[0], "A"), (s.legs[1], s.ratios[1], "B")]
            spreads.append((s.priority, "01", s.rate, legs))
    return Fixture(products, spreads, extreme=(params.extreme_multiple, params.extreme_cover))
