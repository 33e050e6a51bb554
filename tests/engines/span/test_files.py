"""CME SPAN risk-parameter files (.pa2 positional, .spn XML): every record type read, CME's
published examples through the file path, CSV = positional = XML on every sample, bad files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile

import numpy as np
import pytest

from tests.engines.span.spanfile_writer import (
    Fixture,
    FProduct,
    Rec,
    cme_array,
    fixture_from_params,
    write_pa2,
    write_spn,
)
from xmsim.engines.span.files_convert import read_span_file
from xmsim.engines.span.margin import SpanBook, span_margin
from xmsim.engines.span.params_io import (
    default_span_params,
    load_span_params,
    read_span_params,
    save_span_params,
)

DEC, MAR = 202612, 202703
# CME's scanning-spread example: per-contract arrays of ZB (outright 3,100) and ZN (1,600) as
# published (whole USD; moves 0.3333 / 0.6667 / 1, extremes 0.99)
ZB_ARRAY = (0, 0, -1033, -1033, 1033, 1033, -2067, -2067, 2067, 2067, -3100, -3100, 3100, 3100,
            -3069, 3069)  # fmt: skip
ZN_ARRAY = (0, 0, -533, -533, 533, 533, -1067, -1067, 1067, 1067, -1600, -1600, 1600, 1600,
            -1584, 1584)  # fmt: skip


def futures_book(rows) -> SpanBook:
    """rows: (code, contracts, CCYYMM)."""
    n = len(rows)
    return SpanBook(
        asof=dt.date(2026, 7, 31),
        code=np.array([r[0] for r in rows]),
        quantity=np.array([r[1] for r in rows], dtype=float),
        dv01_usd=np.zeros(n),
        years_to_maturity=np.full(n, np.nan),
        sub_key=np.array([dt.date(r[2] // 100, r[2] % 100, 1).toordinal() for r in rows]),
        spot=np.zeros(n, dtype=bool),
        account=np.zeros(n, dtype=np.int64),
        accounts=("A",),
        contract_dv01=(("ZN", 78.0), ("ZB", 150.0), ("ZT", 40.0)),
        labels=tuple(f"r{i}" for i in range(n)),
    )


def full_fixture() -> Fixture:
    """Every record type xmsim reads, with values that differ from field to field."""
    zn = FProduct("ZN", {DEC: ZN_ARRAY, MAR: ZN_ARRAY}, psr=1600,
                  intra=[(1, 120, [(1, 1, "A"), (2, 1, "B")])],
                  tiers=[(1, DEC, DEC), (2, MAR, 202709)], spot=[(DEC, 140, 150)],
                  member_ratio=1.0, delta=0.9876)  # fmt: skip
    zb = FProduct("ZB", {DEC: ZB_ARRAY}, psr=3100, tiers=[(1, DEC, DEC)])
    sr3 = FProduct("SR3", {MAR: cme_array(1750)}, psr=1750)
    zt = FProduct("ZT", {DEC: cme_array(2500)}, psr=2500)
    spreads = [(1, "04", 0.70, [("ZB", 2, "A"), ("ZN", 3, "B")]),
               (2, "01", 0.55, [("SR3", 2, "A"), ("ZT", 1, "B")])]  # fmt: skip
    debt = [("91282CKZ3", "ZN", DEC, 4.25, dt.date(2033, 5, 15), 0.8612345, "UST 4.25 05/33")]
    return Fixture([zn, zb, sr3, zt], spreads, debt, others=40)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("span")
    fx = full_fixture()
    pa2, spn = root / "cme.20260731.s.pa2", root / "cme.20260731.s.spn"
    pa2.write_text(write_pa2(fx), encoding="latin-1")
    spn.write_text(write_spn(fx), encoding="utf-8")
    return {"pa2": pa2, "spn": spn}


def test_positional_file_every_record_type(files):
    d = read_span_file(files["pa2"])
    h = d.header
    assert (h.business_date, h.cycle, h.business_function, h.file_format, h.exchange_complex) == (
        dt.date(2026, 7, 31), "S/F", "CLR", "U2", "CME")  # fmt: skip
    zn = d.products["ZN"]
    assert (zn.file_code, zn.exchange, zn.cc) == ("21", "CBT", "21")
    assert zn.months[DEC].losses == ZN_ARRAY and zn.months[DEC].delta == pytest.approx(0.9876)
    assert (zn.months[MAR].psr_usd, zn.months[MAR].extreme_multiple) == (1600, 3.0)
    assert zn.months[MAR].extreme_cover == pytest.approx(0.33)
    assert zn.tiers == [(1, DEC, DEC), (2, MAR, 202709)] and zn.member_ratio == 1.0  # type 3
    assert [(s.month, s.spread_usd, s.outright_usd) for s in zn.spot] == [(DEC, 140, 150)]  # 4
    assert [(c.priority, c.rate_usd, c.legs) for c in zn.intra] == [
        (1, 120, ((1, 1, "A"), (2, 1, "B")))]  # type C  # fmt: skip
    assert zn.scan_method == "01"  # type S
    assert d.groups == {"IRS": ("ZN", "ZB", "SR3", "ZT")}  # type 5
    scan, inter = d.inter_spreads  # type 6
    assert (scan.priority, scan.method, scan.rate, scan.legs) == (
        1, "04", pytest.approx(0.70), (("ZB", 2, "A"), ("ZN", 3, "B")))  # fmt: skip
    assert (inter.method, inter.rate, inter.legs[0]) == ("01", pytest.approx(0.55), ("SR3", 2, "A"))
    (sec,) = d.debt  # types 91 and 92
    assert (sec.cusip, sec.contract, sec.month, sec.coupon_pct, sec.maturity) == (
        "91282CKZ3", "ZN", DEC, pytest.approx(4.25), dt.date(2033, 5, 15))  # fmt: skip
    assert sec.conversion_factor == pytest.approx(0.8612345) and sec.description == "UST 4.25 05/33"
    assert d.counts["unknown type Q"] == 1 and d.counts["P (ignored)"] == 1
    assert d.counts["8 (other contracts)"] == 40  # streamed past: options and other exchanges
    assert d.counts["3 (other contracts)"] == 1 and set(d.products) == {"ZN", "ZB", "SR3", "ZT"}


def test_xml_file_same_content(files):
    x, p = read_span_file(files["spn"]), read_span_file(files["pa2"])
    assert (x.header.business_date, x.header.cycle) == (p.header.business_date, "S/F")
    for code, xp in x.products.items():
        pp = p.products[code]
        assert {m: a.losses for m, a in xp.months.items()} == {
            m: a.losses for m, a in pp.months.items()
        }
        assert [a.delta for a in xp.months.values()] == [a.delta for a in pp.months.values()]
        assert (xp.tiers, xp.spot == [], len(xp.intra)) == (pp.tiers, pp.spot == [], len(pp.intra))
    assert [(s.priority, s.method, s.legs) for s in x.inter_spreads] == [
        (s.priority, s.method, s.legs) for s in p.inter_spreads
    ]
    assert x.counts["futPf (other contracts)"] == 40


@pytest.mark.parametrize("kind", ["pa2", "spn"])
def test_cme_scanning_spread_example_through_the_file(files, kind):
    """CME: +2 ZB vs -3 ZN at 70% -> 2,840 against 11,000 outright."""
    params = load_span_params(files[kind])
    book = futures_book([("ZB", 2, DEC), ("ZN", -3, DEC)])
    result = span_margin(book, params)
    assert result.maintenance_usd == pytest.approx(2840.0)
    (spread,) = result.scanning_spreads
    assert spread.scenario_usd.tolist() == pytest.approx(
        [0, 0, 152.8, 152.8, 946.7, 946.7, 307.2, 307.2, 1893.3, 1893.3, 460, 460,
         2840, 2840, 455.4, 2811.6])  # fmt: skip
    outright = span_margin(book, dataclasses.replace(params, scan_spreads=()))
    assert outright.maintenance_usd == pytest.approx(11000.0)
    assert params.label.startswith(f"CME SPAN file {files[kind].name}: business date 2026-07-31")


@pytest.mark.parametrize("kind", ["pa2", "spn"])
def test_cme_inter_commodity_example_through_the_file(files, kind):
    """CME: 2:1 at 55%, outrights 2 x 1,750 and 2,500 -> requirement 2,700."""
    params = load_span_params(files[kind])
    result = span_margin(futures_book([("SR3", 2, MAR), ("ZT", -1, DEC)]), params)
    assert result.scan_risk_usd.sum() == pytest.approx(6000.0)
    assert result.maintenance_usd == pytest.approx(2700.0)


def test_file_values_become_parameters_with_their_source(files):
    params = load_span_params(files["pa2"])
    zn = next(p for p in params.products if p.code == "ZN")
    assert (zn.psr_usd, zn.intra_spread_usd, zn.spot_usd) == (1600, 120, 150)
    assert params.asof == dt.date(2026, 7, 31)
    src = params.source_of("product", "ZN", "psr_usd")
    assert src.status == "SRC" and "cme.20260731.s.pa2" in src.source
    base_zn = next(p for p in default_span_params().products if p.code == "ZN")
    assert zn.point_years == base_zn.point_years  # where cash maps comes from the base set
    curve = [s for s in params.scan_spreads if s.basis == "dv01"]
    assert all(set(s.legs) <= {p.code for p in params.products} for s in curve)


def _zipped(path, member=None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(member or path.name, path.read_bytes())
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["pa2", "spn"])
def test_zipped_and_uploaded_bytes_give_the_same_parameters(files, kind, tmp_path):
    direct = load_span_params(files[kind])
    zpath = tmp_path / f"{files[kind].name}.zip"
    zpath.write_bytes(_zipped(files[kind]))
    from_zip = load_span_params(zpath)
    from_bytes = load_span_params(zpath.read_bytes(), zpath.name)
    nameless = load_span_params(files[kind].read_bytes(), "upload")  # content decides
    for other in (from_zip, from_bytes, nameless):
        assert (other.products, other.scan_spreads, other.inter_spreads) == (
            direct.products, direct.scan_spreads, direct.inter_spreads)  # fmt: skip


def test_fixed_length_records_without_newlines(files, tmp_path):
    text = files["pa2"].read_bytes().decode("latin-1")
    blocks = tmp_path / "blocks.pa2"
    blocks.write_bytes("".join(r.ljust(132) for r in text.split("\r\n") if r).encode())
    assert load_span_params(blocks).products == load_span_params(files["pa2"]).products


def _samples_months() -> dict[str, list[int]]:
    from xmsim.upload.loader import load_portfolio, sample_paths

    months: dict[str, set[int]] = {}
    for path in sample_paths().values():
        for p in load_portfolio(path, asof=dt.date(2026, 7, 31)).portfolio:
            if p.is_future:
                months.setdefault(p.contract, set()).add(p.expiry.year * 100 + p.expiry.month)
    return {c: sorted(m) for c, m in months.items()}


def test_csv_positional_and_xml_give_identical_margins_on_every_sample(tmp_path):
    from xmsim.marketdata.defaults import default_market
    from xmsim.simulate import RunConfig, Simulator
    from xmsim.upload.loader import load_portfolio, sample_paths

    base = default_span_params()
    fx = fixture_from_params(base, _samples_months())
    csv_path, pa2, spn = tmp_path / "p.csv", tmp_path / "p.pa2", tmp_path / "p.spn"
    save_span_params(base, csv_path)
    pa2.write_text(write_pa2(fx), encoding="latin-1")
    spn.write_text(write_spn(fx), encoding="utf-8")
    market = default_market()
    sims = [Simulator(market, RunConfig(span_params=load_span_params(p)))
            for p in (csv_path, pa2, spn)]  # fmt: skip
    for name, path in sample_paths().items():
        portfolio = load_portfolio(path, asof=market.asof).portfolio
        totals = [s.arrangement(portfolio).totals for s in sims]
        assert totals[1] == pytest.approx(totals[0], abs=1e-6), name
        assert totals[2] == pytest.approx(totals[0], abs=1e-6), name


# --- bad files: one clear message naming the record/line and field --------------------------


def _edit(files, tmp_path, kind, fn, name=None):
    path = tmp_path / (name or files[kind].name)
    text = files[kind].read_bytes().decode("latin-1")
    path.write_bytes(fn(text).encode("latin-1"))
    return path


def _line_of(text: str, prefix: str) -> tuple[int, str]:
    """First futures record starting with ``prefix``: (line number, record)."""
    return next(
        (i, r)
        for i, r in enumerate(text.split("\r\n"), 1)
        if r.startswith(prefix) and r[25:28] in ("FUT", "")
    )


ZN82 = "82CBT21"


def test_truncated_record(files, tmp_path):
    line, rec = _line_of(files["pa2"].read_bytes().decode("latin-1"), ZN82)
    path = _edit(files, tmp_path, "pa2", lambda t: t.replace(rec, rec[:80], 1))
    with pytest.raises(ValueError, match=rf"line {line} \(type 82 record\): truncated: 80 "):
        load_span_params(path)


def test_bad_number(files, tmp_path):
    _, rec = _line_of(files["pa2"].read_bytes().decode("latin-1"), "81CBT21")
    bad = rec[:54] + "12x45" + rec[59:]
    path = _edit(files, tmp_path, "pa2", lambda t: t.replace(rec, bad, 1))
    with pytest.raises(ValueError, match=r"'Array Value 1' \(columns 55-59\) is '12x45', not a"):
        load_span_params(path)


def test_unknown_product_and_missing_risk_arrays(files, tmp_path):
    def drop(prefix):
        def fn(t: str) -> str:
            return "\r\n".join(
                r for r in t.split("\r\n") if not (r.startswith(prefix) and r[25:28] != "OOF")
            )

        return fn

    no_def = _edit(files, tmp_path, "pa2", drop("2 CBT 21"), "a.pa2")
    with pytest.raises(ValueError, match=r"product '21' \(ZN\) has no type 2 record"):
        load_span_params(no_def)
    no_82 = _edit(files, tmp_path, "pa2", drop(ZN82), "b.pa2")
    with pytest.raises(ValueError, match=r"ZN 20261\d has a type 81 record but no type 82"):
        load_span_params(no_82)
    no_arrays = _edit(files, tmp_path, "pa2", lambda t: drop("82CBT21")(drop("81CBT21")(t)), "c")
    with pytest.raises(ValueError, match=r"B record for ZN 202612 but no type 81/82"):
        load_span_params(no_arrays)
    xml = files["spn"].read_text().replace("<ra>", "<rx>", 1).replace("</ra>", "</rx>", 1)
    (tmp_path / "d.spn").write_text(xml)
    with pytest.raises(ValueError, match=r"line \d+ \(<fut>\): ZN futures month 202612: no <ra>"):
        load_span_params(tmp_path / "d.spn")


def test_zip_without_span_file_and_not_a_span_file(tmp_path):
    z = tmp_path / "cme.20260731.s.pa2.zip"
    with zipfile.ZipFile(z, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match=r"holds no SPAN file \(.pa2 or .spn\); found: readme"):
        load_span_params(z)
    with pytest.raises(ValueError, match=r"no type 0 header record"):
        load_span_params(b"1 CBT\n", "x.pa2")


def test_bad_xml(files, tmp_path):
    text = files["spn"].read_text()
    cut = tmp_path / "cut.spn"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match=r"cut.spn line \d+: not well-formed XML"):
        load_span_params(cut)
    bad = tmp_path / "bad.spn"
    bad.write_text(text.replace("<a>-533</a>", "<a>-5x3</a>", 1))
    with pytest.raises(
        ValueError, match=r"line \d+ \(<a>\): ZN futures month 202612: <a> is '-5x3'"
    ):
        load_span_params(bad)


def test_no_eligible_contract_in_the_file(tmp_path):
    fx = Fixture([], others=5)
    path = tmp_path / "other.pa2"
    path.write_text(write_pa2(fx), encoding="latin-1")
    with pytest.raises(ValueError, match=r"no records for the eligible contracts \(ZT, "):
        load_span_params(path)


def test_cli_states_file_date_and_cycle_and_rejects_a_bad_file(files, tmp_path, capsys):
    from xmsim import cli
    from xmsim.upload.loader import sample_paths

    fx = fixture_from_params(default_span_params(), _samples_months())
    path = tmp_path / "cme.20260731.s.pa2"
    path.write_text(write_pa2(fx), encoding="latin-1")
    sample = str(sample_paths()["futures_only"])
    assert cli.main(["run", sample, "--span-params", str(path)]) == 0
    out = capsys.readouterr().out
    assert "SPAN parameters: CME SPAN file cme.20260731.s.pa2: business date 2026-07-31, " in out
    assert "cycle S/F" in out
    bad = tmp_path / "bad.pa2"
    bad.write_bytes(path.read_bytes()[:3000])
    assert cli.main(["run", sample, "--span-params", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.pa2: ZT (product 26) has a type 2 record but no type 81/82" in err
    assert "Traceback" not in err


def test_read_span_params_returns_the_load_notes_as_warnings(tmp_path):
    fx = Fixture([FProduct("ZN", {DEC: ZN_ARRAY, MAR: cme_array(1700)}, psr=1600)])
    path = tmp_path / "f.pa2"
    path.write_text(write_pa2(fx), encoding="latin-1")
    params, warnings = read_span_params(path)
    assert params.products[0].psr_usd == 1700
    assert any("different scan ranges (202612 1600, 202703 1700)" in w for w in warnings)


def test_high_precision_arrays_tiers_and_skipped_spreads_are_reported(tmp_path):
    """83/84 records read like 81/82; tiered scanning (S), a flat-rate spread and a spread with
    a leg outside the eligible contracts are named in the notes, not applied silently."""
    zn = FProduct("ZN", {DEC: ZN_ARRAY}, psr=1600, high_precision=True, delta=0.5, scan_method="10")
    zb = FProduct("ZB", {DEC: ZB_ARRAY}, psr=3100)
    fx = Fixture([zn, zb], [(3, "01", 0.5, [("ZB", 1, "A"), ("ZN", 1, "A")])])
    text = write_pa2(fx)
    other_leg = str(
        Rec("6").put(3, 5, "IRS").num(6, 9, 4).num(10, 16, 50, 4).put(17, 19, "CBT")
        .put(21, 26, "17").num(27, 33, 1, 4).put(34, 34, "A").put(35, 37, "NYM")
        .put(39, 44, "CL").num(45, 51, 1, 4).put(52, 52, "B").put(89, 90, "01")
    )  # fmt: skip
    flat = other_leg.replace("NYM CL    ", "CBT 21    ")
    flat = flat[:100] + "F" + flat[101:]
    path = tmp_path / "hp.pa2"
    path.write_text(text + other_leg + "\r\n" + flat + "\r\n", encoding="latin-1")
    data = read_span_file(path)
    assert data.products["ZN"].months[DEC].losses == ZN_ARRAY
    assert data.products["ZN"].months[DEC].delta == pytest.approx(0.5)
    assert data.counts["83"] == data.counts["84"] == 1
    notes = " | ".join(data.notes)
    assert "legs ['NYM CL'] are not eligible contracts" in notes
    assert "flat-rate credits are not modelled" in notes
    params, warnings = read_span_params(path)
    text_w = " | ".join(warnings)
    assert "ZN: scanning method 10 (tiered) is not applied" in text_w
    assert "legs ('ZB', 'ZN') on sides ['A', 'A'] is not modelled" in text_w
    assert all(set(s.legs) != {"ZB", "ZN"} for s in params.inter_spreads)


def _two_month_params(tmp_path, kind="pa2"):
    fx = Fixture([FProduct("ZN", {DEC: ZN_ARRAY, MAR: cme_array(1700)}, psr=1600)])
    path = tmp_path / f"m.{kind}"
    path.write_text((write_pa2 if kind == "pa2" else write_spn)(fx), encoding="latin-1")
    return load_span_params(path)


@pytest.mark.parametrize("kind", ["pa2", "spn"])
def test_each_contract_month_is_margined_with_its_own_risk_array(tmp_path, kind):
    """ZN Dec at 1,600 and Mar at 1,700 (arrays by hand: 1,700 x 0.3333 -> 567, x 0.6667 ->
    1,133, x 0.99 -> 1,683). A Dec/Mar calendar spread keeps the scan risk of the difference:
    up 3/3 -1,600 + 1,700 = 100; the other scenarios are 0, +-34, +-66, -100, +-99."""
    params = _two_month_params(tmp_path, kind)
    assert span_margin(futures_book([("ZN", 1, MAR)]), params).maintenance_usd == 1700
    assert span_margin(futures_book([("ZN", -2, DEC)]), params).maintenance_usd == 3200
    spread = span_margin(futures_book([("ZN", 1, DEC), ("ZN", -1, MAR)]), params)
    assert spread.scan_risk_usd.tolist() == [100.0]
    assert spread.scenario_loss_usd[0].tolist() == [
        0, 0, 34, 34, -34, -34, 66, 66, -66, -66, 100, 100, -100, -100, 99, -99]  # fmt: skip
    three = span_margin(futures_book([("ZN", 2, DEC), ("ZN", 1, MAR)]), params)
    assert three.scan_risk_usd.tolist() == [2 * 1600 + 1700]
    assert three.attribution_usd.sum() == pytest.approx(three.maintenance_usd)


def test_month_arrays_survive_the_csv_and_a_missing_month_is_named(tmp_path):
    params = _two_month_params(tmp_path)
    save_span_params(params, tmp_path / "m.csv")
    again = load_span_params(tmp_path / "m.csv")
    assert again.month_arrays == params.month_arrays
    book = futures_book([("ZN", 1, DEC), ("ZN", -1, MAR)])
    assert span_margin(book, again).maintenance_usd == span_margin(book, params).maintenance_usd
    with pytest.raises(ValueError, match=r"position 'r0': contract month 2027-06 of ZN is not in "
                       r"CME SPAN file m.pa2.*months there: 2026-12, 2027-03\); load the SPAN "
                       r"file of a business date on which this month is listed"):  # fmt: skip
        span_margin(futures_book([("ZN", 1, 202706)]), params)


# --- type 9: debt securities margined as futures equivalents ------------------------------


def test_type9_debt_securities_become_the_cash_map_with_their_source(files):
    params = load_span_params(files["pa2"])
    (m,) = params.cash_map
    assert (m.cusip, m.contract, m.month) == ("91282CKZ3", "ZN", dt.date(2026, 12, 1))
    assert m.conversion_factor == pytest.approx(0.8612345)
    src = params.source_of("cash_map", "91282CKZ3", "conversion_factor")
    assert src.status == "SRC" and "record 91, line" in src.source
    assert "cme.20260731.s.pa2" in src.source


def test_a_security_listed_for_two_months_takes_the_nearest_and_a_month_without_array_is_named(
    tmp_path,
):
    debt = [("91282CKZ3", "ZN", MAR, 4.25, dt.date(2033, 5, 15), 0.87, "UST"),
            ("91282CKZ3", "ZN", DEC, 4.25, dt.date(2033, 5, 15), 0.86, "UST"),
            ("912810TM0", "ZN", 202709, 4.0, dt.date(2033, 8, 15), 0.84, "UST")]  # fmt: skip
    fx = Fixture([FProduct("ZN", {DEC: ZN_ARRAY, MAR: ZN_ARRAY}, psr=1600)], debt=debt)
    path = tmp_path / "cme.20260731.s.pa2"
    path.write_text(write_pa2(fx), encoding="latin-1")
    params, notes = read_span_params(path)
    (m,) = params.cash_map
    assert (m.month, m.conversion_factor) == (dt.date(2026, 12, 1), pytest.approx(0.86))
    assert any("listed for ZN 202703 and ZN 202612" in n for n in notes)
    assert any("912810TM0" in n and "202709" in n and "not used" in n for n in notes)


def test_type9_equivalent_margins_the_basis_trade_as_face_x_cf_contracts(tmp_path):
    """The basis trade's repo'd 10y note (CUSIP 91282CJZ5, 100m face) mapped by a type-9 record
    into ZN Dec-26 at CF 0.85 enters SPAN as 100e6 / 100e3 x 0.85 = 850 ZN against the short
    1,011: net -161 ZN (by hand); the same mapping as an xmsim CSV row gives the same margins;
    a cash position without a record is named as falling back to the automatic mapping."""
    from xmsim.arrangement.models import span_mapping_notes
    from xmsim.marketdata.defaults import default_market
    from xmsim.simulate import RunConfig, Simulator
    from xmsim.upload.loader import load_portfolio, sample_paths

    base = default_span_params()
    fx = fixture_from_params(base, _samples_months())
    fx.debt.append(("91282CJZ5", "ZN", DEC, 4.0, dt.date(2034, 2, 15), 0.85, "UST 4 02/34"))
    pa2 = tmp_path / "cme.20260731.s.pa2"
    pa2.write_text(write_pa2(fx), encoding="latin-1")
    from_file = load_span_params(pa2)
    csv_path = tmp_path / "p.csv"
    save_span_params(dataclasses.replace(base, cash_map=from_file.cash_map), csv_path)
    market = default_market()
    portfolio = load_portfolio(sample_paths()["basis_trade"], asof=market.asof).portfolio
    sim = Simulator(market, RunConfig(span_params=from_file))
    detail = sim.run(portfolio).span_detail
    repo = [q for s, c, q in detail.equivalents if s == 0]
    assert repo == [pytest.approx(850.0)] and detail.position_group[0] == "ZN"
    zn = detail.combined_commodities.index("ZN")
    assert detail.net_contracts[zn] == pytest.approx(850.0 - 1011.0)
    via_csv = Simulator(market, RunConfig(span_params=load_span_params(csv_path)))
    assert via_csv.arrangement(portfolio).totals == pytest.approx(
        sim.arrangement(portfolio).totals, abs=1e-6
    )
    assert span_mapping_notes(portfolio, from_file) == ()
    cash = load_portfolio(sample_paths()["cash_only"], asof=market.asof).portfolio
    notes = span_mapping_notes(cash, from_file)
    assert len(notes) == len(cash) and "no CUSIP" in notes[0]
    assert "fell back to the automatic mapping" in notes[0] and "2y long" in notes[0]
    assert span_mapping_notes(cash, base) == ()  # no type-9 rows loaded: nothing to say


def test_cli_says_per_position_when_cash_falls_back_to_the_automatic_mapping(tmp_path, capsys):
    import json

    from xmsim import cli
    from xmsim.upload.loader import sample_paths

    fx = fixture_from_params(default_span_params(), _samples_months())
    fx.debt.append(("91282CJZ5", "ZN", DEC, 4.0, dt.date(2034, 2, 15), 0.85, "UST 4 02/34"))
    path = tmp_path / "cme.20260731.s.pa2"
    path.write_text(write_pa2(fx), encoding="latin-1")
    sample = str(sample_paths()["cash_only"])
    args = ["run", sample, "--span-params", str(path), "--format", "json"]
    assert cli.main(args) == 0
    captured = capsys.readouterr()
    notes = json.loads(captured.out)["span_notes"]
    n_rows = len(sample_paths()["cash_only"].read_text().splitlines()) - 1  # all cash, no CUSIP
    assert len(notes) == n_rows and all("fell back to the automatic mapping" in n for n in notes)
    assert captured.err.count("note: SPAN: row ") == n_rows
    assert "note: SPAN: row 2: position 'UST 3.875% 2028-07-31 (2y long)'" in captured.err
    assert cli.main(["run", str(sample_paths()["basis_trade"]), "--span-params", str(path)]) == 0
    assert "fell back" not in capsys.readouterr().err
