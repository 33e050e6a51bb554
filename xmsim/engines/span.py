"""CME-like SPAN engine (METHODOLOGY §6): risk arrays, scanning spreads, credits, attribution.

Steps, for each portfolio (every number comes from a :class:`~xmsim.span_params.SpanParams`):

1. **Positions -> combined commodities (CC).** A future belongs to its contract's CC (all expiries
   together, so calendar spreads net). A cash Treasury or repo goes to the cash bucket whose
   ``max_years`` first covers its years to maturity (ACT/365.25 from ``asof``) as
   contracts-equivalent = position DV01 / DV01 of one contract of the bucket's future.
2. **Risk arrays.** 16 scenarios per contract (:data:`SCENARIO_LABELS`): price moves 0, +-1/3,
   +-2/3, +-1 of the PSR, each twice (volatility up/down; equal for futures), then +-3 x PSR
   counted at 33%. As CME does, moves are 0.3333 / 0.6667 / 1 / 0.99 and each per-contract array
   is rounded to whole dollars before multiplying by the quantity. Values are losses (+ = loss)
   of one long contract; "up" is a price rise (yields down).
3. **Intra-commodity (calendar) charge** per CC = ``intra_spread_usd`` x min(long, short), where
   long/short add the net quantity of each expiry (futures) or maturity date (cash).
   **Spot charge** = ``spot_usd`` x |net quantity| of each expiry in its delivery month.
4. **Scanning-based spreads** (priority order). Legs are listed in maturity order; spreads are
   formed pairwise between legs of opposite sign, adjacent legs first, then two apart, and so on
   (for UB:ZB:ZN:ZF that is UB-ZB, ZB-ZN, ZN-ZF, UB-ZN, ZB-ZF, UB-ZF). Each pair forms
   n = min(|q_a| / r_a, |q_b| / r_b) spreads (floored when ``fractional_spreads`` is false); the
   legs n*r move out of their CCs. Per scenario the pair's value is loss on losing legs -
   credit_rate x gain on winning legs; its charge is the worst scenario, >= 0. What is not
   spread stays outright in its CC.
5. **Scan risk** per CC on what remains = worst scenario loss, >= 0.
6. **Inter-commodity credits** (priority order) on the remaining net positions of opposite sign:
   credit = rate x sum over both legs of (contracts used x the leg's outright margin per
   contract, = its scan risk / |net contracts|). Ratios are in contracts (``basis='delta'``) or
   in USD per bp (``'dv01'``). A leg's contracts are consumed as spreads use them.
7. **Total** maintenance = scan + intra + spot + scanning-spread charges - credits; initial =
   maintenance x ``initial_multiplier``; ``shown`` says which one ``margin_usd`` is.

Cash in the Treasury spreads (default parameters, ASSUMED): cash buckets have their own scanning
groups mirroring CME's (CASH-UB:CASH-ZB:CASH-ZN:CASH-ZF 2:2:3:5, CASH-Z3N:CASH-ZT 1:1, 70%), since
contracts-equivalent are DV01-matched to the futures; cash offsets futures through
inter-commodity credits: the same bucket first (CASH-ZN vs ZN, 1:1, 90%), then the adjacent
buckets (CASH-TN vs ZN etc., DV01-matched, 70%). Because scanning spreads are formed before
inter-commodity credits, a future used in a futures curve spread is no longer available to
hedge cash (CME's priority order has the same greedy character).

Golden check (CME's scanning-spread example, ``tests/test_span.py``): with the scenario order
above, +2 ZB (PSR 3,100) vs -3 ZN (PSR 1,600) gives 0, 0, 152.80, 152.80, 946.70, ... 455.40,
2,811.60 -> 2,840; e.g. "up 1/3": ZN short loses 3 x 533 = 1,599, ZB long gains 2 x 1,033,
1,599 - 0.7 x 2,066 = 152.80.

Attribution: each CC's amount (scan + intra + its legs' share of spread charges, split by leg
outright risk, + its legs' credits) is split over the CC's positions in proportion to each
position's standalone scan risk (by |contracts| when that is zero); spot charges go to the spot
positions by |contracts|. The attribution sums to the maintenance total.
"""

