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
    bucket_max: np.ndarray  # (n_buckets,)
    bucket_cc: np.ndarray  # (n_buckets,)
    bucket_contract: tuple[str, ...]
    pairs: tuple[tuple[str, int, int, float, float, float], ...]
    inters: tuple[tuple[str, int, int, float, float, float, str], ...]
    months: MonthTable | None  # per-month risk arrays (CME's file), None without


@lru_cache(maxsize=16)
def _compile(params: SpanParams) -> _Compiled:
    cc = params.combined_commodities
    idx = {c: i for i, c in enumerate(cc)}
    n_prod = len(params.products)
    pairs = []
    for s in sorted(params.scan_spreads, key=lambda s: s.priority):
        k = len(s.legs)
        for gap in range(1, k):
            for i in range(k - gap):
                a, b = idx[s.legs[i]], idx[s.legs[i + gap]]
                pairs.append((s.name, a, b, s.ratios[i], s.ratios[i + gap], s.credit_rate))
    inters = tuple(
        (s.name, idx[s.legs[0]], idx[s.legs[1]], *s.ratios, s.rate, s.basis)
        for s in sorted(params.inter_spreads, key=lambda s: s.priority)
    )
    arrays = readonly(risk_arrays(params))
    return _Compiled(
        cc=cc,
        arrays=arrays,
        psr=readonly([params.psr_usd(c) for c in cc]),
        intra=readonly(
            [p.intra_spread_usd for p in params.products]
            + [b.intra_spread_usd for b in params.cash_buckets]
        ),
        spot=readonly([p.spot_usd for p in params.products] + [0.0] * len(params.cash_buckets)),
        bucket_max=readonly([b.max_years for b in params.cash_buckets]),
        bucket_cc=readonly(np.arange(n_prod, len(cc)), np.int64),
        bucket_contract=tuple(b.contract for b in params.cash_buckets),
        pairs=tuple(pairs),
        inters=inters,
        months=month_table(params.month_arrays, cc, arrays),
    )


def _map_positions(book: SpanBook, cp: _Compiled) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CC index (n_positions,), contracts-equivalent (n_positions,), cc DV01 (n_cc,) [USD/bp]."""
    dv01_of = dict(book.contract_dv01)
    n_prod = len(cp.cc) - len(cp.bucket_cc)
    uniq, inv = np.unique(book.code, return_inverse=True)
    lut = np.empty(len(uniq), dtype=np.int64)
    for j, code in enumerate(uniq):  # a handful of distinct codes
        if code and code not in cp.cc[:n_prod]:
            raise ValueError(f"no SPAN parameters for contract {code!r}; add a product line")
        lut[j] = cp.cc.index(code) if code else -1
    cc = lut[inv] if book.n_positions else np.zeros(0, np.int64)
    q = book.quantity.copy()
    cash = book.code == ""
    if np.any(cash):
        bucket = np.searchsorted(cp.bucket_max, book.years_to_maturity[cash], side="left")
        bucket_dv01 = np.full(len(cp.bucket_contract), np.nan)
        for b in np.unique(bucket):
            contract = cp.bucket_contract[b]
            if not dv01_of.get(contract, 0) > 0:
                raise ValueError(f"no DV01 for {contract} (cash bucket {cp.cc[cp.bucket_cc[b]]})")
            bucket_dv01[b] = dv01_of[contract]
        cc[cash] = cp.bucket_cc[bucket]
        q[cash] = book.dv01_usd[cash] / bucket_dv01[bucket]
    cc_dv01 = np.array(
        [dv01_of.get(c, get_contract(c).usd_per_bp or np.nan) for c in cp.cc[:n_prod]]
        + [dv01_of.get(c, np.nan) for c in cp.bucket_contract]
    )
    return cc, q, cc_dv01


@dataclass
class _Core:
    """Per-account, per-CC arrays of one engine run (n_acc accounts, n_cc CCs, 16 scenarios)."""

    net: np.ndarray  # (n_acc, n_cc) net contracts before spreads
    rem: np.ndarray  # (n_acc, n_cc) after scanning spreads
    scan: np.ndarray  # (n_acc, n_cc)
    intra: np.ndarray  # (n_acc, n_cc)
    spot: np.ndarray  # (n_acc, n_cc)
    pair_n: np.ndarray  # (n_pairs, n_acc) spreads formed
    pair_legs: np.ndarray  # (n_pairs, 2, n_acc) signed contracts moved out of each leg
    pair_values: np.ndarray  # (n_pairs, n_acc, 16) [USD]
    pair_charge: np.ndarray  # (n_pairs, n_acc) [USD]
    inter_n: np.ndarray  # (n_inters, n_acc)
    inter_used: np.ndarray  # (n_inters, 2, n_acc) contracts used per leg
    inter_credit: np.ndarray  # (n_inters, 2, n_acc) credit per leg [USD, >= 0]
    group_net_spot: np.ndarray  # (n_groups,) |net| of each (account, CC, expiry) if spot
    group_of: np.ndarray  # (n_positions,) group index of each position
    eff: np.ndarray  # (n_acc, n_cc, 16) effective loss per net contract [USD]
    resid: np.ndarray | float  # (n_acc, n_cc, 16) scenario loss left where the CC nets to 0
    position_arrays: np.ndarray  # (n_positions, 16) each position's per-contract array [USD]

    @property
    def maintenance(self) -> np.ndarray:
        """(n_acc,) [USD]: the sum of the named components."""
        return (
            self.scan.sum(1)
            + self.intra.sum(1)
            + self.spot.sum(1)
            + self.pair_charge.sum(0)
            - self.inter_credit.sum((0, 1))
        )


def _segsum(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Segment sums [float], shape (n,): ``out[k] = sum(weights[index == k])``."""
    return np.bincount(index, weights, minlength=n).astype(float, copy=False)


