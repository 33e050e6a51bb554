"""Write the sample portfolios in ``sample_portfolios/`` (deterministic; outputs are committed).

    python scripts/make_samples.py            # rewrite sample_portfolios/
    python scripts/make_samples.py --out DIR  # write elsewhere (the tests compare the two)

Every sample is built for as-of 2026-07-31 (METHODOLOGY §9). The hand-built samples' hedges are
sized in the model's own DV01s (:func:`model_hedge`); the customer and dealer books use the DV01
guides below: a bond's DV01 from a plain semiannual yield formula at the 2026-07-31 GSW par
yield of its maturity, and futures DV01s from METHODOLOGY §4's CTD proxy (the shortest
deliverable, coupon at the par yield) divided by its CME conversion factor. These are sizing
guides only; the engines compute the real risk.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xmsim import dates  # noqa: E402
from xmsim.upload.format import WRITTEN_COLUMNS as COLUMN_NAMES  # noqa: E402
from xmsim.upload.loader import SAMPLE_ASOF, SAMPLES, format_table_markdown  # noqa: E402

ASOF = SAMPLE_ASOF
SEED = 20260731
D = dt.date

PAR_PCT = ((1, 4.1863), (2, 4.2541), (3, 4.3263), (5, 4.4769), (7, 4.6260), (10, 4.8302),
           (20, 5.2471), (30, 5.3377))  # fmt: skip
"""GSW fitted par curve of 2026-07-31 (METHODOLOGY §9) [years, %]."""

FUTURES_DV01_GUIDE = {"ZT": 40.7, "Z3N": 59.7, "ZF": 42.8, "ZN": 62.7, "TN": 84.1, "TWE": 133.0,
                      "ZB": 116.7, "UB": 152.4, "ZQ": 41.67, "SR1": 41.67, "SR3": 25.0}  # fmt: skip
"""Futures DV01 [USD per bp per contract], Dec-26 Treasury contracts: CTD-proxy DV01 / CF on the
2026-07-31 curve (ZN: 6y6m 4.61% proxy, DV01 $58.07 per $100k, CF 0.9263 -> $62.7); SOFR / Fed
Funds from the contract table. The brief's rule of thumb for ZN was $75-80 (a longer CTD)."""

TEN_YEAR = (4.0, D(2034, 2, 15), "91282CJZ5")  # deliverable into ZN Dec-26
TEN_YEAR_B = (4.25, D(2034, 11, 15), "")
TWO_YEAR = (3.875, D(2028, 7, 31), "")


def par_pct(years: float) -> float:
    """Par yield [%] at ``years``, linear between the curve's points, flat outside."""
    if years <= PAR_PCT[0][0]:
        return PAR_PCT[0][1]
    for (t0, y0), (t1, y1) in itertools.pairwise(PAR_PCT):
        if years <= t1:
            return y0 + (y1 - y0) * (years - t0) / (t1 - t0)
    return PAR_PCT[-1][1]


def _price(coupon_pct: float, maturity: dt.date, yield_pct: float) -> float:
    flows = [maturity]
    while flows[-1] > ASOF:
        flows.append(dates.add_months(maturity, -6 * len(flows)))
    n = len(flows) - 1
    w = (flows[-2] - ASOF).days / (flows[-2] - flows[-1]).days
    v = 1.0 / (1.0 + yield_pct / 200.0)
    return sum(coupon_pct / 2 * v ** (w + k) for k in range(n)) + 100.0 * v ** (w + n - 1)


def bond_dv01_per_mm(coupon_pct: float, maturity: dt.date) -> float:
    """DV01 of $1mm face [USD per bp] at the par yield of the bond's maturity."""
    y = par_pct((maturity - ASOF).days / 365.25)
    return (
        _price(coupon_pct, maturity, y - 0.01) - _price(coupon_pct, maturity, y + 0.01)
    ) * 5000.0