# One module (~750 lines, above the ~400 house guide): book, core and result share private
# arrays; splitting into span_book.py / span_result.py is a mechanical follow-up.

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from xmsim.contracts import canonical_code, get_contract
from xmsim.portfolio import CASH_PRODUCTS, Portfolio
from xmsim.span_params import SpanParams

N_SCENARIOS = 16
SCENARIO_LABELS: tuple[str, ...] = (
    "unch vol up", "unch vol down", "up 1/3 vol up", "up 1/3 vol down",
    "down 1/3 vol up", "down 1/3 vol down", "up 2/3 vol up", "up 2/3 vol down",
    "down 2/3 vol up", "down 2/3 vol down", "up 3/3 vol up", "up 3/3 vol down",
    "down 3/3 vol up", "down 3/3 vol down", "up extreme (33%)", "down extreme (33%)",
)  # fmt: skip
DAYS_PER_YEAR = 365.25


def _frozen(a, dtype=float) -> np.ndarray:
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


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


# ---------------------------------------------------------------------------------------------
# the book: positions as arrays, independent of the parameter set


@dataclass(frozen=True, slots=True)
class SpanBook:
    """Positions stacked into arrays, all shape (n_positions,).

    Attributes
    ----------
    asof : valuation date.
    code : futures contract code, ``""`` for cash (UST / REPO / REVERSE_REPO).
    quantity : futures contracts, + = long (0 for cash).
    dv01_usd : position DV01 [USD per bp], + = gains when yields fall; used for cash rows.
    years_to_maturity : cash [years]; NaN for futures.
    sub_key : expiry (futures) or maturity (cash) as a day ordinal; calendar spreads pair these.
    spot : True for futures held in their delivery month.
    account : index into ``accounts`` (the batch path margins each account on its own).
    accounts : account names.
    contract_dv01 : (code, DV01 of one contract [USD per bp]) pairs, for cash equivalents and
        ``dv01``-basis credits.
    labels : one description per position.
    """

    asof: dt.date
    code: np.ndarray
    quantity: np.ndarray
    dv01_usd: np.ndarray
    years_to_maturity: np.ndarray
    sub_key: np.ndarray
    spot: np.ndarray
    account: np.ndarray
    accounts: tuple[str, ...]
    contract_dv01: tuple[tuple[str, float], ...]
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        n = np.asarray(self.code).shape[0]
        for name, dtype in (
            ("code", str),
            ("quantity", float),
            ("dv01_usd", float),
            ("years_to_maturity", float),
            ("sub_key", np.int64),
            ("spot", bool),
            ("account", np.int64),
        ):
            arr = _frozen(np.asarray(getattr(self, name)).reshape(-1), dtype)
            if arr.shape != (n,):
                raise ValueError(f"SpanBook.{name} has shape {arr.shape}, expected ({n},)")
            object.__setattr__(self, name, arr)
        cash = self.code == ""
        if np.any(cash & ~(np.isfinite(self.dv01_usd) & (self.years_to_maturity > 0))):
            raise ValueError("cash rows need a finite DV01 and years_to_maturity > 0")
        if not np.all(np.isfinite(self.quantity)):
            raise ValueError("quantities must be finite")
        if n and (self.account.min() < 0 or self.account.max() >= len(self.accounts)):
            raise ValueError("account indices must point into accounts")
        labels = tuple(self.labels) if len(self.labels) else tuple(f"#{i}" for i in range(n))
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "accounts", tuple(self.accounts))
        object.__setattr__(self, "contract_dv01", tuple(sorted(dict(self.contract_dv01).items())))

    @property
    def n_positions(self) -> int:
        return int(self.code.shape[0])


