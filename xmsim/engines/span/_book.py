"""SPAN book: positions stacked into arrays, independent of the parameter set.

:func:`span_book` adapts a :class:`~xmsim.portfolio.Portfolio` (step 1's inputs of
:mod:`xmsim.engines.span.margin`); :func:`stack_books` makes one account per book for the batch
path.
Import these from :mod:`xmsim.engines.span.margin`, which re-exports them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from xmsim.contracts import canonical_code
from xmsim.frozen import readonly
from xmsim.portfolio import CASH_PRODUCTS, Portfolio
from xmsim.units import DAYS_PER_YEAR


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
        ``dv01``-basis spreads.
    labels : one description per position.
    cusip : CUSIP of cash rows (``""`` when none), read by ``SpanParams.cash_map``; default all
        ``""``.
    face_usd : face of cash rows [USD] (repos: the collateral's), signed like ``dv01_usd`` (+ =
        gains when yields fall); default 0.
    contract_dv01_by_account : (code, DV01 of one contract in each account [USD per bp], shape
        (n_accounts,)) pairs that replace ``contract_dv01`` account by account (the history
        runner margins many dates in one batch, one account per date and portfolio, each with
        its date's DV01s); default none.
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
    cusip: np.ndarray | None = None
    face_usd: np.ndarray | None = None
    contract_dv01_by_account: tuple[tuple[str, np.ndarray], ...] = ()

    def __post_init__(self) -> None:
        n = np.asarray(self.code).shape[0]
        if self.cusip is None:
            object.__setattr__(self, "cusip", np.full(n, "", dtype=object))
        if self.face_usd is None:
            object.__setattr__(self, "face_usd", np.zeros(n))
        for name, dtype in (
            ("cusip", object),
            ("face_usd", float),
            ("code", str),
            ("quantity", float),
            ("dv01_usd", float),
            ("years_to_maturity", float),
            ("sub_key", np.int64),
            ("spot", bool),
            ("account", np.int64),
        ):
            arr = readonly(np.asarray(getattr(self, name)).reshape(-1), dtype)
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
        by_account = tuple((c, readonly(v, float)) for c, v in self.contract_dv01_by_account)
        if any(v.shape != (len(self.accounts),) for _, v in by_account):
            raise ValueError("contract_dv01_by_account needs one DV01 per account")
        object.__setattr__(self, "contract_dv01_by_account", by_account)

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
            rows.append((code, p.quantity, 0.0, np.nan, p.expiry.toordinal(), spot, "", 0.0))
        elif p.product in CASH_PRODUCTS:
            years = (p.maturity - asof).days / DAYS_PER_YEAR
            if years <= 0:
                raise ValueError(f"{where}: {p.description} has matured by {asof}")
            rows.append(
                (
                    "",
                    0.0,
                    dv01[i],
                    years,
                    p.maturity.toordinal(),
                    False,
                    p.cusip or "",
                    math.copysign(abs(p.quantity), dv01[i]),
                )
            )
        else:
            raise ValueError(f"{where}: SPAN cannot margin product {p.product!r}")
    cols = list(zip(*rows, strict=True)) if rows else [()] * 8
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
        cusip=np.array(cols[6], dtype=object),
        face_usd=np.array(cols[7], dtype=float),
    )


_STACKED = (
    "code", "quantity", "dv01_usd", "years_to_maturity", "sub_key", "spot", "cusip", "face_usd",
)  # fmt: skip


def stack_books(books: Sequence[SpanBook], names: Sequence[str] | None = None) -> SpanBook:
    """One book whose account i holds all positions of ``books[i]`` (for the batch path)."""
    if not books:
        raise ValueError("no books to stack")
    if any(b.contract_dv01_by_account for b in books):
        raise ValueError("books with per-account contract DV01s cannot be stacked")
    merged: dict[str, float] = {}
    for b in books:
        for k, v in b.contract_dv01:
            if merged.setdefault(k, v) != v:
                raise ValueError(f"books disagree on the DV01 of {k}: {merged[k]} vs {v}")
    names = tuple(names) if names is not None else tuple(str(i) for i in range(len(books)))
    cat = {f: np.concatenate([getattr(b, f) for b in books]) for f in _STACKED}
    sizes = [b.n_positions for b in books]
    return SpanBook(
        asof=books[0].asof,
        **cat,
        account=np.repeat(np.arange(len(books)), sizes),
        accounts=names,
        contract_dv01=tuple(merged.items()),
        labels=tuple(lbl for b in books for lbl in b.labels),
    )


def concat_books(books: Sequence[SpanBook]) -> SpanBook:
    """One book holding every account of every book of ``books`` as its own account (book 0's
    accounts first), each with its own book's contract DV01s (``contract_dv01_by_account``):
    the history runner margins the portfolios of many dates in one batch."""
    if not books:
        raise ValueError("no books to concatenate")
    sizes = [len(b.accounts) for b in books]
    offsets = np.cumsum([0, *sizes])
    codes = sorted({c for b in books for c, _ in b.contract_dv01})
    per_account = tuple(
        (c, np.repeat([dict(b.contract_dv01).get(c, np.nan) for b in books], sizes)) for c in codes
    )
    return SpanBook(
        asof=books[0].asof,
        **{f: np.concatenate([getattr(b, f) for b in books]) for f in _STACKED},
        account=np.concatenate([b.account + o for b, o in zip(books, offsets, strict=False)]),
        accounts=tuple(str(i) for i in range(offsets[-1])),
        contract_dv01=books[0].contract_dv01,
        labels=tuple(lbl for b in books for lbl in b.labels),
        contract_dv01_by_account=per_account,
    )


__all__ = ["DAYS_PER_YEAR", "SpanBook", "concat_books", "span_book", "stack_books"]
