"""Streaming reader of CME's XML SPAN risk-parameter file (``.spn``, SPAN file format 4.00).

Parsed with :mod:`xml.parsers.expat` event by event: only the subtrees of eligible contracts are
built (a futures portfolio is dropped as soon as its ``pfCode`` says it is not eligible), so a
full daily file streams with flat memory. Element names are those of CME's XML SPAN layout:

================================ ==============================================================
element                          read
================================ ==============================================================
spanFile/fileFormat              file format
pointInTime/date, isSetl,        business date CCYYMMDD; settlement (1) or intraday; its
setlQualifier                    qualifier (the cycle)
clearingOrg/ec                   exchange complex
exchange/exch, futPf/pfCode      exchange and product code of a futures portfolio
futPf/fut/pe, fut/ra/a (16),     contract month, risk array [USD per long contract, + = loss],
fut/ra/d, fut/scanRate/priceScan composite delta, price scan range
ccDef/cc, ccDef/pfLink/exch,     combined commodity and the products linked to it
pfCode, pfType
ccDef/intraTiers/tier/tn,sPe,ePe intra-commodity tiers
ccDef/dSpread/spread, rate/val,  tier-to-tier intra-commodity spreads: priority, charge per
tLeg/tn, tLeg/i, tLeg/rs         spread [USD], legs (tier, ratio, side)
ccDef/spotRate/pe, sprd, outr    delivery (spot) charges per contract month [USD]
interSpreads/dSpread, hSpread    inter-commodity spreads (delta-based / scanning-based):
/spread, rate/val, tLeg/cc,i,rs  priority, credit rate, legs (combined commodity, ratio, side)
================================ ==============================================================

Inferred, not published in the material found (also in the README): ``hSpread`` is read as the
scanning-based spread (its ``sLeg`` target/required flags mirror type 6 method 4), and a credit
``rate/val`` above 1 is read as percent, at most 1 as a fraction. Not read from XML: combined
commodity groups, scanning tiers, initial/maintenance ratios and debt securities (no element for
futures equivalents was found), options and every other element.
"""

from __future__ import annotations

import math
from typing import BinaryIO
from xml.parsers import expat