def span_book(
    portfolio: Portfolio,
    position_dv01: np.ndarray,
    bucket_contract_dv01: Mapping[str, float],
    asof: dt.date,
    *,
    by_account: bool = False,
) -> SpanBook:
    """Adapter from a :class:`Portfolio` and precomputed DV01s to a :class:`SpanBook`.

    Parameters
    ----------
    portfolio : futures and cash (UST, REPO, REVERSE_REPO) positions; other products raise.
    position_dv01 : DV01 of each position [USD per bp], shape (n_positions,), + for longs
        (``risk.position_dv01``); read for cash rows only, futures use contracts.
    bucket_contract_dv01 : DV01 of one contract [USD per bp] by futures code
        (``risk.contract_dv01`` of the front contract); needed for each cash bucket in use.
    asof : valuation date; futures expired before its month raise.
    by_account : keep ``Position.account`` for :func:`span_margin_batch` (customer accounts);
        otherwise the whole portfolio is one account.
    """
    dv01 = np.asarray(position_dv01, dtype=float).reshape(-1)
    if dv01.shape != (len(portfolio),):
        raise ValueError(f"position_dv01 has {dv01.shape[0]} values for {len(portfolio)} positions")
    accounts = portfolio.accounts if by_account else ("ALL",)
    acc_index = {a: i for i, a in enumerate(accounts)}
    month = (asof.year, asof.month)
    rows = []
    for i, p in enumerate(portfolio):
        where = f"row {p.row}" if p.row else f"position {i}"
        if p.is_future:
            code = canonical_code(p.contract or "")
            if code is None:
                raise ValueError(f"{where}: unknown contract {p.contract!r}")
            if (p.expiry.year, p.expiry.month) < month:
                raise ValueError(f"{where}: {p.description} expired before {asof}")
            spot = (p.expiry.year, p.expiry.month) == month
            rows.append((code, p.quantity, 0.0, np.nan, p.expiry.toordinal(), spot))
        elif p.product in CASH_PRODUCTS:
            years = (p.maturity - asof).days / DAYS_PER_YEAR
            if years <= 0:
                raise ValueError(f"{where}: {p.description} has matured by {asof}")
            rows.append(("", 0.0, dv01[i], years, p.maturity.toordinal(), False))
        else:
            raise ValueError(f"{where}: SPAN cannot margin product {p.product!r}")
    cols = list(zip(*rows, strict=True)) if rows else [()] * 6
    return SpanBook(
        asof=asof,
        code=np.array(cols[0], dtype=str),
        quantity=np.array(cols[1], dtype=float),
        dv01_usd=np.array(cols[2], dtype=float),
        years_to_maturity=np.array(cols[3], dtype=float),
        sub_key=np.array(cols[4], dtype=np.int64),
        spot=np.array(cols[5], dtype=bool),
        account=np.array([acc_index[p.account if by_account else "ALL"] for p in portfolio]),
        accounts=accounts,
        contract_dv01=tuple(bucket_contract_dv01.items()),
        labels=tuple(p.description for p in portfolio),
    )


def stack_books(books: Sequence[SpanBook], names: Sequence[str] | None = None) -> SpanBook:
    """One book whose account i holds all positions of ``books[i]`` (for the batch path)."""
    if not books:
        raise ValueError("no books to stack")
    merged: dict[str, float] = {}
    for b in books:
        for k, v in b.contract_dv01:
            if merged.setdefault(k, v) != v:
                raise ValueError(f"books disagree on the DV01 of {k}: {merged[k]} vs {v}")
    names = tuple(names) if names is not None else tuple(str(i) for i in range(len(books)))
    cat = {
        f: np.concatenate([getattr(b, f) for b in books])
        for f in ("code", "quantity", "dv01_usd", "years_to_maturity", "sub_key", "spot")
    }
    sizes = [b.n_positions for b in books]
    return SpanBook(
        asof=books[0].asof,
        **cat,
        account=np.repeat(np.arange(len(books)), sizes),
        accounts=names,
        contract_dv01=tuple(merged.items()),
        labels=tuple(lbl for b in books for lbl in b.labels),
    )