def _core(
    acct: np.ndarray,
    cc: np.ndarray,
    q: np.ndarray,
    book: SpanBook,
    n_acc: int,
    cp: _Compiled,
    cc_dv01: np.ndarray,
    params: SpanParams,
) -> _Core:
    """The hot path: segment sums and per-scenario matrix operations, no per-position loop."""
    n_cc = len(cp.cc)
    key = acct * n_cc + cc
    net = _segsum(key, q, n_acc * n_cc).reshape(n_acc, n_cc)
    future = book.code != ""
    rows = row_arrays(cp.months, cc, book.sub_key, future, book.labels, cp.cc, params.label)
    eff, resid = effective(cp.months, cp.arrays, key, q, rows, net)
    # calendar spreads and spot month: net per (account, CC, expiry/maturity)
    sub_u, sub_rank = np.unique(book.sub_key, return_inverse=True)
    groups, group_of = np.unique(key * max(len(sub_u), 1) + sub_rank, return_inverse=True)
    group_key = groups // max(len(sub_u), 1)
    net_sub = _segsum(group_of, q, len(groups))
    longs = _segsum(group_key, np.clip(net_sub, 0, None), n_acc * n_cc)
    shorts = _segsum(group_key, np.clip(-net_sub, 0, None), n_acc * n_cc)
    intra = np.minimum(longs, shorts).reshape(n_acc, n_cc) * cp.intra
    spot_net = np.abs(_segsum(group_of, np.where(book.spot, q, 0.0), len(groups)))
    spot = _segsum(group_key, spot_net, n_acc * n_cc).reshape(n_acc, n_cc) * cp.spot

    rem = net.copy()
    n_pairs = len(cp.pairs)
    pair_n = np.zeros((n_pairs, n_acc))
    pair_legs = np.zeros((n_pairs, 2, n_acc))
    pair_values = np.zeros((n_pairs, n_acc, N_SCENARIOS))
    for k, (_, a, b, ra, rb, rate) in enumerate(cp.pairs):  # a handful of spread pairs
        qa, qb = rem[:, a], rem[:, b]
        n = np.where(qa * qb < 0, np.minimum(np.abs(qa) / ra, np.abs(qb) / rb), 0.0)
        if not params.fractional_spreads:
            n = np.floor(n + 1e-9)
        legs = np.stack([np.sign(qa) * n * ra, np.sign(qb) * n * rb])  # (2, n_acc)
        rem[:, a] -= legs[0]
        rem[:, b] -= legs[1]
        rem[np.abs(rem) < 1e-9] = 0.0  # float dust must not form further spreads
        loss = legs[:, :, None] * eff[:, [a, b], :].transpose(1, 0, 2)  # (2, n_acc, 16)
        values = np.clip(loss, 0, None).sum(0) - rate * np.clip(-loss, 0, None).sum(0)
        pair_n[k], pair_legs[k], pair_values[k] = n, legs, values
    pair_charge = np.clip(pair_values.max(-1, initial=0.0), 0, None)

    scan = np.clip((rem[:, :, None] * eff + resid).max(-1), 0, None)  # (n_acc, n_cc)
    avail = np.abs(rem)
    per_contract = np.divide(scan, avail, out=np.zeros_like(scan), where=avail > 1e-12)
    n_int = len(cp.inters)
    inter_n = np.zeros((n_int, n_acc))
    inter_used = np.zeros((n_int, 2, n_acc))
    inter_credit = np.zeros((n_int, 2, n_acc))
    for k, (name, a, b, ra, rb, rate, basis) in enumerate(cp.inters):
        scale = np.ones(2) if basis == "delta" else cc_dv01[[a, b]]
        opp = (rem[:, a] * rem[:, b] < 0) & (avail[:, a] > 1e-12) & (avail[:, b] > 1e-12)
        if np.any(opp) and not np.all(np.isfinite(scale)):
            raise ValueError(
                f"inter spread {name}: no DV01 for {cp.cc[a]} or {cp.cc[b]}; pass one contract's "
                "DV01 per futures code in bucket_contract_dv01"
            )
        scale = np.where(np.isfinite(scale), scale, 1.0)
        n = np.where(opp, np.minimum(avail[:, a] * scale[0] / ra, avail[:, b] * scale[1] / rb), 0)
        if basis == "delta" and not params.fractional_spreads:
            n = np.floor(n + 1e-9)
        used = np.stack([n * ra / scale[0], n * rb / scale[1]])
        avail[:, a] = np.clip(avail[:, a] - used[0], 0, None)
        avail[:, b] = np.clip(avail[:, b] - used[1], 0, None)
        inter_n[k], inter_used[k] = n, used
        inter_credit[k] = rate * used * per_contract[:, [a, b]].T
    return _Core(
        net,
        rem,
        scan,
        intra,
        spot,
        pair_n,
        pair_legs,
        pair_values,
        pair_charge,
        inter_n,
        inter_used,
        inter_credit,
        spot_net,
        group_of,
        eff,
        resid,
        (cp.months.arrays if cp.months else cp.arrays)[rows],
    )


__all__ = ["N_SCENARIOS", "SCENARIO_LABELS", "risk_arrays", "scenario_moves"]