from xmsim.engines.span.files_model import (
    N_ARRAY,
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

_ROOTS = {
    "futPf": "exchange",
    "ccDef": "clearingOrg",
    "dSpread": "interSpreads",
    "hSpread": "interSpreads",
}
_SCALARS = {
    ("pointInTime", "date"),
    ("pointInTime", "isSetl"),
    ("pointInTime", "setlQualifier"),
    ("clearingOrg", "ec"),
    ("spanFile", "fileFormat"),
    ("exchange", "exch"),
}


class _Node:
    __slots__ = ("kids", "line", "parts", "tag")

    def __init__(self, tag: str, line: int) -> None:
        self.tag, self.line, self.kids, self.parts = tag, line, [], []

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def all(self, tag: str) -> list[_Node]:
        return [k for k in self.kids if k.tag == tag]

    def one(self, tag: str) -> _Node | None:
        return next((k for k in self.kids if k.tag == tag), None)

    def get(self, tag: str) -> str:
        node = self.one(tag)
        return node.text if node is not None else ""


class _SpnReader:
    def __init__(self, name: str) -> None:
        self.data = SpanFileData(name)
        self.eligible = eligible_codes()
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.chars
        self.stack: list[str] = []
        self.nodes: list[_Node] = []  # the subtree being built, root first
        self.skip = False
        self.root_depth = 0
        self.scalar: list[str] | None = None
        self.scalars: dict[str, str] = {}
        self.exchange = ""
        self.months: dict[str, dict[int, MonthArray]] = {}
        self.cc_of: dict[str, str] = {}

    # -- expat callbacks ----------------------------------------------------------------------

    def start(self, tag: str, _attrs) -> None:
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(tag)
        if self.nodes:
            if not self.skip:
                node = _Node(tag, self.parser.CurrentLineNumber)
                self.nodes[-1].kids.append(node)
                self.nodes.append(node)
        elif _ROOTS.get(tag) == parent:
            self.nodes.append(_Node(tag, self.parser.CurrentLineNumber))
            self.root_depth = len(self.stack)
        elif (parent, tag) in _SCALARS:
            self.scalar = []

    def chars(self, text: str) -> None:
        if self.nodes and not self.skip:
            self.nodes[-1].parts.append(text)
        elif self.scalar is not None:
            self.scalar.append(text)

    def end(self, tag: str) -> None:
        depth = len(self.stack)
        self.stack.pop()
        if self.scalar is not None:
            value = "".join(self.scalar).strip()
            self.scalar = None
            if tag == "exch":
                self.exchange = value
            else:
                self.scalars[tag] = value
            return
        if not self.nodes:
            return
        if depth == self.root_depth:
            root = self.nodes.pop()
            if not self.skip:
                self.subtree(root)
            self.skip = False
            return
        if not self.skip:
            node = self.nodes.pop()
            if node.tag == "pfCode" and self.nodes[0].tag == "futPf":
                key = (self.exchange, node.text)
                self.skip = key not in self.eligible
                if self.skip:
                    self.data.counts["futPf (other contracts)"] += 1

    # -- subtrees -----------------------------------------------------------------------------

    def error(self, node: _Node, message: str) -> SpanFileError:
        return SpanFileError(f"{self.data.name} line {node.line} (<{node.tag}>): {message}")

    def number(self, node: _Node, tag: str, where: str, blank: float | None = None) -> float:
        child = node.one(tag)
        text = child.text if child is not None else ""
        if not text and blank is not None:
            return blank
        try:
            value = float(text)
        except ValueError:
            raise self.error(
                child or node, f"<{tag}> of {where} is {text!r}, not a number"
            ) from None
        if not math.isfinite(value):
            raise self.error(child or node, f"<{tag}> of {where} is {text!r}, not finite")
        return value

    def month(self, node: _Node, where: str) -> int:
        text = node.get("pe")
        try:
            return parse_month(text[:6])
        except ValueError:
            raise self.error(node, f"<pe> of {where} is {text!r}, not CCYYMM") from None

    def subtree(self, root: _Node) -> None:
        handler = {"futPf": self.fut_pf, "ccDef": self.cc_def}.get(root.tag, self.inter)
        handler(root)
        self.data.counts[root.tag] += 1

    def fut_pf(self, pf: _Node) -> None:
        xm = self.eligible[(self.exchange, pf.get("pfCode"))]
        months = self.months.setdefault(xm, {})
        for fut in pf.all("fut"):
            where = f"{xm} futures month {fut.get('pe')}"
            month = self.month(fut, where)
            ra = fut.one("ra")
            if ra is None or len(ra.all("a")) != N_ARRAY:
                raise self.error(fut, f"{where}: no <ra> with 16 <a> values (missing risk array)")
            values = []
            for a in ra.all("a"):
                try:
                    values.append(float(a.text))
                except ValueError:
                    raise self.error(a, f"{where}: <a> is {a.text!r}, not a number") from None
            scan = fut.one("scanRate")
            psr = self.number(scan, "priceScan", where, math.nan) if scan else math.nan
            delta = self.number(ra, "d", where, 1.0)
            months[month] = MonthArray(
                month, tuple(values), delta, psr, math.nan, math.nan, fut.line
            )

    def cc_def(self, cc: _Node) -> None:
        code = cc.get("cc")
        linked = [
            self.eligible.get((link.get("exch"), link.get("pfCode")))
            for link in cc.all("pfLink")
            if link.get("pfType") in ("FUT", "")
        ]
        xm = next((x for x in linked if x), None)
        if xm is None:
            return
        link = next(
            x for x in cc.all("pfLink") if self.eligible.get((x.get("exch"), x.get("pfCode")))
        )
        p = self.data.products.setdefault(
            xm, ProductData(xm, link.get("pfCode"), link.get("exch"), code)
        )
        self.cc_of[code] = xm
        tiers = cc.one("intraTiers")
        for t in tiers.all("tier") if tiers else ():
            where = f"{xm} intra tier {t.get('tn')}"
            start, end = t.get("sPe"), t.get("ePe")
            try:
                p.tiers.append((int(t.get("tn")), parse_month(start[:6]), parse_month(end[:6])))
            except ValueError:
                raise self.error(
                    t, f"{where}: tn/sPe/ePe {t.get('tn')!r}/{start!r}/{end!r}"
                ) from None
        for s in cc.all("dSpread"):
            where = f"{xm} intra spread {s.get('spread')}"
            rate = s.one("rate")
            legs = tuple(
                (int(self.number(leg, "tn", where)), self.number(leg, "i", where), leg.get("rs"))
                for leg in s.all("tLeg")
            )
            p.intra.append(
                IntraSpread(
                    int(self.number(s, "spread", where)),
                    self.number(rate, "val", where) if rate else 0.0,
                    legs,
                    s.line,
                )
            )
        for r in cc.all("spotRate"):
            where = f"{xm} spot rate"
            p.spot.append(
                SpotRate(
                    self.month(r, where),
                    self.number(r, "sprd", where),
                    self.number(r, "outr", where),
                    r.line,
                )
            )

    def inter(self, s: _Node) -> None:
        where = f"inter-commodity spread {s.get('spread')}"
        legs, foreign = [], []
        for leg in s.all("tLeg") + s.all("pLeg"):
            xm = self.cc_of.get(leg.get("cc"))
            if xm is None:
                foreign.append(leg.get("cc"))
            else:
                legs.append((xm, self.number(leg, "i", where), leg.get("rs")))
        if not legs:
            self.data.counts["interSpreads (other contracts)"] += 1
            return
        priority = int(self.number(s, "spread", where))
        if foreign:
            self.data.notes.append(
                f"{where} (line {s.line}) skipped: legs {foreign} are not eligible contracts"
            )
            return
        rate_node = s.one("rate")
        rate = self.number(rate_node, "val", where) if rate_node else 0.0
        rate = rate / 100.0 if rate > 1.0 else rate
        method = "04" if s.tag == "hSpread" else "01"
        self.data.inter_spreads.append(
            InterSpreadRecord(priority, method, rate, tuple(legs), s.line)
        )

    def finish(self) -> SpanFileData:
        d, sc = self.data, self.scalars
        if "date" not in sc:
            raise SpanFileError(f"{d.name}: no <pointInTime><date>; is this a SPAN .spn file?")
        try:
            date = parse_date(sc["date"])
        except ValueError:
            raise SpanFileError(
                f"{d.name}: <pointInTime><date> {sc['date']!r} is not CCYYMMDD"
            ) from None
        cycle = f"{'S' if sc.get('isSetl', '1') == '1' else 'I'}/{sc.get('setlQualifier') or '?'}"
        d.header = FileHeader(sc.get("ec", ""), date, cycle, "CLR", sc.get("fileFormat", ""))
        for xm, months in self.months.items():
            if xm not in d.products:
                raise SpanFileError(
                    f"{d.name}: futures portfolio {xm} has no <ccDef> linking it (unknown product)"
                )
            d.products[xm].months = dict(sorted(months.items()))
        for xm, p in d.products.items():
            if not p.months:
                raise SpanFileError(
                    f"{d.name}: {xm} has a <ccDef> but no <futPf>/<fut>/<ra> (missing risk array)"
                )
        return d


def read_spn(stream: BinaryIO, name: str) -> SpanFileData:
    """Stream one XML SPAN file (binary stream); ``SpanFileError`` names line and element."""
    reader = _SpnReader(name)
    try:
        reader.parser.ParseFile(stream)
    except expat.ExpatError as exc:
        raise SpanFileError(
            f"{name} line {exc.lineno}: not well-formed XML ({expat.ErrorString(exc.code)})"
        ) from None
    return reader.finish()


__all__ = ["read_spn"]