# ---------------------------------------------------------------------------------------------
# compiled parameters and the vectorised core


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
    return _Compiled(
        cc=cc,
        arrays=_frozen(risk_arrays(params)),
        psr=_frozen([params.psr_usd(c) for c in cc]),
        intra=_frozen(
            [p.intra_spread_usd for p in params.products]
            + [b.intra_spread_usd for b in params.cash_buckets]
        ),
        spot=_frozen([p.spot_usd for p in params.products] + [0.0] * len(params.cash_buckets)),
        bucket_max=_frozen([b.max_years for b in params.cash_buckets]),
        bucket_cc=_frozen(np.arange(n_prod, len(cc)), np.int64),
        bucket_contract=tuple(b.contract for b in params.cash_buckets),
        pairs=tuple(pairs),
        inters=inters,
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
        loss = legs[:, :, None] * cp.arrays[[a, b]][:, None, :]  # (2, n_acc, 16)
        values = np.clip(loss, 0, None).sum(0) - rate * np.clip(-loss, 0, None).sum(0)
        pair_n[k], pair_legs[k], pair_values[k] = n, legs, values
    pair_charge = np.clip(pair_values.max(-1, initial=0.0), 0, None)

    scan = np.clip((rem[:, :, None] * cp.arrays[None]).max(-1), 0, None)  # (n_acc, n_cc)
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
    )


# ---------------------------------------------------------------------------------------------
# results and public entry points


@dataclass(frozen=True, slots=True)
class SpreadCharge:
    """One formed scanning-spread pair: ``leg_contracts`` signed [contracts],
    ``scenario_usd`` the spread value per scenario (16,) [USD], ``charge_usd`` its worst."""

    spread: str
    legs: tuple[str, str]
    spreads: float
    leg_contracts: tuple[float, float]
    scenario_usd: np.ndarray
    charge_usd: float


@dataclass(frozen=True, slots=True)
class InterCredit:
    """One inter-commodity credit: contracts used per leg, ``credit_usd`` negative [USD]."""

    spread: str
    legs: tuple[str, str]
    spreads: float
    leg_contracts: tuple[float, float]
    rate: float
    credit_usd: float


