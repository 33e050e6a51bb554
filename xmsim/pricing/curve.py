"""Par curve -> discount factors, vectorised over many curves (scenarios) at once.

Construction [ASSUMED, documented in README]:

* Par yields are interpolated linearly in maturity between the Treasury tenors and held flat
  beyond the first and last tenor.
* Up to six months a par yield is a money-market (bill, bond-equivalent) rate:
  ``DF(t) = 1 / (1 + y(t) t)``.
* From six months to 31 years the curve is bootstrapped on a semiannual grid from par bonds
  paying ``y/2`` every six months: ``DF_k = (1 - y_k/2 * sum_{j<k} DF_j) / (1 + y_k/2)``.
* Between semiannual nodes discount factors are log-linear (constant forward rate); the result
  is sampled on monthly *nodes* ``t = 0, 1/12, …, 31`` (par yields flat beyond 30 years).
* Positions read the curve by **linear interpolation of DF between monthly nodes**, which makes
  every price a linear function of the node vector; the error against log-linear interpolation
  is below 3e-6 relative per cash flow at 5% rates.

Times are in years from the settlement date (T+1); bond cash flows use ICMA times (periods / 2).
"""

from __future__ import annotations

import numpy as np

from xmsim.market import TENOR_YEARS

NODE_STEP_YEARS = 1.0 / 12.0
MAX_YEARS = 31.0  # a new 30-year bond plus settlement and a stub
NODE_YEARS = np.arange(0, int(MAX_YEARS * 12) + 1) * NODE_STEP_YEARS
NODE_YEARS.setflags(write=False)
N_NODES = NODE_YEARS.size
_HALF_YEARS = np.arange(1, int(MAX_YEARS * 2) + 1) * 0.5  # 0.5 … 31


