"""The arrangement on every date of a range: one re-dated book, instruments priced once a date.

Each point is exactly what ``run`` gives for the re-dated portfolio on that as-of (tested to
1e-9 against :class:`xmsim.simulate.Simulator` on sampled dates, both readings). What the
history runner does differently from looping the single-date path (the ratio is in
``benchmarks/bench_history.py``):

* once per run: positions deduplicated into unique instruments, the combined portfolios
  formed, the most volatile window of every as-of found from one rolling sum;
* per date: the instruments re-dated and priced once at unit quantity, with the SPAN buckets'
  front contracts in the same book and risk pass; both models margin every (portfolio, leg)
  from net weights over the instruments (:mod:`xmsim.arrangement.netted`); the ~2,800
  scenario curves (the date's curve plus the 3-day changes its look-back shares with the
  neighbouring dates') become DFs by :func:`discount_nodes_upto` on the nodes the book reads,
  into one reused buffer;
* per block of dates: one SPAN batch for all their portfolios, BLAS on one thread.

Memory is one date's pricing arrays plus a block's small SPAN books, however long the range.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from xmsim.arrangement.crossmargin import (
    LEG_CME,
    LEG_FICC,
    ArrangementResult,
    IneligibleRow,
    LegMargins,
    account_results,
    assign_legs,
)
from xmsim.arrangement.models import SpanModel, front_contracts, group_account, treasury_codes
from xmsim.arrangement.netted import (
    Instruments,
    block_of,
    span_group_margins,
    span_leg_book,
    var_leg_margins,
)
from xmsim.arrangement.pots import CUSTOMER_POT, form_pots
from xmsim.config import RunConfig, resolve_span_params
from xmsim.engines.span._equiv import split_weights
from xmsim.engines.span.margin import SpanBook, concat_books, span_margin_batch
from xmsim.engines.span.params_io import SpanParams, default_span_params
from xmsim.engines.var.engine import VarEngine
from xmsim.engines.var.scenarios import build_scenarios, most_volatile_windows
from xmsim.market import BasisHistory, Market, YieldHistory
from xmsim.marketdata.defaults import market_from_history
from xmsim.portfolio import Portfolio, instrument_key, unit_position
from xmsim.pricing.curve import N_NODES
from xmsim.pricing.risk import PricingBook, build_book, position_risk
from xmsim.timeline.dates import EVERY, check_range, first_full_lookback, history_dates  # noqa: F401
from xmsim.timeline.kernels import compact_book, node_dfs, one_blas_thread, used_nodes
from xmsim.timeline.redate import REDATING_RULE, Redater
from xmsim.units import DAYS_PER_YEAR

BLOCK_DATES = 32
"""Dates computed together: one rolling sum for their stress windows, one SPAN batch."""


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One as-of date of a history run.

    ``result`` is the date's arrangement (what ``run`` prints); ``var_margin_usd`` and
    ``span_margin_usd`` are each model's margin of the combined portfolio(s), summed over the
    combined portfolios; ``var_pnl_usd`` is the realised P&L of the date's eligible book over
    the VaR horizon and ``span_pnl_usd`` over one business day (the book valued on the curve of
    the later date, no carry) [USD]; NaN when the history ends first.
    """

    result: ArrangementResult
    var_margin_usd: float
    span_margin_usd: float
    var_pnl_usd: float
    span_pnl_usd: float

    @property
    def date(self) -> dt.date:
        return self.result.asof


@dataclass(frozen=True)
class HistoryRun:
    """Every point of a range, the book date and the re-dating rule applied."""

    points: tuple[HistoryPoint, ...]
    book_date: dt.date
    every: str
    horizon_days: int
    strip: tuple[dict, ...]
    rule: str = REDATING_RULE


@dataclass(frozen=True, slots=True)
class _Pending:
    """One date of a block before its SPAN margins: what :meth:`HistoryRunner._finish` needs."""

    day: dt.date
    span: SpanParams
    var: LegMargins
    span_book: tuple[SpanBook, np.ndarray] | None
    unit_rows: tuple
    history: str
    pnl: np.ndarray