@dataclass(frozen=True, slots=True)
class SpanResult:
    """SPAN margin of one portfolio; ``maintenance_usd`` = the sum of the named components.

    Per-group arrays have shape (n_groups,) over ``combined_commodities`` (those with
    positions); ``scenario_loss_usd`` (n_groups, 16) is the loss of each group's net position
    before spreads [USD]; ``attribution_usd`` (n_positions,) sums to ``maintenance_usd``.
    """

    params_label: str
    asof: dt.date
    shown: str
    initial_multiplier: float
    combined_commodities: tuple[str, ...]
    net_contracts: np.ndarray
    scan_risk_usd: np.ndarray
    intra_charge_usd: np.ndarray
    spot_charge_usd: np.ndarray
    scanning_spreads: tuple[SpreadCharge, ...]
    inter_credits: tuple[InterCredit, ...]
    scenario_loss_usd: np.ndarray
    position_labels: tuple[str, ...]
    position_group: tuple[str, ...]
    position_contracts: np.ndarray
    attribution_usd: np.ndarray
    maintenance_usd: float

    def __post_init__(self) -> None:
        for f in (
            "net_contracts",
            "scan_risk_usd",
            "intra_charge_usd",
            "spot_charge_usd",
            "scenario_loss_usd",
            "position_contracts",
            "attribution_usd",
        ):
            object.__setattr__(self, f, _frozen(getattr(self, f)))
        total = sum(amount for _, _, amount in self.components())
        if abs(total - self.maintenance_usd) > 1e-6 * max(1.0, abs(total)):
            raise ValueError(f"components sum to {total}, not {self.maintenance_usd}")

    @property
    def initial_usd(self) -> float:
        return self.maintenance_usd * self.initial_multiplier

    @property
    def margin_usd(self) -> float:
        """The requirement shown: initial or maintenance per ``shown``."""
        return self.initial_usd if self.shown == "initial" else self.maintenance_usd

    @property
    def scanning_spread_usd(self) -> float:
        return float(sum(s.charge_usd for s in self.scanning_spreads))

    @property
    def inter_credit_usd(self) -> float:
        return float(sum(c.credit_usd for c in self.inter_credits))

    @property
    def portfolio_scenario_loss_usd(self) -> np.ndarray:
        """Whole-portfolio loss per scenario before spreads and credits [USD], shape (16,)."""
        return self.scenario_loss_usd.sum(0) if len(self.scenario_loss_usd) else np.zeros(16)

    def components(self) -> list[tuple[str, str, float]]:
        """(component, name, amount_usd) rows; they sum to ``maintenance_usd``."""
        rows = []
        for kind, arr in (
            ("scan risk", self.scan_risk_usd),
            ("intra-commodity", self.intra_charge_usd),
            ("spot month", self.spot_charge_usd),
        ):
            rows += [
                (kind, g, float(v)) for g, v in zip(self.combined_commodities, arr, strict=True)
            ]
        rows += [
            ("scanning spread", f"{s.spread} {s.legs[0]}/{s.legs[1]}", s.charge_usd)
            for s in self.scanning_spreads
        ]
        rows += [("inter-commodity credit", c.spread, c.credit_usd) for c in self.inter_credits]
        return rows

    def to_frame(self):
        """Components table (component, name, amount_usd); totals in ``DataFrame.attrs``."""
        import pandas as pd

        df = pd.DataFrame(self.components(), columns=["component", "name", "amount_usd"])
        df.attrs.update(
            maintenance_usd=self.maintenance_usd,
            initial_usd=self.initial_usd,
            shown=self.shown,
            params=self.params_label,
        )
        return df

    def scenarios_frame(self):
        """Loss per scenario [USD]: one column per group plus ``portfolio`` (for a chart)."""
        import pandas as pd

        data = dict(zip(self.combined_commodities, self.scenario_loss_usd, strict=True))
        return pd.DataFrame(
            {**data, "portfolio": self.portfolio_scenario_loss_usd},
            index=pd.Index(SCENARIO_LABELS, name="scenario"),
        )

    def attribution_frame(self):
        """Per-position contribution [USD]; the column sums to ``maintenance_usd``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "position": self.position_labels,
                "group": self.position_group,
                "contracts_equivalent": self.position_contracts,
                "margin_usd": self.attribution_usd,
            }
        )


def _attribution(core: _Core, cc: np.ndarray, q: np.ndarray, cp: _Compiled) -> np.ndarray:
    """Per-position USD (n_positions,) summing to the single account's maintenance."""
    n_cc = len(cp.cc)
    amount = core.scan[0] + core.intra[0]
    for k, (_, a, b, *_rest) in enumerate(cp.pairs):
        w = np.abs(core.pair_legs[k, :, 0]) * cp.psr[[a, b]]
        if w.sum() > 0:
            np.add.at(amount, [a, b], core.pair_charge[k, 0] * w / w.sum())
    for k, (_, a, b, *_rest) in enumerate(cp.inters):
        np.add.at(amount, [a, b], -core.inter_credit[k, :, 0])
    standalone = np.clip((q[:, None] * cp.arrays[cc]).max(1), 0, None)
    weight = np.where(standalone > 0, standalone, 0.0)
    denom = np.bincount(cc, weight, minlength=n_cc)
    weight = np.where(denom[cc] > 0, weight, np.abs(q))
    denom = np.bincount(cc, weight, minlength=n_cc)
    share = np.divide(weight, denom[cc], out=np.zeros_like(weight), where=denom[cc] > 0)
    abs_q = np.abs(q)
    group_abs = np.bincount(core.group_of, abs_q)
    spot_share = np.divide(
        abs_q,
        group_abs[core.group_of],
        out=np.zeros_like(abs_q),
        where=group_abs[core.group_of] > 0,
    )
    spot = cp.spot[cc] * core.group_net_spot[core.group_of] * spot_share
    return amount[cc] * share + spot