def model_dv01s(rows: list[dict]) -> list[float]:
    """Each row's DV01 in the model's own terms [USD per bp]: the pricer on the embedded
    default market (the numbers ``python -m xmsim risk`` prints)."""
    import pandas as pd

    from xmsim.marketdata.defaults import default_market
    from xmsim.pricing.risk import build_book, position_risk
    from xmsim.upload.loader import load_portfolio

    market = default_market()
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMN_NAMES} for r in rows])
    loaded = load_portfolio(frame.replace("", None), asof=ASOF)
    assert loaded.ok and len(loaded.portfolio) == len(rows), loaded.issues
    risk = position_risk(build_book(loaded.portfolio, market.curve), market.curve)
    return [float(v) for v in risk.to_frame(loaded.portfolio)["dv01_usd"]]


def model_hedge(hedged: list[dict], contract: str, expiry: str, ratio: float = 1.0) -> int:
    """Contracts of ``contract`` whose model DV01 is ``ratio`` x the model DV01 of ``hedged``
    (sign included: a long is hedged with a short) [contracts]."""
    *cash_dv01s, one = model_dv01s([*hedged, future(contract, 1, expiry)])
    return -round(ratio * sum(cash_dv01s) / one)


def hedge_contracts(face_usd: float, bond: tuple, contract: str, ratio: float = 1.0) -> int:
    """Contracts whose DV01 is ``ratio`` × the DV01 of ``face_usd`` of ``bond`` [contracts]."""
    dv01 = face_usd / 1e6 * bond_dv01_per_mm(bond[0], bond[1])
    return round(ratio * dv01 / FUTURES_DV01_GUIDE[contract])


def cash(product, face, bond, label="", account="HOUSE", end=None, issue=None):
    coupon, maturity, cusip = bond
    return {"account": account, "product": product, "quantity": f"{face:.0f}",
            "coupon": f"{coupon:g}", "maturity": maturity.isoformat(), "cusip": cusip or "",
            "issue_date": issue.isoformat() if issue else "",
            "end_date": end.isoformat() if end else "", "label": label}  # fmt: skip


def future(contract, qty, expiry, label="", account="HOUSE"):
    return {"account": account, "product": "FUTURE", "quantity": str(qty), "contract": contract,
            "expiry": expiry, "label": label}  # fmt: skip


def small_samples() -> dict[str, list[dict]]:
    """The hand-built samples (everything but the customer and dealer books)."""
    basis = cash(
        "REPO",
        100e6,
        TEN_YEAR,
        "10y note bought (settled) and financed in term repo: FICC holds the forward purchase",
        end=D(2026, 9, 30),
    )
    two_year = cash("UST", 200e6, TWO_YEAR, "long 2y notes")
    ten_year = cash("UST", 100e6, TEN_YEAR_B, "10y note long")
    ten_year_half = cash("UST", 50e6, TEN_YEAR_B, "10y note long")
    sr3_months = [dates.add_months(D(2026, 9, 1), 3 * k).strftime("%Y-%m") for k in range(8)]
    sr3_each = round(model_hedge([two_year], "SR3", sr3_months[0]) / 8)
    return {
        "basis_trade": [
            basis,
            future(
                "ZN",
                model_hedge([basis], "ZN", "2026-12"),
                "2026-12",
                "short ZN Dec-26, DV01-neutral",
            ),
        ],
        "steepener_2s10s": [
            two_year,
            future("ZN", model_hedge([two_year], "ZN", "2026-12"), "2026-12", "short ZN Dec-26"),
        ],
        "cash_only": [
            cash("UST", 50e6, TWO_YEAR, "2y long"),
            cash("UST", -25e6, (4.0, D(2031, 7, 31), ""), "5y short"),
            cash("UST", 40e6, TEN_YEAR_B, "10y long"),
            cash("REPO", 40e6, TEN_YEAR_B, "10y financed overnight", end=D(2026, 8, 3)),
            cash(
                "REVERSE_REPO",
                15e6,
                (4.625, D(2055, 2, 15), ""),
                "30y borrowed for the short",
                end=D(2026, 8, 31),
            ),
            cash("UST", -15e6, (4.625, D(2055, 2, 15), ""), "30y short"),
            cash("UST", 10e6, (3.5, D(2027, 9, 30), ""), "14 months left, still eligible"),
        ],
        "futures_only": [
            future("ZT", 300, "2026-12", "2y long"),
            future("ZF", 250, "2026-12", "5y long"),
            future("ZN", -400, "2026-12", "10y short"),
            {**future("", -60, "ZBZ6", "bond short; expiry as a CME code"), "contract": ""},
            future("UB", 30, "2026-12", "ultra bond long"),
            future("SR3", -150, "2027-03", "SOFR Mar-27 short"),
            future("SR3", -150, "2027-06", "SOFR Jun-27 short"),
            future("ZQ", 100, "2026-10", "Fed Funds Oct-26 long"),
        ],
        "half_hedge": [
            ten_year,
            future("ZN", model_hedge([ten_year], "ZN", "2026-12", 0.5), "2026-12", "50% hedge"),
        ],
        "over_hedged": [
            ten_year_half,
            future(
                "ZN",
                model_hedge([ten_year_half], "ZN", "2026-12", 2.0),
                "2026-12",
                "futures DV01 about 2x the cash DV01",
            ),
        ],
        "sofr_hedge_2y": [two_year]
        + [future("SR3", sr3_each, m, f"SR3 strip {k + 1}/8") for k, m in enumerate(sr3_months)],
        "ineligible_mix": [
            cash("UST", 30e6, TEN_YEAR_B, "eligible 10y note"),
            future("ZN", -200, "2026-12", "eligible ZN hedge"),
            cash("UST", 10e6, (3.5, D(2027, 9, 30), ""), "eligible: 14 months left"),
            cash("TIPS", 20e6, (2.125, D(2035, 1, 15), ""), "TIPS: ineligible"),
            cash("BILL", 50e6, (0.0, D(2026, 12, 24), ""), "bill: ineligible"),
            cash("AGENCY", 10e6, (4.5, D(2033, 6, 15), ""), "agency: ineligible"),
            cash("MBS", 15e6, (5.5, D(2054, 9, 1), ""), "MBS: ineligible"),
            cash("STRIPS", 5e6, (0.0, D(2045, 5, 15), ""), "STRIPS: ineligible"),
            cash("UST", 25e6, (4.5, D(2027, 4, 30), ""), "9 months left: ineligible"),
            cash("UST", 5e6, (3.75, D(2027, 7, 31), ""), "exactly 1 year left: ineligible"),
            {**future("ZN", 100, "2026-12", "ZN Dec-26 options: ineligible"), "product": "OPTION"},
        ],
    }