class HistoryRunner:
    """A portfolio stated on ``book_date`` run over a history's dates with one configuration.

    ``span_choice`` names the SPAN parameter set (``default``, ``calibrated`` or a file) the way
    ``run`` resolves it on each date; ``config.span_params`` is used when it is None. ``basis``
    is the SOFR / fed funds basis on the history's dates (None: none, as
    :func:`market_from_history`).

    What is done once, not per date: the positions are deduplicated into unique instruments
    (same terms, any size or account: :func:`xmsim.portfolio.instrument_key`), the
    combined portfolios are formed, and the most volatile window of every as-of is found from
    one rolling sum. Per date: the instruments are re-dated and priced once at unit quantity,
    both models margin every (combined portfolio, leg) from net weights over them
    (:mod:`xmsim.arrangement.netted`, equal to the row-by-row arrangement to 1e-9), and the
    ~2,800 scenario curves become node DFs by :func:`discount_nodes_upto` on the nodes the book
    reads only. Memory is one date's arrays, however long the range.
    """

    def __init__(
        self,
        portfolio: Portfolio,
        history: YieldHistory,
        config: RunConfig | None = None,
        book_date: dt.date | None = None,
        span_choice: str | None = None,
        basis: BasisHistory | None = None,
    ) -> None:
        self.history = history
        self.basis = basis
        self.config = config or RunConfig()
        self.book_date = book_date or history.end
        self.redater = Redater(portfolio, self.book_date)
        self.span_choice = span_choice
        self.pots = form_pots(portfolio, self.config.arrangement.arrangement)
        self._customer = np.array([k == CUSTOMER_POT for k in self.pots.kinds], bool)
        index: dict[tuple, int] = {}
        inst = np.empty(len(portfolio), dtype=np.int64)
        units = []
        for i, p in enumerate(portfolio):
            inst[i] = index.setdefault(instrument_key(p), len(index))
            if inst[i] == len(units):
                units.append(unit_position(p))
        self._units = Redater(Portfolio(tuple(units)), self.book_date)
        self._inst = inst
        self._qty = np.array([p.quantity for p in portfolio], dtype=float)
        self._pos_rows = tuple(p.row for p in portfolio)
        self._ctd = {(c, e): o for c, e, o in self.config.ctd_overrides}
        self._span = None
        if span_choice != "calibrated":
            self._span = self.config.span_params or default_span_params()
        self._index = {d: i for i, d in enumerate(history.dates.astype("datetime64[D]").tolist())}
        self._df_buffer: np.ndarray | None = None  # reused scenario DFs (no fresh 8 MB a date)
        self._buckets = self._span_buckets(self._units.portfolio)

    def _span_params(self, market: Market) -> SpanParams:
        if self._span is not None:
            return self._span
        span = resolve_span_params("calibrated", market)  # on each date's curve, as run does
        if self.config.span_params is not None:
            span = dataclasses.replace(span, shown=self.config.span_params.shown)
        return span

    def _price(self, units: Portfolio, curve, day: dt.date):
        """The instruments' pricing book, their DV01s [USD per bp] and the SPAN buckets' front
        contract DV01s on ``day``: one book and one risk pass for both when no CTD is
        overridden (the fronts are priced without overrides, as :func:`bucket_dv01s` does),
        holding the buckets SPAN can read only (:meth:`_span_buckets`); (book, None, None)
        otherwise (the SPAN model prices its own)."""
        if self._ctd or self._buckets is None:
            return build_book(units, curve, self._ctd), None, None
        n = len(units)
        both = build_book(Portfolio(units.positions + front_contracts(self._buckets, day)), curve)
        dv01 = position_risk(both, curve).dv01_usd
        bucket = {c: float(d) for c, d in zip(self._buckets, dv01[n:], strict=True)}
        return both.take(np.arange(n)), dv01[:n], bucket

    def _span_buckets(self, units: Portfolio) -> tuple[str, ...] | None:
        """The Treasury contracts whose DV01 SPAN can read for these instruments on any date:
        those held, the two bracketing each cash instrument's maturity (constant under the
        re-dating) and those CUSIPs map onto; None with per-date parameters (calibrated)."""
        if self._span is None:
            return None
        held = {p.contract for p in units if p.is_future}
        points = self._span.cash_points()
        cash = [p.maturity for p in units if not p.is_future and p.maturity is not None]
        years = np.array([(m - self.book_date).days / DAYS_PER_YEAR for m in cash])
        if years.size and points:
            lo, _ = split_weights(years, np.array([y for _, y in points]))
            hi = np.minimum(lo + 1, len(points) - 1)
            held |= {points[i][0] for i in np.concatenate([lo, hi])}
        held |= {m.contract for m in self._span.cash_map}
        return tuple(c for c in treasury_codes() if c in held)

    def _stress_starts(self, days: list[dt.date]) -> list[int | None]:
        """The most volatile window's start row for each as-of (None: not searched)."""
        v = self.config.var
        if not v.stress or v.stress_window is not None:
            return [None] * len(days)
        upto = np.searchsorted(self.history.dates, np.array(days, dtype="datetime64[D]"), "right")
        return [int(s) for s in most_volatile_windows(self.history, v.stress_days, upto)]

    def _realised_rows(self, day: dt.date) -> np.ndarray:
        """Curves at +horizon and +1 business day (NaN rows past the end), shape (2, n_tenors)."""
        i = self._index[day]
        out = np.full((2, self.history.yields.shape[1]), np.nan)
        for r, ahead in enumerate((self.config.var.horizon_days, 1)):
            if i + ahead < self.history.dates.size:
                out[r] = self.history.yields[i + ahead]
        return out

    def _prepare(self, day: dt.date, stress_start: int | None) -> _Pending:
        """Everything of ``day`` but its SPAN margins: the VaR model's leg margins, the
        realised P&L and the date's SPAN book (margined with its block's other dates)."""
        config = self.config
        market = market_from_history(self.history, day, self.basis)
        span = self._span_params(market)
        units = self._units.at(day)
        book, unit_dv01, bucket = self._price(units, market.curve, day)
        unit_legs, unit_rows = assign_legs(units, day, book.terms)
        legs = unit_legs[self._inst]
        table = Instruments(units, book, unit_legs, tuple(unit_rows))
        blk = block_of(table, self._inst, self._qty, self.pots.index, len(self.pots.names))
        scenarios = build_scenarios(
            self.history, day, config.var, self.basis, stress_start=stress_start
        )
        engine = VarEngine(market, config.var, scenarios)
        nodes = used_nodes(book)
        compact = compact_book(book, nodes)
        var_blk = blk
        if config.var.mode == "full":  # the sensitivity mode never reads scenario DFs
            curves = market.curve.yields + scenarios.shocks
            if self._df_buffer is None or self._df_buffer.shape[1] < curves.shape[0]:
                self._df_buffer = np.empty((N_NODES, curves.shape[0] + 64))
            engine.use_scenario_df(node_dfs(curves, nodes, self._df_buffer))
            var_blk = dataclasses.replace(blk, table=dataclasses.replace(table, book=compact))
        return _Pending(
            day=day,
            span=span,
            var=var_leg_margins(engine, var_blk),
            span_book=span_leg_book(SpanModel(span, market.curve, bucket), blk, unit_dv01),
            unit_rows=unit_rows,
            history=scenarios.description,
            pnl=self._realised_pnl(day, compact, nodes, legs),
        )

    def _finish(self, p: _Pending, span_margins: LegMargins) -> HistoryPoint:
        """The date's point from its pending part and its SPAN leg margins."""
        config = self.config
        inel: dict[int, tuple[IneligibleRow, ...]] = {}
        for i, (k, a) in enumerate(zip(self._inst, self.pots.index, strict=True)):
            u = p.unit_rows[k]
            if u is not None:
                row = IneligibleRow(self._pos_rows[i], u.description, u.home_ccp, u.reason)
                inel[int(a)] = (*inel.get(int(a), ()), row)
        arr = config.arrangement
        margins = {"var": p.var, "span": span_margins}
        accounts = account_results(self.pots.names, self.pots.kinds, margins, inel, arr,
                                   config.ficc_model, config.cme_model)  # fmt: skip
        result = ArrangementResult(
            asof=p.day, settings=arr, ficc_model=config.ficc_model, cme_model=config.cme_model,
            history=p.history, accounts=accounts, model_settings=config.settings_dict(p.span),
            reading=self.pots.reading(),
        )  # fmt: skip
        return HistoryPoint(
            result=result,
            var_margin_usd=float(sum(a.var.combined for a in accounts)),
            span_margin_usd=float(sum(a.span.combined for a in accounts)),
            var_pnl_usd=float(p.pnl[0]),
            span_pnl_usd=float(p.pnl[1]),
        )

    def _span_margins(self, pending: list[_Pending]) -> list[LegMargins]:
        """SPAN leg margins of every pending date: one batch for all the dates sharing a
        parameter set (each date's portfolios are accounts of it, with the date's DV01s and
        each portfolio's CME account type)."""
        n_acc = len(self.pots.names)
        out: list[LegMargins | None] = [None] * len(pending)
        for span in {id(p.span): p.span for p in pending}.values():
            types = tuple(span.account_type_of(bool(c)) for c in self._customer)
            idx = [i for i, p in enumerate(pending) if p.span is span]
            held = [i for i in idx if pending[i].span_book is not None]
            for i in set(idx) - set(held):
                out[i] = span_group_margins(np.zeros(0, np.int64), np.zeros(0), n_acc, types)
            if not held:
                continue
            books = [pending[i].span_book[0] for i in held]
            customer = np.concatenate(
                [self._customer[group_account(pending[i].span_book[1], n_acc)] for i in held]
            )
            margin = span_margin_batch(concat_books(books), span, customer).margin_usd
            ends = np.cumsum([0, *(len(b.accounts) for b in books)])
            for k, i in enumerate(held):
                names = pending[i].span_book[1]
                out[i] = span_group_margins(names, margin[ends[k] : ends[k + 1]], n_acc, types)
        return out

    def _realised_pnl(self, day, compact: PricingBook, nodes, legs) -> np.ndarray:
        """The eligible book's P&L from ``day`` to +horizon and +1 business day [USD], shape
        (2,) (NaN past the history's end)."""
        real = self._realised_rows(day)
        ok = np.isfinite(real[:, 0])
        pnl = np.full(2, np.nan)
        eligible = np.flatnonzero((legs == LEG_FICC) | (legs == LEG_CME))
        if ok.any():
            unit = compact.pnl(node_dfs(real[ok], nodes))  # (n_ok, n_instruments)
            pnl[ok] = unit[:, self._inst[eligible]] @ self._qty[eligible]
        return pnl

    def iter_points(self, days: list[dt.date], block: int = BLOCK_DATES) -> Iterator[HistoryPoint]:
        """The points of ``days`` in order, ``block`` dates at a time: their stress windows
        from one rolling sum and their SPAN margins from one batch; the pricing arrays live for
        one date, only each date's small SPAN book waits for its block."""
        for k in range(0, len(days), block):
            chunk = days[k : k + block]
            with one_blas_thread():
                starts = self._stress_starts(chunk)
                pending = [self._prepare(d, s) for d, s in zip(chunk, starts, strict=True)]
                points = [
                    self._finish(p, span)
                    for p, span in zip(pending, self._span_margins(pending), strict=True)
                ]
            yield from points

    def run(
        self,
        start: dt.date,
        end: dt.date,
        every: str = "day",
        block: int = BLOCK_DATES,
        progress: Callable[[int, int], None] | None = None,
    ) -> HistoryRun:
        """Every point of ``start..end`` (checked: inside the history, ordered, full look-back)."""
        check_range(self.history, start, end, self.config.var.lookback_years)
        days = history_dates(self.history, start, end, every)
        if not days:
            raise ValueError(f"no history dates between {start} and {end}")
        points = []
        for point in self.iter_points(days, block):
            points.append(point)
            if progress is not None:
                progress(len(points), len(days))
        return HistoryRun(
            tuple(points), self.book_date, every, self.config.var.horizon_days,
            tuple(self.redater.strip_table()),
        )  # fmt: skip


def run_history(
    portfolio: Portfolio,
    history: YieldHistory,
    start: dt.date,
    end: dt.date,
    every: str = "day",
    config: RunConfig | None = None,
    book_date: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    basis: BasisHistory | None = None,
) -> HistoryRun:
    """One-shot :class:`HistoryRunner` run (the library's history entry point)."""
    runner = HistoryRunner(portfolio, history, config, book_date, basis=basis)
    return runner.run(start, end, every, progress=progress)
