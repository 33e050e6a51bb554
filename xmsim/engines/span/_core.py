"""SPAN core: scenarios, risk arrays, compiled parameters and the vectorised engine pass.

Steps 1-6 of :mod:`xmsim.engines.span.margin` over arrays: :func:`_map_positions` puts positions in
combined commodities, :func:`_core` forms the charges, spreads and credits of every (account,
CC) at once. Private to the engine; the public entry points live in
:mod:`xmsim.engines.span.margin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from xmsim.contracts import get_contract
from xmsim.engines.span._book import SpanBook
from xmsim.engines.span._equiv import FuturesEquivalents, futures_equivalents
from xmsim.engines.span._months import MonthTable, effective, month_table, row_arrays
from xmsim.engines.span.params_io import SpanParams
from xmsim.frozen import readonly

N_SCENARIOS = 16
SCENARIO_LABELS: tuple[str, ...] = (
    "unch vol up", "unch vol down", "up 1/3 vol up", "up 1/3 vol down",
    "down 1/3 vol up", "down 1/3 vol down", "up 2/3 vol up", "up 2/3 vol down",
    "down 2/3 vol up", "down 2/3 vol down", "up 3/3 vol up", "up 3/3 vol down",
    "down 3/3 vol up", "down 3/3 vol down", "up extreme (33%)", "down extreme (33%)",
)  # fmt: skip


def scenario_moves(params: SpanParams) -> np.ndarray:
    """Price move of each scenario as a fraction of the PSR [1], shape (16,), + = price up."""
    third, two_thirds = round(1 / 3, 4), round(2 / 3, 4)
    base = [0, 0, third, third, -third, -third, two_thirds, two_thirds, -two_thirds,
            -two_thirds, 1, 1, -1, -1]  # fmt: skip
    extreme = params.extreme_multiple * params.extreme_cover
    return np.array([*base, extreme, -extreme], dtype=float)


def risk_arrays(params: SpanParams) -> np.ndarray:
    """Loss of one long contract(-equivalent) per scenario [USD], shape (n_cc, 16).

    Rows follow ``params.combined_commodities``; rounded half away from zero to whole USD when
    ``params.round_arrays_to_usd`` (CME's practice).
    """
    psr = np.array([params.psr_usd(c) for c in params.combined_commodities])
    gain = psr[:, None] * scenario_moves(params)[None, :]
    if params.round_arrays_to_usd:
        gain = np.sign(gain) * np.floor(np.abs(gain) + 0.5)
    return -gain + 0.0  # + 0.0 turns -0.0 into 0.0


@dataclass(frozen=True)
class _Compiled:
    cc: tuple[str, ...]
    arrays: np.ndarray  # (n_cc, 16) loss per long contract [USD]
    psr: np.ndarray  # (n_cc,)
    intra: np.ndarray  # (n_cc,)
    spot: np.ndarray  # (n_cc,)
    basis: np.ndarray  # (n_cc,) cash-vs-futures basis charge per matched contract [USD]
    table_dv01: np.ndarray  # (n_cc,) contract-table DV01 [USD per bp], NaN for Treasuries
    face: np.ndarray  # (n_cc,) contract face [USD]
    point_cc: np.ndarray  # (k,) Treasury CCs that take cash, by point
    point_years: np.ndarray  # (k,) their points [years]
    cash_map: dict  # CUSIP -> (cc, month ordinal, conversion factor)
    pairs: tuple[tuple[str, int, int, float, float, float, str], ...]
    inters: tuple[tuple[str, int, int, float, float, float, str], ...]
    months: MonthTable | None  # per-month risk arrays (CME's file), None without


@lru_cache(maxsize=16)
def _compile(params: SpanParams) -> _Compiled:
    cc = params.combined_commodities
    idx = {c: i for i, c in enumerate(cc)}
    pairs = []
    for s in sorted(params.scan_spreads, key=lambda s: s.priority):
        k = len(s.legs)
        for gap in range(1, k):
            for i in range(k - gap):
                a, b = idx[s.legs[i]], idx[s.legs[i + gap]]
                pairs.append((s.name, a, b, s.ratios[i], s.ratios[i + gap], s.credit_rate, s.basis))
    inters = tuple(
        (s.name, idx[s.legs[0]], idx[s.legs[1]], *s.ratios, s.rate, s.basis)
        for s in sorted(params.inter_spreads, key=lambda s: s.priority)
    )
    points = params.cash_points()
    psr = np.array([params.psr_usd(c) for c in cc])
    arrays = readonly(risk_arrays(params))
    return _Compiled(
        cc=cc,
        arrays=arrays,
        psr=readonly(psr),
        intra=readonly([p.intra_spread_usd for p in params.products]),
        spot=readonly([p.spot_usd for p in params.products]),
        basis=readonly(params.cash_basis_rate * psr),
        table_dv01=readonly([get_contract(c).usd_per_bp or np.nan for c in cc]),
        face=readonly([get_contract(c).face_usd for c in cc]),
        point_cc=readonly([idx[c] for c, _ in points], np.int64),
        point_years=readonly([y for _, y in points]),
        cash_map={
            m.cusip: (idx[m.contract], m.month.toordinal(), m.conversion_factor)
            for m in params.cash_map
        },
        pairs=tuple(pairs),
        inters=inters,
        months=month_table(params.month_arrays, cc, arrays),
    )


def _map_positions(book: SpanBook, cp: _Compiled) -> FuturesEquivalents:
    """Step 1: the book's futures-equivalent rows (:mod:`xmsim.engines.span._equiv`)."""
    return futures_equivalents(book, cp)


def _array_rows(book: SpanBook, eq: FuturesEquivalents, cp: _Compiled, source: str):
    """Row of the risk-array table for each equivalent row (:mod:`~._months`): futures and
    type-9-mapped cash by contract month, automatically mapped cash by its contract."""
    if cp.months is None:
        return eq.cc
    mapped = eq.cash & np.isin(book.cusip[eq.src], list(cp.cash_map))
    labels = np.asarray(book.labels, dtype=object)[eq.src]
    return row_arrays(cp.months, eq.cc, eq.sub_key, ~eq.cash | mapped, labels, cp.cc, source)


@dataclass
class _Core:
    """Per-account, per-CC arrays of one engine run (n_acc accounts, n_cc CCs, 16 scenarios)."""

    net: np.ndarray  # (n_acc, n_cc) net contracts before spreads (cash equivalents included)
    rem: np.ndarray  # (n_acc, n_cc) after scanning spreads
    scan: np.ndarray  # (n_acc, n_cc)
    intra: np.ndarray  # (n_acc, n_cc)
    spot: np.ndarray  # (n_acc, n_cc)
    basis: np.ndarray  # (n_acc, n_cc) cash-vs-futures basis charge
    pair_n: np.ndarray  # (n_pairs, n_acc) spreads formed
    pair_legs: np.ndarray  # (n_pairs, 2, n_acc) signed contracts moved out of each leg
    pair_values: np.ndarray  # (n_pairs, n_acc, 16) [USD]
    pair_charge: np.ndarray  # (n_pairs, n_acc) [USD]
    inter_n: np.ndarray  # (n_inters, n_acc)
    inter_used: np.ndarray  # (n_inters, 2, n_acc) contracts used per leg
    inter_credit: np.ndarray  # (n_inters, 2, n_acc) credit per leg [USD, >= 0]
    group_net_spot: np.ndarray  # (n_groups,) |net| of each (account, CC, expiry) if spot
    group_of: np.ndarray  # (n_rows,) group index of each equivalent row
    eff: np.ndarray  # (n_acc, n_cc, 16) effective loss per net contract [USD]
    resid: np.ndarray | float  # (n_acc, n_cc, 16) scenario loss left where the CC nets to 0
    position_arrays: np.ndarray  # (n_rows, 16) each row's per-contract array [USD]

    @property
    def maintenance(self) -> np.ndarray:
        """(n_acc,) [USD]: the sum of the named components."""
        return (
            self.scan.sum(1)
            + self.intra.sum(1)
            + self.spot.sum(1)
            + self.basis.sum(1)
            + self.pair_charge.sum(0)
            - self.inter_credit.sum((0, 1))
        )


def _segsum(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Segment sums [float], shape (n,): ``out[k] = sum(weights[index == k])``."""
    return np.bincount(index, weights, minlength=n).astype(float, copy=False)


def _charges(eq: FuturesEquivalents, n_acc: int, cp: _Compiled):
    """Net, calendar (futures by expiry, cash by maturity), spot and cash-vs-futures basis."""
    n_cc = len(cp.cc)
    key = eq.account * n_cc + eq.cc
    net = _segsum(key, eq.q, n_acc * n_cc).reshape(n_acc, n_cc)
    cash_net = _segsum(key, np.where(eq.cash, eq.q, 0.0), n_acc * n_cc).reshape(n_acc, n_cc)
    fut_net = net - cash_net
    basis = np.where(cash_net * fut_net < 0, np.minimum(abs(cash_net), abs(fut_net)), 0.0)
    # calendar spreads and spot month: net per (account, CC, cash flag, expiry/maturity)
    sub_u, sub_rank = np.unique(eq.sub_key, return_inverse=True)
    n_sub = max(len(sub_u), 1)
    kc = key * 2 + eq.cash
    groups, group_of = np.unique(kc * n_sub + sub_rank.reshape(-1), return_inverse=True)
    group_of = group_of.reshape(-1)
    group_kc = groups // n_sub
    net_sub = _segsum(group_of, eq.q, len(groups))
    longs = _segsum(group_kc, np.clip(net_sub, 0, None), n_acc * n_cc * 2)
    shorts = _segsum(group_kc, np.clip(-net_sub, 0, None), n_acc * n_cc * 2)
    pairs = np.minimum(longs, shorts).reshape(n_acc, n_cc, 2).sum(-1)
    spot_net = np.abs(_segsum(group_of, np.where(eq.spot, eq.q, 0.0), len(groups)))
    spot = _segsum(group_kc // 2, spot_net, n_acc * n_cc).reshape(n_acc, n_cc) * cp.spot
    return net, pairs * cp.intra, spot, basis * cp.basis, spot_net, group_of


def _dv01_scale(basis: str, a: int, b: int, cc_dv01: np.ndarray, name: str, cp) -> np.ndarray:
    """(2,) units per contract of legs a, b: 1 (``delta``) or DV01 [USD per bp] (``dv01``);
    (2, n_acc) when ``cc_dv01`` is per account (n_acc, n_cc)."""
    if basis == "delta":
        return np.ones(2)
    scale = cc_dv01[..., [a, b]].T
    if not np.all(scale > 0):
        raise ValueError(
            f"spread {name}: no DV01 for {cp.cc[a]} or {cp.cc[b]}; pass one contract's "
            "DV01 per futures code in bucket_contract_dv01"
        )
    return scale


def _scan_spreads(
    rem: np.ndarray, cp: _Compiled, cc_dv01: np.ndarray, params: SpanParams, eff: np.ndarray
):
    """Step 4 on ``rem`` (n_acc, n_cc), updated in place: the pairs' legs, values, charges."""
    n_acc = rem.shape[0]
    n_pairs = len(cp.pairs)
    pair_n = np.zeros((n_pairs, n_acc))
    pair_legs = np.zeros((n_pairs, 2, n_acc))
    pair_values = np.zeros((n_pairs, n_acc, N_SCENARIOS))
    pair_charge = np.zeros((n_pairs, n_acc))  # the worst value of each pair, at least 0
    dust_free = False  # rem holds no float dust once a first spread has formed
    for k, (name, a, b, ra, rb, rate, basis) in enumerate(cp.pairs):  # a handful of pairs
        idx = np.flatnonzero(rem[:, a] * rem[:, b] < 0)  # the accounts that can spread
        if not idx.size:
            continue
        qa, qb = rem[idx, a], rem[idx, b]
        sa, sb = _dv01_scale(basis, a, b, cc_dv01, name, cp)
        if np.ndim(sa):  # per account
            sa, sb = sa[idx], sb[idx]
        n = np.minimum(np.abs(qa) * sa / ra, np.abs(qb) * sb / rb)
        if basis == "delta" and not params.fractional_spreads:
            n = np.floor(n + 1e-9)
        legs = np.stack([np.sign(qa) * n * ra / sa, np.sign(qb) * n * rb / sb])  # (2, n_idx)
        rem[idx, a] = qa - legs[0]
        rem[idx, b] = qb - legs[1]
        if dust_free:  # float dust must not form further spreads
            for c in (a, b):
                col = rem[idx, c]
                rem[idx[np.abs(col) < 1e-9], c] = 0.0
        else:
            rem[np.abs(rem) < 1e-9] = 0.0
            dust_free = True
        loss = legs[:, :, None] * eff[idx][:, [a, b], :].transpose(1, 0, 2)  # (2, n_idx, 16)
        values = np.clip(loss, 0, None).sum(0) - rate * np.clip(-loss, 0, None).sum(0)
        pair_n[k, idx], pair_legs[k][:, idx], pair_values[k, idx] = n, legs, values
        pair_charge[k, idx] = np.maximum(values.max(-1), 0.0)
    return pair_n, pair_legs, pair_values, pair_charge


def _core(
    eq: FuturesEquivalents, n_acc: int, cp: _Compiled, params: SpanParams, rows=None
) -> _Core:
    """The hot path: segment sums and per-scenario matrix operations, no per-position loop.

    ``rows``: each row's risk array (:func:`_array_rows`); default its contract's.
    """
    cc_dv01 = eq.cc_dv01
    rows = eq.cc if rows is None else rows
    net, intra, spot, basis_charge, spot_net, group_of = _charges(eq, n_acc, cp)
    eff, resid = effective(cp.months, cp.arrays, eq.account * len(cp.cc) + eq.cc, eq.q, rows, net)
    rem = net.copy()
    pair_n, pair_legs, pair_values, pair_charge = _scan_spreads(rem, cp, cc_dv01, params, eff)

    scan = np.clip((rem[:, :, None] * eff + resid).max(-1), 0, None)  # (n_acc, n_cc)
    avail = np.abs(rem)
    per_contract = np.divide(scan, avail, out=np.zeros_like(scan), where=avail > 1e-12)
    n_int = len(cp.inters)
    inter_n = np.zeros((n_int, n_acc))
    inter_used = np.zeros((n_int, 2, n_acc))
    inter_credit = np.zeros((n_int, 2, n_acc))
    for k, (name, a, b, ra, rb, rate, basis) in enumerate(cp.inters):
        opp = (rem[:, a] * rem[:, b] < 0) & (avail[:, a] > 1e-12) & (avail[:, b] > 1e-12)
        if not opp.any():
            continue
        scale = _dv01_scale(basis, a, b, cc_dv01, name, cp)
        n = np.where(opp, np.minimum(avail[:, a] * scale[0] / ra, avail[:, b] * scale[1] / rb), 0)
        if basis == "delta" and not params.fractional_spreads:
            n = np.floor(n + 1e-9)
        used = np.stack([n * ra / scale[0], n * rb / scale[1]])
        avail[:, a] = np.clip(avail[:, a] - used[0], 0, None)
        avail[:, b] = np.clip(avail[:, b] - used[1], 0, None)
        inter_n[k], inter_used[k] = n, used
        inter_credit[k] = rate * used * per_contract[:, [a, b]].T
    return _Core(
        net, rem, scan, intra, spot, basis_charge, pair_n, pair_legs, pair_values, pair_charge,
        inter_n, inter_used, inter_credit, spot_net, group_of, eff, resid,
        (cp.months.arrays if cp.months else cp.arrays)[rows],
    )  # fmt: skip


__all__ = ["N_SCENARIOS", "SCENARIO_LABELS", "risk_arrays", "scenario_moves"]