def bond_universe() -> list[tuple[float, dt.date, dt.date]]:
    """Treasury notes and bonds outstanding on 2026-07-31: (coupon %, maturity, issue date)."""
    rng = random.Random(SEED)
    universe = []

    def add(maturity: dt.date, tenor_years: int) -> None:
        issue = dates.add_months(maturity, -12 * tenor_years)
        if issue.year <= 2021:  # issued in the low-rate years
            base = 0.5 + 2.0 * rng.random()
        else:
            base = par_pct((maturity - ASOF).days / 365.25) - 0.75 + 1.0 * rng.random()
        coupon = max(0.125, round(base * 8) / 8)
        universe.append((coupon, maturity, issue))

    for k in range(71):  # month-end 2y/3y/5y/7y notes, Sep-27 to Jul-33
        year, month0 = divmod(2027 * 12 + 8 + k, 12)
        maturity = dates.month_end(year, month0 + 1)
        tenor = 2 if maturity <= D(2028, 7, 31) else 3 if maturity <= D(2029, 7, 31) else 5
        add(maturity, 7 if maturity > D(2031, 7, 31) else tenor)
    for first, count, tenor in ((D(2033, 8, 15), 12, 10), (D(2044, 2, 15), 10, 20),
                                (D(2050, 2, 15), 26, 30)):  # fmt: skip
        for k in range(count):
            add(dates.add_months(first, 3 * k), tenor)
    return universe


def _expiries() -> dict[str, list[str]]:
    quarterly = ["2026-09", "2026-12", "2027-03"]
    monthly = [dates.add_months(D(2026, 8, 1), k).strftime("%Y-%m") for k in range(12)]
    sofr = [dates.add_months(D(2026, 9, 1), 3 * k).strftime("%Y-%m") for k in range(12)]
    codes = ("ZT", "Z3N", "ZF", "ZN", "TN", "TWE", "ZB", "UB")
    return {**{c: quarterly for c in codes}, "ZQ": monthly, "SR1": monthly, "SR3": sofr}


