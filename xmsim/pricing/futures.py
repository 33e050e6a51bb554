"""Treasury futures: conversion factors, deliverable baskets, CTD choice, and futures risk from
the CTD; plus the DV01 of SOFR and Fed Funds futures.

Every contract rule (deliverable windows, CF month rounding, sizes) is read from the contract
table (:mod:`xmsim.contracts`, ``data/contracts.csv``); this module only applies it.
Remaining terms are measured from the first day of the delivery month [SRC CME contract specs;
METHODOLOGY §4].
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from xmsim import contracts, dates
from xmsim.pricing import bonds
from xmsim.pricing.baskets import (  # noqa: F401  (the basket rules, re-exported)
    _add_months_array,
    _first_of_month,
    _fmt_term,
    _months_from,
    _treasury_spec,
    basket_mask,
    deliverable_reason,
)
from xmsim.units import DAYS_PER_YEAR_ACT360

CF_YIELD = 0.06
"""The notional yield at which CME conversion factors are computed [decimal]."""

REPO_DAY_BASIS = DAYS_PER_YEAR_ACT360
"""U.S. repo accrues simple interest on Actual/360 [days]."""


# ---------------------------------------------------------------------------------------------
# Conversion factors
# ---------------------------------------------------------------------------------------------


def conversion_factors(code: str, coupons, maturities, delivery_month: dt.date) -> np.ndarray:
    """CME conversion factors of many bonds into one contract month, vectorised.

    Parameters
    ----------
    code : Treasury futures code or alias (``ZN``, ``TY``).
    coupons : annual coupons [decimal], shape (n_bonds,).
    maturities : maturity dates, shape (n_bonds,).
    delivery_month : any day of the delivery month.

    Returns
    -------
    Conversion factors [price per 1 of face at a 6% yield], rounded to 4 decimals,
    shape (n_bonds,).

    Notes
    -----
    [SRC CME; METHODOLOGY §4] n whole years and z months from the first day of the delivery
    month to maturity, z rounded down to the contract's ``cf_rounding_months`` (whole months for
    ZT/Z3N/ZF, quarters otherwise); ``v = z if z < 7 else z − 6``;
    ``a = 1.03^(−v/6)``, ``b = (c/2)(6 − v)/6``, ``c' = 1.03^(−2n)`` if z < 7 else
    ``1.03^(−(2n+1))``, ``d = (c/0.06)(1 − c')``, ``CF = a(c/2 + c' + d) − b``.
    """
    spec = _treasury_spec(code)
    cpn = np.atleast_1d(np.asarray(coupons, dtype=float))
    mat = np.atleast_1d(np.asarray(maturities, dtype="datetime64[D]"))
    months = _months_from(delivery_month, mat)
    if np.any(months < 0):
        raise ValueError("every bond must mature after the start of the delivery month")
    step = spec.cf_rounding_months or 1
    months = months - months % step
    n, z = np.divmod(months, 12)
    half = 1.0 + CF_YIELD / 2.0
    v = np.where(z < 7, z, z - 6)
    a = half ** (-v / 6.0)
    b = (cpn / 2.0) * (6 - v) / 6.0
    c_ = np.where(z < 7, half ** (-2.0 * n), half ** (-(2.0 * n + 1.0)))
    d = (cpn / CF_YIELD) * (1.0 - c_)
    factor = a * (cpn / 2.0 + c_ + d) - b
    return np.floor(factor * 1.0e4 + 0.5) / 1.0e4  # 4 decimals, halves rounded up


def conversion_factor(
    code: str, coupon_dec: float, maturity: dt.date, delivery_month: dt.date
) -> float:
    """One bond's CME conversion factor [1], rounded to 4 decimals; see
    :func:`conversion_factors`."""
    return float(conversion_factors(code, [coupon_dec], [maturity], delivery_month)[0])


# ---------------------------------------------------------------------------------------------
# Delivery, CTD and futures risk
# ---------------------------------------------------------------------------------------------


def delivery_date(code: str, expiry: dt.date) -> dt.date:
    """Assumed delivery date of a contract month, for forward pricing of its CTD.

    [ASSUMED] the last business day of the contract month: the short may deliver on any
    business day of the month and, while carry is positive (coupon income above the repo
    cost), delivers last.
    The last *trading* day (:func:`xmsim.contracts.last_trade_date`) is earlier for 10Y and
    longer contracts.
    """
    _treasury_spec(code)
    return dates.last_business_day(expiry.year, expiry.month)


def proxy_ctd_maturity(code: str, expiry: dt.date) -> dt.date:
    """Maturity of METHODOLOGY §4's CTD proxy: the shortest remaining term in the basket.

    [ASSUMED] a hypothetical note maturing ``min_remaining_months`` after the first day of the
    delivery month (ZT 1y9m, Z3N 2y9m, ZF 4y2m, ZN 6y6m, TN 9y5m, TWE 19y2m, ZB 15y, UB 25y).
    With yields below the 6% CF yield the shortest-duration deliverable is usually cheapest.
    The caller picks the coupon (the curve's par yield at that maturity).
    """
    spec = _treasury_spec(code)
    return dates.add_months(_first_of_month(expiry), spec.min_remaining_months or 0)


def forward_clean_prices(
    coupons, maturities, clean_prices, settlement: dt.date, delivery: dt.date, repo_rate: float
) -> np.ndarray:
    """Repo-carry forward clean prices at ``delivery`` [per 100 face], shape (n_bonds,).

    ``fwd_dirty = dirty × (1 + r d/360) − Σ C_i (1 + r d_i/360)`` with d the days from
    settlement to delivery, C_i the coupons paid in between and d_i the days from each to
    delivery (coupons reinvested at repo); ``fwd_clean = fwd_dirty − accrued at delivery``.
    ``repo_rate`` [decimal, Act/360 simple].
    """
    cf_s, cf_d, days, coupon_terms = _carry_terms(coupons, maturities, settlement, delivery)
    dirty = np.asarray(clean_prices, dtype=float) + cf_s.accrued
    paid, paid_days = coupon_terms
    fwd_dirty = dirty * (1.0 + repo_rate * days / REPO_DAY_BASIS) - (
        paid + repo_rate * paid_days / REPO_DAY_BASIS
    )
    return fwd_dirty - cf_d.accrued


def _carry_terms(coupons, maturities, settlement, delivery):
    """Cash flows at settlement and delivery, days between, and Σ C_i, Σ C_i d_i."""
    if delivery <= settlement:
        raise ValueError(f"delivery {delivery} must be after settlement {settlement}")
    cf_s = bonds.stack_cashflows(coupons, maturities, settlement)
    cf_d = bonds.stack_cashflows(coupons, maturities, delivery)
    deliv = np.datetime64(delivery, "D")
    in_window = ~np.isnat(cf_s.dates) & (cf_s.dates <= deliv)
    amounts = np.where(in_window, cf_s.amounts, 0.0)
    to_delivery = np.where(in_window, (deliv - cf_s.dates).astype(float), 0.0)
    days = float((delivery - settlement).days)
    return cf_s, cf_d, days, (amounts.sum(axis=1), (amounts * to_delivery).sum(axis=1))


def implied_repo_rates(
    coupons, maturities, clean_prices, settlement: dt.date, delivery: dt.date, invoice_clean
) -> np.ndarray:
    """Implied repo [decimal, Act/360]: the repo rate at which buying each bond now and
    delivering it at ``invoice_clean`` (= futures price × CF) breaks even, shape (n_bonds,).

    Solves :func:`forward_clean_prices` = ``invoice_clean`` for the rate (closed form).
    """
    cf_s, cf_d, days, (paid, paid_days) = _carry_terms(coupons, maturities, settlement, delivery)
    dirty = np.asarray(clean_prices, dtype=float) + cf_s.accrued
    proceeds = np.asarray(invoice_clean, dtype=float) + cf_d.accrued + paid
    return (proceeds - dirty) * REPO_DAY_BASIS / (dirty * days - paid_days)


@dataclass(frozen=True, slots=True)
class CtdChoice:
    """The cheapest-to-deliver bond of a basket.

    Attributes
    ----------
    index : position of the bond in the caller's arrays.
    coupon : annual coupon [decimal]. maturity : maturity date.
    conversion_factor : CME CF [1].
    net_basis : [price points per 100 face]; see ``method`` for what it nets.
    implied_repo : [decimal, Act/360]; ``None`` without a futures price.
    method : the rule that picked the bond, in words.
    """

    index: int
    coupon: float
    maturity: dt.date
    conversion_factor: float
    net_basis: float
    implied_repo: float | None
    method: str


def select_ctd(
    code: str,
    expiry: dt.date,
    coupons,
    maturities,
    clean_prices,
    settlement: dt.date,
    futures_price: float | None = None,
    repo_rate: float | None = None,
    issue_dates=None,
) -> CtdChoice:
    """Pick the cheapest-to-deliver bond among candidates for a contract month.

    Bonds outside the basket (:func:`basket_mask`) are ignored. Then, with P the clean price,
    CF the conversion factor, F the futures price and fwd the repo-carry forward clean price at
    :func:`delivery_date`:

    * ``futures_price`` and ``repo_rate``: lowest **net basis** ``fwd − F × CF``
      (= gross basis ``P − F × CF`` minus carry ``P − fwd``);
    * ``futures_price`` only: highest **implied repo** (carry unknown); ``net_basis`` then
      holds the gross basis ``P − F × CF``;
    * no futures price: the futures settles at ``min(price / CF)`` at delivery, so the CTD is
      the bond minimising ``fwd / CF`` (or ``P / CF`` without a repo rate) and its net basis is
      zero by construction.

    Parameters
    ----------
    coupons [decimal], maturities, clean_prices [per 100 face]: shape (n_bonds,).
    futures_price : [per 100 face]. repo_rate : [decimal, Act/360].
    issue_dates : optional original issue dates for the original-term rules.
    """
    cpn = np.atleast_1d(np.asarray(coupons, dtype=float))
    mat = np.atleast_1d(np.asarray(maturities, dtype="datetime64[D]"))
    price = np.atleast_1d(np.asarray(clean_prices, dtype=float))
    if not cpn.shape == mat.shape == price.shape:
        raise ValueError("coupons, maturities and clean_prices must have the same shape")
    ok = np.flatnonzero(basket_mask(code, cpn, mat, expiry, issue_dates))
    if ok.size == 0:
        reason = deliverable_reason(code, cpn[0], mat[0].item(), expiry) if mat.size else ""
        raise ValueError(
            f"no deliverable bond for {code} {expiry:%Y-%m} among {mat.size} candidates"
            + (f" (bond 0: {reason})" if reason else "")
        )
    conv = conversion_factors(code, cpn[ok], mat[ok], expiry)
    delivery = delivery_date(code, expiry)
    if repo_rate is not None:
        value = forward_clean_prices(cpn[ok], mat[ok], price[ok], settlement, delivery, repo_rate)
    else:
        value = price[ok]
    implied = None
    if futures_price is None:
        best = int(np.argmin(value / conv))
        net = 0.0
        method = "min {} / CF (no futures price: the futures converges to it; zero net basis)"
        method = method.format("forward price" if repo_rate is not None else "clean price")
    else:
        invoice = futures_price * conv
        repo = implied_repo_rates(cpn[ok], mat[ok], price[ok], settlement, delivery, invoice)
        if repo_rate is not None:
            basis = value - invoice
            best = int(np.argmin(basis))
            method = "min net basis (forward price at repo − futures × CF)"
        else:
            basis = price[ok] - invoice
            best = int(np.argmax(repo))
            method = "max implied repo (no repo rate: net_basis is the gross basis)"
        net, implied = float(basis[best]), float(repo[best])
    i = int(ok[best])
    return CtdChoice(
        index=i,
        coupon=float(cpn[i]),
        maturity=mat[i].item(),
        conversion_factor=float(conv[best]),
        net_basis=net,
        implied_repo=implied,
        method=method,
    )


def futures_dv01_from_ctd(ctd_dv01, conversion_factor):
    """Futures DV01 ≈ CTD DV01 / CF [SRC CME; METHODOLOGY §4].

    Units follow the input: a CTD DV01 [USD per bp per 100 face] gives the futures DV01 per
    100 of futures face (× ``face_usd`` / 100 for one contract). Sign as in
    :mod:`xmsim.units`: positive = a long gains when yields fall. Example (CME): 67.64 / 0.9506
    = 71.16.
    """
    return np.asarray(ctd_dv01, dtype=float) / np.asarray(conversion_factor, dtype=float)


def futures_price_from_ctd_forward(forward_clean, conversion_factor):
    """Fair futures price ≈ CTD forward clean price at delivery / CF [per 100 face]."""
    return np.asarray(forward_clean, dtype=float) / np.asarray(conversion_factor, dtype=float)


def rate_future_dv01(code: str) -> float:
    """DV01 of one SOFR or Fed Funds futures contract [USD per bp per contract].

    From the contract table: SR3 $25, SR1 and ZQ $41.67 [SRC CME specs]. The price is
    100 − rate, so a **long gains when rates fall**: the returned value is the P&L of one long
    contract for a 1 bp fall, positive like a long bond's ``dv01_usd``.
    """
    spec = contracts.get_contract(code)
    if spec.usd_per_bp is None:
        raise ValueError(
            f"{spec.code} is not a rate future; Treasury futures take DV01 from the CTD"
        )
    return float(spec.usd_per_bp)