def span_margin(book: SpanBook, params: SpanParams) -> SpanResult:
    """SPAN margin of ``book`` as one portfolio (accounts ignored) under ``params``."""
    cp = _compile(params)
    cc, q, cc_dv01 = _map_positions(book, cp)
    core = _core(np.zeros_like(cc), cc, q, book, 1, cp, cc_dv01, params)
    present = np.flatnonzero(np.bincount(cc, minlength=len(cp.cc)) > 0)
    spreads = tuple(
        SpreadCharge(
            name,
            (cp.cc[a], cp.cc[b]),
            float(core.pair_n[k, 0]),
            (float(core.pair_legs[k, 0, 0]), float(core.pair_legs[k, 1, 0])),
            _frozen(core.pair_values[k, 0]),
            float(core.pair_charge[k, 0]),
        )
        for k, (name, a, b, *_r) in enumerate(cp.pairs)
        if core.pair_n[k, 0] > 0
    )
    credits = tuple(
        InterCredit(
            name,
            (cp.cc[a], cp.cc[b]),
            float(core.inter_n[k, 0]),
            (float(core.inter_used[k, 0, 0]), float(core.inter_used[k, 1, 0])),
            rate,
            -float(core.inter_credit[k, :, 0].sum()),
        )
        for k, (name, a, b, _ra, _rb, rate, _basis) in enumerate(cp.inters)
        if core.inter_n[k, 0] > 0
    )
    return SpanResult(
        params_label=params.label,
        asof=book.asof,
        shown=params.shown,
        initial_multiplier=params.initial_multiplier,
        combined_commodities=tuple(cp.cc[i] for i in present),
        net_contracts=core.net[0, present],
        scan_risk_usd=core.scan[0, present],
        intra_charge_usd=core.intra[0, present],
        spot_charge_usd=core.spot[0, present],
        scanning_spreads=spreads,
        inter_credits=credits,
        scenario_loss_usd=core.net[0, present, None] * cp.arrays[present] + 0.0,
        position_labels=book.labels,
        position_group=tuple(cp.cc[i] for i in cc),
        position_contracts=q,
        attribution_usd=_attribution(core, cc, q, cp),
        maintenance_usd=float(core.maintenance[0]),
    )


@dataclass(frozen=True, slots=True)
class SpanBatchResult:
    """Margins of many accounts, each margined on its own: arrays of shape (n_accounts,) [USD]."""

    accounts: tuple[str, ...]
    maintenance_usd: np.ndarray
    initial_usd: np.ndarray
    shown: str
    params_label: str

    @property
    def margin_usd(self) -> np.ndarray:
        return self.initial_usd if self.shown == "initial" else self.maintenance_usd

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {
                "account": self.accounts,
                "maintenance_usd": self.maintenance_usd,
                "initial_usd": self.initial_usd,
            }
        )


def span_margin_batch(books: SpanBook | Sequence[SpanBook], params: SpanParams) -> SpanBatchResult:
    """SPAN margin per account, every account its own portfolio (customer gross margining).

    ``books`` is one book whose ``account`` array separates the portfolios (``span_book(...,
    by_account=True)``) or a sequence of books (one account each). All accounts run through
    one vectorised pass (segment sums over (account, CC)), no loop per account.
    """
    book = books if isinstance(books, SpanBook) else stack_books(books)
    cp = _compile(params)
    cc, q, cc_dv01 = _map_positions(book, cp)
    n_acc = len(book.accounts)
    maint = _core(book.account, cc, q, book, n_acc, cp, cc_dv01, params).maintenance
    return SpanBatchResult(
        book.accounts,
        _frozen(maint),
        _frozen(maint * params.initial_multiplier),
        params.shown,
        params.label,
    )


__all__ = [
    "SCENARIO_LABELS", "InterCredit", "SpanBatchResult", "SpanBook", "SpanResult",
    "SpreadCharge", "risk_arrays", "scenario_moves", "span_book", "span_margin",
    "span_margin_batch", "stack_books",
]  # fmt: skip
