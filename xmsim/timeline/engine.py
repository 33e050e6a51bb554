"""The arrangement on every date of a range: one re-dated book, stacked scenario curves.

Each point is exactly what ``run`` gives for the re-dated portfolio on that as-of (tested to
1e-9): the same :class:`xmsim.simulate.Simulator` arithmetic. What the history runner adds is
the batching: the look-back windows of a block of dates are stacked into **one** scenario
matrix and turned into discount factors by one :func:`discount_nodes` call (the 3-day changes
of overlapping look-backs are the same rows of one change array), the realised curves of the
backtest ride along in the same call, and only one block of scenario DFs is alive at a time,
so memory stays flat however long the range.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from xmsim.arrangement.crossmargin import LEG_CME, LEG_FICC, ArrangementResult, assign_legs
from xmsim.market import YieldHistory
from xmsim.marketdata.defaults import market_from_history
from xmsim.portfolio import Portfolio
from xmsim.pricing.curve import N_NODES, discount_nodes
from xmsim.pricing.risk import PricingBook
from xmsim.simulate import RunConfig, Simulator, resolve_span_params
from xmsim.timeline.redate import REDATING_RULE, Redater
from xmsim.units import DAYS_PER_YEAR

EVERY = ("day", "week", "month")
BLOCK_DATES = 2
"""Dates per block: one stacked scenario matrix of 2 × ~2,800 curves (≈ 17 MB of DFs;
larger blocks measured slower: the temporaries leave the cache)."""


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


def used_nodes(book: PricingBook) -> np.ndarray:
    """Indices of the DF nodes a book reads (its weights and its denominators' two nodes),
    always including nodes 0 and 1 (the cash denominator DF(0))."""
    cols = np.flatnonzero(np.any(book.numer != 0.0, axis=0))
    return np.unique(np.concatenate([[0, 1], cols, book.den_idx, book.den_idx + 1]))


def first_full_lookback(history: YieldHistory, lookback_years: float) -> dt.date:
    """The first date whose look-back lies wholly inside ``history``."""
    return history.start + dt.timedelta(days=round(lookback_years * DAYS_PER_YEAR))


def check_range(history: YieldHistory, start: dt.date, end: dt.date, lookback_years: float):
    """Raise ``ValueError`` with the fix when ``start..end`` cannot be run on ``history``."""
    if start > end:
        raise ValueError(f"the range is reversed: --from {start} is after --to {end}; swap them")
    if start < history.start or end > history.end:
        raise ValueError(
            f"the range {start} to {end} is outside the history ({history.start} to "
            f"{history.end}); pick dates inside it or load a longer history (--history)"
        )
    first = first_full_lookback(history, lookback_years)
    if start < first:
        raise ValueError(
            f"the history is too short for the look-back: with a {lookback_years:g}-year "
            f"look-back the first date with a full look-back is {first} (history starts "
            f"{history.start}); move --from to {first} or later, or shorten --var-lookback-years"
        )


def history_dates(history: YieldHistory, start: dt.date, end: dt.date, every: str):
    """The history's dates in ``start..end``: every one (``day``) or the last of each calendar
    week / month (``week`` / ``month``), as ``datetime.date``."""
    if every not in EVERY:
        raise ValueError(f"every must be one of {EVERY}, got {every!r}")
    d = history.dates
    sel = d[(d >= np.datetime64(start, "D")) & (d <= np.datetime64(end, "D"))]
    days = [x.astype(dt.date) for x in sel]
    if every == "day" or not days:
        return days
    key = (lambda x: x.isocalendar()[:2]) if every == "week" else (lambda x: (x.year, x.month))
    return [x for x, nxt in zip(days, [*days[1:], None], strict=True)
            if nxt is None or key(nxt) != key(x)]  # fmt: skip


class HistoryRunner:
    """A portfolio stated on ``book_date`` run over a history's dates with one configuration.

    ``span_choice`` names the SPAN parameter set (``default``, ``calibrated`` or a file) the way
    ``run`` resolves it on each date; ``config.span_params`` is used when it is None.
    """

    def __init__(
        self,
        portfolio: Portfolio,
        history: YieldHistory,
        config: RunConfig | None = None,
        book_date: dt.date | None = None,
        span_choice: str | None = None,
    ) -> None:
        self.history = history
        self.config = config or RunConfig()
        self.book_date = book_date or history.end
        self.redater = Redater(portfolio, self.book_date)
        self.span_choice = span_choice
        self._index = {d: i for i, d in enumerate(history.dates.astype("datetime64[D]").tolist())}

    def _simulator(self, day: dt.date) -> Simulator:
        market = market_from_history(self.history, day)
        config = self.config
        if self.span_choice == "calibrated":  # calibrated on each date's curve, as run does
            span = resolve_span_params(self.span_choice, market)
            if config.span_params is not None:
                span = dataclasses.replace(span, shown=config.span_params.shown)
            config = dataclasses.replace(config, span_params=span)
        return Simulator(market, config)

    def _realised_rows(self, day: dt.date) -> np.ndarray:
        """Curves at +horizon and +1 business day (NaN rows past the end), shape (2, n_tenors)."""
        i = self._index[day]
        out = np.full((2, self.history.yields.shape[1]), np.nan)
        for r, ahead in enumerate((self.config.var.horizon_days, 1)):
            if i + ahead < self.history.dates.size:
                out[r] = self.history.yields[i + ahead]
        return out

    def _block(self, days: list[dt.date]) -> Iterator[HistoryPoint]:
        sims = [self._simulator(d) for d in days]
        portfolios = [self.redater.at(d) for d in days]
        books = [s.book(p) for s, p in zip(sims, portfolios, strict=True)]
        nodes = np.unique(np.concatenate([used_nodes(b) for b in books]))
        full = self.config.var.mode == "full"  # the sensitivity mode never reads scenario DFs
        parts = (
            [s.market.curve.yields + s.var_engine.scenarios.shocks for s in sims] if full else []
        )
        real = [self._realised_rows(d) for d in days]
        sizes = [p.shape[0] for p in parts]
        stacked = np.zeros((sum(sizes) + 2 * len(days), N_NODES))  # nodes no book reads stay 0
        stacked[:, nodes] = discount_nodes(np.vstack([*parts, *real]), nodes)  # one call
        ends = np.cumsum([0, *sizes])
        real_df = stacked[ends[-1] :].reshape(len(days), 2, -1)
        for j, day in enumerate(days):
            if full:
                sims[j].var_engine.use_scenario_df(stacked[ends[j] : ends[j + 1]])
            yield self._point(sims[j], day, portfolios[j], books[j], real_df[j])

    def _point(
        self, sim: Simulator, day: dt.date, portfolio: Portfolio, book: PricingBook, real_df
    ) -> HistoryPoint:
        result = sim.arrangement(portfolio, book)
        legs, _ = assign_legs(portfolio, day, book.terms)
        eligible = np.flatnonzero((legs == LEG_FICC) | (legs == LEG_CME))
        ok = np.isfinite(real_df[:, 0])
        pnl = np.full(2, np.nan)
        if ok.any():
            pnl[ok] = book.take(eligible).portfolio_pnl(real_df[ok])
        return HistoryPoint(
            result=result,
            var_margin_usd=float(sum(a.var.combined for a in result.accounts)),
            span_margin_usd=float(sum(a.span.combined for a in result.accounts)),
            var_pnl_usd=float(pnl[0]),
            span_pnl_usd=float(pnl[1]),
        )

    def iter_points(self, days: list[dt.date], block: int = BLOCK_DATES) -> Iterator[HistoryPoint]:
        """The points of ``days`` in order, computed ``block`` dates at a time."""
        for k in range(0, len(days), block):
            yield from self._block(days[k : k + block])

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
) -> HistoryRun:
    """One-shot :class:`HistoryRunner` run (the library's history entry point)."""
    runner = HistoryRunner(portfolio, history, config, book_date)
    return runner.run(start, end, every, progress=progress)
