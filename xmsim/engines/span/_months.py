"""Risk arrays per futures contract month (CME's SPAN file: tiers by expiry) for the SPAN core.

Without ``SpanParams.month_arrays`` every row of a combined commodity (CC) uses the CC's array
built from its price scan range, as before. With them, a futures row uses its contract month's
array; a row without a month (a cash equivalent mapped automatically) uses the CC's array. A
futures month of a product that has month arrays but not that month is an error naming the
position and the fix.

Per (account, CC) the core then works on the scenario sum ``S = sum q_i a_i`` of its rows: the
effective per-contract array is ``S / net`` (so spreads that move contracts out of the CC take
its weighted array, CME's "weighted futures price risk") and the residual ``S - net x S / net``
(nonzero only where the rows net to zero, e.g. a calendar spread between months whose arrays
differ) stays in the CC's scan risk. With one array per CC this is exactly the old computation.
Private to the engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from xmsim.frozen import readonly


@dataclass(frozen=True)
class MonthTable:
    """The CC arrays (rows 0..n_cc-1) then one row per (CC, month); ``index`` finds them."""

    arrays: np.ndarray  # (n_cc + n_months, 16) loss per long contract [USD]
    index: dict[tuple[int, int], int]  # (cc, CCYYMM) -> row of ``arrays``
    months: dict[int, tuple[int, ...]]  # cc -> its months, sorted


def month_table(month_arrays, cc: tuple[str, ...], arrays: np.ndarray) -> MonthTable | None:
    """The table of ``SpanParams.month_arrays`` (``None`` when there are none)."""
    if not month_arrays:
        return None
    pos = {c: i for i, c in enumerate(cc)}
    rows = [a for a in month_arrays if a.code in pos]
    index = {(pos[a.code], a.month): len(cc) + k for k, a in enumerate(rows)}
    months: dict[int, list[int]] = {}
    for a in rows:
        months.setdefault(pos[a.code], []).append(a.month)
    table = np.vstack([arrays, np.array([a.losses for a in rows], dtype=float).reshape(-1, 16)])
    return MonthTable(readonly(table), index, {k: tuple(sorted(v)) for k, v in months.items()})


def _label(month: int) -> str:
    return f"{month // 100}-{month % 100:02d}"


def row_arrays(
    table: MonthTable | None, cc: np.ndarray, sub_key: np.ndarray, future: np.ndarray,
    labels, cc_names: tuple[str, ...], source: str,
) -> np.ndarray:  # fmt: skip
    """Row of ``table.arrays`` for each position (n_rows,) [index]; the CC's own row when no
    table or no month applies. ``ValueError`` naming the position for a month not loaded."""
    if table is None:
        return cc
    out = cc.copy()
    for i in np.flatnonzero(future):  # futures rows of products that have month arrays
        c = int(cc[i])
        if c not in table.months:
            continue
        day = dt.date.fromordinal(int(sub_key[i]))
        month = day.year * 100 + day.month
        row = table.index.get((c, month))
        if row is None:
            have = ", ".join(_label(m) for m in table.months[c])
            raise ValueError(
                f"position {labels[i]!r}: contract month {_label(month)} of {cc_names[c]} is not "
                f"in {source} (months there: {have}); load the SPAN file of a business date on "
                "which this month is listed"
            )
        out[i] = row
    return out


def effective(
    table: MonthTable | None, arrays: np.ndarray, key: np.ndarray, q: np.ndarray,
    rows: np.ndarray, net: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | float]:  # fmt: skip
    """(effective per-contract array, residual) per (account, CC), shapes (n_acc, n_cc, 16);
    with no table: ``arrays`` broadcast and 0.0 (the computation without month arrays)."""
    n_acc, n_cc = net.shape
    if table is None:
        return np.broadcast_to(arrays, (n_acc, n_cc, arrays.shape[1])), 0.0
    weighted = q[:, None] * table.arrays[rows]  # (n_rows, 16)
    total = np.stack(
        [np.bincount(key, weighted[:, j], minlength=n_acc * n_cc) for j in range(16)], axis=-1
    ).reshape(n_acc, n_cc, 16)
    has = np.abs(net) > 1e-12
    eff = np.where(has[..., None], total / np.where(has, net, 1.0)[..., None], arrays[None])
    return eff, np.where(has[..., None], 0.0, total)


__all__ = ["MonthTable", "effective", "month_table", "row_arrays"]
