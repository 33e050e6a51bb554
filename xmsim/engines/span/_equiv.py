"""Step 1 of :mod:`xmsim.engines.span.margin`: positions -> futures equivalents.

A future is one row of its contract. A cash Treasury, repo or reverse repo becomes one or two
rows of Treasury futures contracts (its *futures equivalents*):

* **user mapping** (``SpanParams.cash_map``, CME's type-9 records "debt securities margined on
  an equivalent basis"): a position whose CUSIP is mapped becomes face / contract face x
  conversion factor contracts of the mapped contract, in the mapped month (``face_usd`` of
  the book carries the sign of the position's DV01);
* **automatic** [ASSUMED]: its DV01 is split between the two Treasury contracts whose
  ``point_years`` (the maturity each contract stands for: about its cheapest-to-deliver's,
  see the parameter file) bracket the position's years to maturity, linearly in maturity
  (weight of the upper contract = (T - T_lo) / (T_hi - T_lo)); each share becomes DV01-share /
  DV01 of one contract. Below the first point all goes to the first contract, above the last
  to the last. The split moves continuously with maturity, so there is no cliff.

Private to the engine; :func:`xmsim.engines.span.margin.map_positions` is the public door.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xmsim.engines.span._book import SpanBook
from xmsim.frozen import readonly


@dataclass(frozen=True)
class FuturesEquivalents:
    """The futures-equivalent rows of a book, all shape (n_rows,) except ``cc_dv01``.

    Attributes
    ----------
    src : the book position each row comes from [index].
    cc : index into ``params.combined_commodities``.
    q : contracts(-equivalent) [contracts], + = long.
    cash : True for rows that stand for a cash position.
    sub_key : futures expiry, mapped cash month or automatic cash maturity (day ordinals).
    spot : futures held in their delivery month.
    account : index into the book's accounts.
    cc_dv01 : DV01 of one contract of each combined commodity [USD per bp], shape (n_cc,), or
        (n_accounts, n_cc) for a book with ``contract_dv01_by_account``; NaN where neither the
        book nor the contract table gives one.
    """

    src: np.ndarray
    cc: np.ndarray
    q: np.ndarray
    cash: np.ndarray
    sub_key: np.ndarray
    spot: np.ndarray
    account: np.ndarray
    cc_dv01: np.ndarray

    def take(self, rows: np.ndarray) -> FuturesEquivalents:
        return FuturesEquivalents(
            *(readonly(getattr(self, f)[rows]) for f in _ROW_FIELDS), cc_dv01=self.cc_dv01
        )


_ROW_FIELDS = ("src", "cc", "q", "cash", "sub_key", "spot", "account")


def split_weights(years: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the lower bracketing point and the weight of the upper one [1].

    ``years`` shape (n,) [years], ``points`` shape (k,) ascending [years]; returns ``lo`` (n,)
    int and ``w_hi`` (n,) in [0, 1] (the upper point is ``lo + 1``; ``w_hi`` = 0 when k = 1).
    """
    k = len(points)
    if k == 1:
        return np.zeros(len(years), np.int64), np.zeros(len(years))
    hi = np.clip(np.searchsorted(points, years, side="right"), 1, k - 1)
    lo = hi - 1
    w = (years - points[lo]) / (points[hi] - points[lo])
    return lo, np.clip(w, 0.0, 1.0)


def futures_equivalents(book: SpanBook, cp) -> FuturesEquivalents:
    """The rows of ``book`` under compiled parameters ``cp`` (see the module docstring)."""
    dv01_of = dict(book.contract_dv01)
    cc_dv01 = np.array([dv01_of.get(c, d) for c, d in zip(cp.cc, cp.table_dv01, strict=True)])
    if book.contract_dv01_by_account:  # one DV01 per account (the history runner's dates)
        cc_dv01 = np.repeat(cc_dv01[None, :], len(book.accounts), axis=0)
        for code, per_account in book.contract_dv01_by_account:
            if code in cp.cc:
                cc_dv01[:, cp.cc.index(code)] = per_account
    uniq, inv = np.unique(book.code, return_inverse=True)
    lut = np.empty(len(uniq), dtype=np.int64)
    for j, code in enumerate(uniq):  # a handful of distinct codes
        if code and code not in cp.cc:
            raise ValueError(f"no SPAN parameters for contract {code!r}; add a product line")
        lut[j] = cp.cc.index(code) if code else -1
    cc = lut[inv.reshape(-1)] if book.n_positions else np.zeros(0, np.int64)
    fut = np.flatnonzero(book.code != "")
    parts = [(fut, cc[fut], book.quantity[fut], False, book.sub_key[fut], book.spot[fut])]
    cash = np.flatnonzero(book.code == "")
    mapped = np.zeros(cash.size, dtype=bool)
    if cp.cash_map:  # type-9 mappings: the CUSIPs they name
        mapped[:] = [book.cusip[i] in cp.cash_map for i in cash.tolist()]
    if mapped.any():
        parts.append(_mapped(book, cp, cash[mapped]))
    auto = cash[~mapped]
    if auto.size:
        parts += _automatic(book, cp, auto, cc_dv01)
    cols = [np.concatenate([np.broadcast_to(p[k], p[0].shape) for p in parts]) for k in range(6)]
    keep = cols[2] != 0
    src = cols[0][keep]
    return FuturesEquivalents(
        src=readonly(src, np.int64),
        cc=readonly(cols[1][keep], np.int64),
        q=readonly(cols[2][keep], float),
        cash=readonly(cols[3][keep], bool),
        sub_key=readonly(cols[4][keep], np.int64),
        spot=readonly(cols[5][keep], bool),
        account=readonly(book.account[src], np.int64),
        cc_dv01=readonly(cc_dv01),
    )


def _mapped(book: SpanBook, cp, rows: np.ndarray):
    """User-mapped cash: face (signed like its DV01) / contract face x conversion factor."""
    terms = [cp.cash_map[book.cusip[i]] for i in rows]
    cc = np.array([t[0] for t in terms], dtype=np.int64)
    month = np.array([t[1] for t in terms], dtype=np.int64)
    cf = np.array([t[2] for t in terms])
    q = book.face_usd[rows] * cf / cp.face[cc]
    return rows, cc, q, True, month, False


def _automatic(book: SpanBook, cp, rows: np.ndarray, cc_dv01: np.ndarray):
    """DV01 split between the two bracketing contracts (two parts: lower, upper)."""
    if not len(cp.point_cc):
        raise ValueError("no Treasury product has point_years: cash cannot enter SPAN")
    lo, w_hi = split_weights(book.years_to_maturity[rows], cp.point_years)
    hi = np.minimum(lo + 1, len(cp.point_cc) - 1)
    dv01 = book.dv01_usd[rows]
    out = []
    for idx, w in ((lo, 1.0 - w_hi), (hi, w_hi)):
        cc = cp.point_cc[idx]
        used = w > 0
        row_dv01 = cc_dv01[book.account[rows], cc] if cc_dv01.ndim == 2 else cc_dv01[cc]
        for c in np.unique(cc[used]):
            if not np.all(row_dv01[used & (cc == c)] > 0):
                raise ValueError(f"no DV01 for {cp.cc[c]} (cash maps onto it)")
        per = np.where(used, row_dv01, 1.0)
        out.append((rows, cc, dv01 * w / per, True, book.sub_key[rows], False))
    return out


__all__ = ["FuturesEquivalents", "futures_equivalents", "split_weights"]