def par_yields_at(par: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Par yields at arbitrary maturities by linear interpolation, flat outside the tenors.

    Parameters
    ----------
    par : par yields [decimal], shape (n_curves, n_tenors) or (n_tenors,).
    years : maturities [years], shape (m,).

    Returns
    -------
    shape (n_curves, m) (or (m,) for a single curve) [decimal].
    """
    par = np.asarray(par, dtype=float)
    years = np.clip(np.asarray(years, dtype=float), TENOR_YEARS[0], TENOR_YEARS[-1])
    hi = np.clip(np.searchsorted(TENOR_YEARS, years, side="right"), 1, TENOR_YEARS.size - 1)
    lo = hi - 1
    w = (years - TENOR_YEARS[lo]) / (TENOR_YEARS[hi] - TENOR_YEARS[lo])
    return par[..., lo] * (1.0 - w) + par[..., hi] * w


def discount_nodes(par: np.ndarray, nodes: np.ndarray | None = None) -> np.ndarray:
    """Discount factors at :data:`NODE_YEARS` for many par curves.

    Parameters
    ----------
    par : par yields [decimal], shape (n_curves, n_tenors) or (n_tenors,).
    nodes : indices into :data:`NODE_YEARS` to compute, shape (m,) ascending (default: all);
        a book that reads few nodes (a small portfolio) skips the rest.

    Returns
    -------
    DF [1], shape (n_curves, m) (or (m,) for one curve); m = n_nodes by default, DF[..., 0] == 1.
    """
    par = np.asarray(par, dtype=float)
    single = par.ndim == 1
    par2 = np.atleast_2d(par)
    n_curves = par2.shape[0]
    node_t = NODE_YEARS if nodes is None else NODE_YEARS[np.asarray(nodes, dtype=np.int64)]

    y_half = par_yields_at(par2, _HALF_YEARS)  # (n_curves, 60)
    df_half = np.empty_like(y_half)
    annuity = np.zeros(n_curves)
    for k in range(_HALF_YEARS.size):  # loop over grid points, vectorised over curves
        c = y_half[:, k] / 2.0
        df_half[:, k] = (1.0 - c * annuity) / (1.0 + c)
        annuity += df_half[:, k]

    out = np.empty((n_curves, node_t.size))
    short = node_t <= 0.5
    t_short = node_t[short]
    out[:, short] = 1.0 / (1.0 + par_yields_at(par2, t_short) * t_short)
    # log-linear between semiannual nodes above six months
    t_long = node_t[~short]
    grid_t = _HALF_YEARS
    log_df = np.log(df_half)
    hi = np.clip(np.searchsorted(grid_t, t_long, side="left"), 1, grid_t.size - 1)
    lo = hi - 1
    w = (t_long - grid_t[lo]) / (grid_t[hi] - grid_t[lo])
    out[:, ~short] = np.exp(log_df[:, lo] * (1.0 - w) + log_df[:, hi] * w)
    return out[0] if single else out


def node_weights(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left node index and weight of the right node for linear DF interpolation.

    Times are clipped to [0, MAX_YEARS]; :func:`xmsim.pricing.risk.build_book` refuses to price a
    bond
    paying beyond MAX_YEARS rather than clip it.

    Parameters
    ----------
    times : [years], any shape, >= 0.

    Returns
    -------
    (idx, w) with the same shape: DF(t) = (1 - w) DF[idx] + w DF[idx + 1].
    """
    t = np.clip(np.asarray(times, dtype=float), 0.0, MAX_YEARS)
    idx = np.minimum((t / NODE_STEP_YEARS).astype(np.int64), N_NODES - 2)
    w = t / NODE_STEP_YEARS - idx
    return idx, w


def discount_at(df_nodes: np.ndarray, times: np.ndarray) -> np.ndarray:
    """DF at arbitrary times from node DFs (linear interpolation).

    Parameters
    ----------
    df_nodes : shape (n_curves, n_nodes) or (n_nodes,).
    times : [years], shape (m,).

    Returns
    -------
    shape (n_curves, m) or (m,).
    """
    return df_at_weights(df_nodes, *node_weights(times))


def df_at_weights(df_nodes: np.ndarray, idx, w) -> np.ndarray:
    """DF [1] from node DFs at precomputed :func:`node_weights` ``(idx, w)``.

    Parameters
    ----------
    df_nodes : shape (n_curves, n_nodes) or (n_nodes,).
    idx, w : left node index and right-node weight, scalars or shape (m,).
    """
    return df_nodes[..., idx] * (1.0 - w) + df_nodes[..., idx + 1] * w


_N_SHORT = round(0.5 / NODE_STEP_YEARS) + 1  # nodes 0 .. 6 (t <= 6 months)
_PER_HALF = round(0.5 / NODE_STEP_YEARS)  # monthly nodes per semiannual interval


DF_CHUNK_CURVES = 4096
"""Curves per pass of :func:`discount_nodes_upto` (bounds its temporaries; smaller passes
measured slower: the bootstrap is ~400 NumPy calls per pass)."""


def discount_nodes_upto(
    par: np.ndarray, n_nodes: int = N_NODES, out: np.ndarray | None = None
) -> np.ndarray:
    """:func:`discount_nodes` at the first ``n_nodes`` nodes, for many curves, faster.

    The same construction (money-market rates to six months, the semiannual bootstrap, log-linear
    DF between semiannual points) in a layout built for thousands of curves: the bootstrap runs
    over contiguous rows, it stops at the last semiannual point the nodes need, and the monthly
    nodes inside each semiannual interval are the left point's DF times powers of
    exp(ΔlnDF / 6) (the node weights are k/6 exactly by construction) instead of one exp per
    node; curves go :data:`DF_CHUNK_CURVES` at a time. Equal to :func:`discount_nodes` to
    ~1e-15 relative (``tests/pricing``); the history runner uses it for its ~2,800 scenario
    curves per date.

    Parameters
    ----------
    par : par yields [decimal], shape (n_curves, n_tenors).
    n_nodes : how many leading nodes of :data:`NODE_YEARS` (1 .. N_NODES).
    out : where to write, shape (n_curves, n_nodes), best the transpose of a C-ordered
        (n_nodes, n_curves) array (a caller reusing one buffer saves the page faults of a
        fresh 8 MB array per call); default a new one of that layout.

    Returns
    -------
    DF [1], shape (n_curves, n_nodes) (``out`` when given).
    """
    par2 = np.atleast_2d(np.asarray(par, dtype=float))
    n_curves = par2.shape[0]
    if not 1 <= n_nodes <= N_NODES:
        raise ValueError(f"n_nodes must be 1..{N_NODES}, got {n_nodes}")
    if out is None:
        out = np.empty((n_nodes, n_curves)).T
    elif out.shape != (n_curves, n_nodes):
        raise ValueError(f"out has shape {out.shape}, expected {(n_curves, n_nodes)}")
    out_t = out.T  # node-major: every write below is a contiguous run of curves
    t_short = NODE_YEARS[: min(n_nodes, _N_SHORT)]
    n_int = max(-(-(n_nodes - _N_SHORT) // _PER_HALF), 0)  # semiannual intervals reached
    for c0 in range(0, n_curves, DF_CHUNK_CURVES):
        part = par2[c0 : c0 + DF_CHUNK_CURVES]
        cols = slice(c0, c0 + part.shape[0])
        out_t[: t_short.size, cols] = 1.0 / (1.0 + (par_yields_at(part, t_short) * t_short).T)
        if n_int:
            _long_nodes(part, n_int, out_t[_N_SHORT:, cols])
    return out


def _long_nodes(par: np.ndarray, n_int: int, out_t: np.ndarray) -> None:
    """Nodes after six months of ``par`` (n_curves, n_tenors) into ``out_t`` (up to
    n_int * 6 rows, n_curves), node-major: the bootstrap, then left DF × step ** r."""
    y_half = np.ascontiguousarray(par_yields_at(par, _HALF_YEARS[: n_int + 1]).T)
    df_half = np.empty_like(y_half)  # (n_points, n_curves): one contiguous row per point
    annuity = np.zeros(par.shape[0])
    for k in range(n_int + 1):
        c = y_half[k] / 2.0
        df_half[k] = (1.0 - c * annuity) / (1.0 + c)
        annuity += df_half[k]
    log_df = np.log(df_half)
    step = np.exp((log_df[1:] - log_df[:-1]) / _PER_HALF)  # (n_int, n_curves)
    power = df_half[:-1]
    for r in range(_PER_HALF):  # node r + 1 of each interval = left DF * step ** (r + 1)
        power *= step
        rows = out_t[r::_PER_HALF]
        rows[...] = power[: rows.shape[0]]