def dealer_book() -> list[dict]:
    """About 1,100 house positions in every product and all 11 contracts (deterministic)."""
    rng = random.Random(SEED + 1)
    bonds, expiries = bond_universe(), _expiries()
    pick = lambda seq: seq[int(rng.random() * len(seq))]  # noqa: E731
    size = lambda: round(10 ** (rng.random() * 2.3)) * 1_000_000  # $1mm to $200mm  # noqa: E731
    terms = [dates.add_business_days(ASOF, 1), dates.add_business_days(ASOF, 5),
             D(2026, 8, 31), D(2026, 9, 30), D(2026, 10, 30)]  # fmt: skip
    rows = []
    for n in range(1100):
        coupon, maturity, issue = pick(bonds)
        bond = (coupon, maturity, "")
        label = f"D{n + 1:04d}"
        u = rng.random()
        if u < 0.60:
            side = 1 if rng.random() < 0.55 else -1
            rows.append(cash("UST", side * size(), bond, f"{label} cash", issue=issue))
        elif u < 0.74:
            rows.append(cash("REPO", size(), bond, f"{label} repo", end=pick(terms)))
        elif u < 0.84:
            rows.append(
                cash("REVERSE_REPO", size(), bond, f"{label} reverse repo", end=pick(terms))
            )
        elif u < 0.98:
            code = list(expiries)[n % len(expiries)]
            qty = (1 if rng.random() < 0.5 else -1) * (1 + int(rng.random() * 500))
            rows.append(future(code, qty, pick(expiries[code]), f"{label} futures"))
        else:
            product = pick(("TIPS", "BILL", "AGENCY", "MBS", "STRIPS", "OPTION"))
            if product == "OPTION":
                rows.append({**future("ZN", 1 + int(rng.random() * 200), "2026-12", label),
                             "product": "OPTION"})  # fmt: skip
            else:
                coupon = 0.0 if product in ("BILL", "STRIPS") else coupon
                maturity = D(2027, 1, 28) if product == "BILL" else maturity
                rows.append(cash(product, size(), (coupon, maturity, ""), f"{label} {product}"))
    return rows


def customer_book() -> list[dict]:
    """24 customer accounts; CUST_A and CUST_B offset each other only across accounts."""
    rng = random.Random(SEED + 2)
    bonds = bond_universe()
    pick = lambda seq: seq[int(rng.random() * len(seq))]  # noqa: E731
    rows = [
        cash("UST", 50e6, TEN_YEAR_B, "long cash only", "CUST_A"),
        future(
            "ZN",
            -hedge_contracts(50e6, TEN_YEAR_B, "ZN"),
            "2026-12",
            "short futures only",
            "CUST_B",
        ),
    ]
    for i in range(22):
        account = f"CUST_{chr(ord('C') + i)}"
        coupon, maturity, _ = pick([b for b in bonds if b[1] > D(2033, 6, 1)][:12])
        bond = (coupon, maturity, "")
        face = (5 + int(rng.random() * 16)) * 5e6
        style = i % 4
        if style == 0:  # basis trade
            rows.append(cash("REPO", face, bond, "basis: repo-financed long", account,
                             end=D(2026, 9, 30)))  # fmt: skip
            rows.append(
                future("ZN", -hedge_contracts(face, bond, "ZN"), "2026-12", "basis", account)
            )
        elif style == 1:  # outright cash, partly hedged
            rows.append(cash("UST", face, bond, "outright long", account))
            ratio = 0.25 + 0.5 * rng.random()
            rows.append(
                future(
                    "ZN",
                    -hedge_contracts(face, bond, "ZN", ratio),
                    "2026-12",
                    "partial hedge",
                    account,
                )
            )
        elif style == 2:  # futures curve trade
            rows.append(
                future("ZT", 50 + int(rng.random() * 200), "2026-12", "curve: 2y long", account)
            )
            rows.append(
                future(
                    "ZN", -(20 + int(rng.random() * 100)), "2026-12", "curve: 10y short", account
                )
            )
        else:  # long bond hedged with UB, plus a SOFR position
            long_bond = pick([b for b in bonds if b[1] > D(2051, 12, 1)])
            rows.append(
                cash("UST", face / 2, (long_bond[0], long_bond[1], ""), "30y long", account)
            )
            ub = hedge_contracts(face / 2, long_bond, "UB")
            rows.append(future("UB", -ub, "2026-12", "ultra bond hedge", account))
            rows.append(
                future("SR3", int(rng.random() * 100) - 50 or 10, "2027-03", "SOFR", account)
            )
    return rows


