"""Streamlit caches, one per library call, keyed on plain values.

Arguments starting with ``_`` are not hashed (Streamlit's rule): every such object is named by a
plain key next to it (a portfolio by its CSV text and row numbers, a simulator by its settings).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable

import streamlit as st

from ui.state import config_values
from xmsim import whatif
from xmsim.config import run_config
from xmsim.engines.span.params_io import read_span_params
from xmsim.marketdata.defaults import default_market, market_from_history
from xmsim.marketdata.history import read_history
from xmsim.optimize import best_hedge
from xmsim.report import figures as reporting
from xmsim.report import files as exports
from xmsim.simulate import Simulator, resolve_span_params
from xmsim.upload.loader import load_portfolio, load_portfolio_text


@st.cache_data(show_spinner="Reading the portfolio…", max_entries=64)
def load(kind: str, payload: bytes | str, filename: str | None, asof: dt.date):
    """``load_portfolio`` / ``load_portfolio_text`` on bytes or text."""
    if kind == "text":
        return load_portfolio_text(payload, asof=asof)
    return load_portfolio(payload, asof=asof, filename=filename)


@st.cache_resource(show_spinner=False, max_entries=4)
def history(key: str, _data: bytes, name: str):
    """``read_history`` on an uploaded file (key = content digest)."""
    return read_history(_data, name=name)


@st.cache_resource(show_spinner=False, max_entries=16)
def market(history_key: str, asof: dt.date, _history=None):
    """The CLI's rule: embedded market (its history's curve when as-of differs), or a loaded
    history's curve on the as-of date."""
    if _history is None:
        embedded = default_market()
        if asof == embedded.asof:
            return embedded
        return market_from_history(embedded.history, asof, embedded.basis)
    return market_from_history(_history, asof)


@st.cache_resource(show_spinner="Reading the SPAN parameters…", max_entries=16)
def base_span(kind: str, market_key: tuple, file_key: str, _market, _file=None):
    """(SPAN parameter set, load warnings): default, calibrated to the market's history, or an
    uploaded file (``_file`` = (name, bytes), ``file_key`` its digest: xmsim's CSV or CME's
    .pa2 / .spn, zipped or not)."""
    if kind == "uploaded" and _file:
        name, data = _file
        return read_span_params(data, name)
    return resolve_span_params("calibrated" if kind == "calibrated" else "default", _market), ()


@st.cache_resource(show_spinner="Preparing the scenario engines…", max_entries=16)
def simulator(market_key: tuple, settings: tuple, span_key: str, _market, _span):
    """A ``Simulator`` for the sidebar's settings (a tuple of (name, value) pairs), through
    ``xmsim.config.run_config`` (its defaults and checks)."""
    return Simulator(_market, run_config(config_values(settings), _market, span_params=_span))


@st.cache_data(show_spinner="Margining the portfolio under both models…", max_entries=32)
def run(portfolio_csv: str, rows: tuple, sim_key: tuple, _simulator, _portfolio):
    """``Simulator.run`` (with the VaR and SPAN detail)."""
    return _simulator.run(_portfolio)


@st.cache_data(show_spinner=False, max_entries=64)
def detail(portfolio_csv: str, rows: tuple, sim_key: tuple, account, _simulator, _sim):
    """``Simulator.detail``: both engines' detail of one combined portfolio (None: pooled)."""
    return _simulator.detail(_sim, account)


@st.cache_data(show_spinner=False, max_entries=128)
def arrangement(portfolio_csv: str, rows: tuple, sim_key: tuple, change: str, _sim, _portfolio):
    """``Simulator.arrangement`` on a changed portfolio (``change`` names the change)."""
    return _sim.arrangement(_portfolio)


@st.cache_data(show_spinner="Sweeping hedge ratios…", max_entries=32)
def sweep(portfolio_csv: str, rows: tuple, sim_key: tuple, leg: str, _simulator, _portfolio):
    """``whatif.hedge_ratio_sweep``."""
    return whatif.hedge_ratio_sweep(_simulator, _portfolio, leg=leg)


@st.cache_data(show_spinner=False, max_entries=64)
def figures(portfolio_csv: str, rows: tuple, sim_key: tuple, account, _sim) -> dict:
    """The result charts of the detail's combined portfolio ``account`` (plotly templating
    costs ~40 ms a figure: built once per run and account)."""
    return exports.default_figures(_sim)


@st.cache_data(show_spinner=False, max_entries=64)
def sweep_figure(portfolio_csv: str, rows: tuple, sim_key: tuple, leg: str, ratio: float, _sweep):
    """``hedge_ratio_figure`` for one ratio."""
    return reporting.hedge_ratio_figure(_sweep, ratio, leg)


@st.cache_data(show_spinner="Searching for the best hedge…", max_entries=16)
def optimise(
    portfolio_csv: str,
    rows: tuple,
    sim_key: tuple,
    codes: tuple,
    max_contracts,
    account,
    _simulator,
    _portfolio,
):
    """``xmsim.optimize.best_hedge``."""
    return best_hedge(
        _portfolio, _simulator, contracts=codes, max_contracts=max_contracts, account=account
    )


HISTORY_ENTRIES = 16
"""History runs kept (all sessions together), least recently used dropped first."""


@st.cache_resource(show_spinner=False)
def _history_store() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def history_run(key: tuple, compute: Callable[[], object]):
    """A history run keyed on plain values (portfolio, settings, range), computed by
    ``compute()`` on a miss. Not ``st.cache_data``: the page draws its progress bar from the
    computation, which a cached function may not do (its elements would be replayed)."""
    store, lock = _history_store()
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    value = compute()
    with lock:
        store[key] = value
        while len(store) > HISTORY_ENTRIES:
            store.popitem(last=False)
    return value


def history_cached(key: tuple) -> bool:
    """Whether :func:`history_run` has ``key`` (the page skips its progress bar then)."""
    store, lock = _history_store()
    with lock:
        return key in store