def build_samples() -> dict[str, list[dict]]:
    """Every sample, by name, in the order of ``xmsim.upload.loader.SAMPLES``."""
    built = {**small_samples(), "customer_book": customer_book(), "dealer_book": dealer_book()}
    return {name: built[name] for name, _ in SAMPLES}


def readme(samples: dict[str, list[dict]]) -> str:
    lines = [
        "# Sample portfolios",
        "",
        "Realistic portfolios for as-of **2026-07-31** (the embedded default curve, METHODOLOGY "
        "§9). Generated by `python scripts/make_samples.py` (deterministic); do not edit by hand.",
        "The hand-built hedges (basis trade, steepener, half hedge, over-hedged, SOFR strip) are "
        "sized in the model's own DV01s (`python -m xmsim risk` on the embedded market), so a "
        "sample called DV01-neutral is neutral in the numbers the tool shows; the customer and "
        "dealer books use the quick guides in `scripts/make_samples.py` "
        f"(ZN Dec-26 ≈ ${FUTURES_DV01_GUIDE['ZN']} per contract per bp).",
        "",
        "| File | Rows | Accounts | What it demonstrates |",
        "|---|---|---|---|",
    ]
    for name, what in SAMPLES:
        rows = samples[name]
        accounts = len({r["account"] for r in rows})
        lines.append(f"| `{name}.csv` | {len(rows)} | {accounts} | {what} |")
    lines += [
        "",
        "Conventions (METHODOLOGY §4): a `REPO` row is the cash borrower's position, whose open "
        "close leg at FICC is a forward purchase (long the collateral); so `basis_trade.csv` "
        "holds the financed long as one `REPO` row (the purchase has settled) rather than a "
        "`UST` row plus a `REPO` row, which would count the long twice. `ineligible_mix.csv` "
        "includes a note maturing exactly one year after the as-of date: FICC needs *more* than "
        "one year, so it is ineligible.",
        "",
        "What the default models give: each sample's run output (both readings) is recorded in "
        "`tests/snapshots/<name>.run.house.txt` and `.run.customer.txt`. Since SPAN margins cash "
        "as futures equivalents along the curve (issue 13), the applied savings moved (house "
        "and customer alike; before -> after that change): `steepener_2s10s` 0% -> 73.4% and "
        "`sofr_hedge_2y` 0% -> 54.2% (SPAN had given no credit between the note and its hedge), "
        "`dealer_book` 30.8% -> 52.7%, `half_hedge` 57.3% -> 58.2%, `over_hedged` 62.7% -> "
        "57.7%, `ineligible_mix` 65.3% -> 63.4%, `customer_book` house 80.0% -> 77.8% "
        "(customer reading, effective 68.8% -> 68.2%), `basis_trade` 80% (cap) unchanged, "
        "`cash_only` and `futures_only` 0% (one leg only).",
    ]
    lines += ["", "## Upload format", "", "One row per position (CSV, XLSX, or cells pasted in the "
              "app). Column names match case-insensitively, ignoring spaces, underscores and "
              "hyphens; unknown columns are reported and ignored.", "",
              format_table_markdown().rstrip("\n"), ""]  # fmt: skip
    return "\n".join(lines)


def write_samples(out_dir: Path) -> dict[str, Path]:
    """Write every sample CSV and the README into ``out_dir``; returns the CSV paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    samples = build_samples()
    paths = {}
    for name, rows in samples.items():
        path = out_dir / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(COLUMN_NAMES), lineterminator="\n")
            writer.writeheader()
            writer.writerows({c: row.get(c, "") for c in COLUMN_NAMES} for row in rows)
        paths[name] = path
    (out_dir / "README.md").write_text(readme(samples), encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "sample_portfolios")
    args = parser.parse_args(argv)
    for name, path in write_samples(args.out).items():
        print(f"{name:16s} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
