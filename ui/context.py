"""The sidebar's choices resolved lazily: a page computes only what it asks for.

``app.py`` builds one ``Context`` a run and the page on screen reads it with ``current()``; the
market, portfolio, simulator and the detailed run are each resolved (through ``ui.cached``) on
first use, so a page that never needs the detailed run never computes it.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import streamlit as st

from ui import cached
from ui.sidebar import Choices
from ui.state import digest, stored
from xmsim.arrangement.models import span_mapping_notes
from xmsim.engines.span.params_io import load_span_params
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import Portfolio
from xmsim.report.tables import POOLED_OPTION
from xmsim.simulate import resolve_span_params
from xmsim.upload.loader import TEMPLATE_CSV, LoadResult, portfolio_to_frame, sample_paths

MAX_NOTES = 50
"""Per-position SPAN mapping notes listed in the sidebar before a count of the rest."""


class NotReady(Exception):
    """Nothing to margin yet (no file, no valid rows, or rejected settings): the message says."""

    def __init__(self, message: str, level: str = "error") -> None:
        super().__init__(message)
        self.level = level  # "info" (nothing chosen yet) or "error"


class Context:
    """One run's inputs; every property computes on first use and is then kept for the run."""

    def __init__(self, choices: Choices) -> None:
        self.choices = choices

    @cached_property
    def _market(self):
        c = self.choices
        key, history = "embedded", None
        if c.history is not None:
            key = c.history[0]
            history = cached.history(key, c.history[2], c.history[1]).history
        try:
            market = cached.market(key, c.asof, history)
        except ValueError as exc:
            st.sidebar.error(str(exc))
            key, market = "embedded", default_market()
        return market, (key, market.asof.isoformat())

    @property
    def market(self):
        """The market on the as-of date."""
        return self._market[0]

    @property
    def market_key(self) -> tuple:
        """(history digest or "embedded", as-of ISO date)."""
        return self._market[1]

    @cached_property
    def _source(self) -> tuple[LoadResult | None, str]:
        c, asof = self.choices, self.market.asof
        if c.src == "Upload file":
            if c.upload is None:
                return None, "upload:none"
            name, data = c.upload
            return cached.load("bytes", data, name, asof), f"upload:{digest(data)}"
        if c.src == "Build by hand":  # an empty book: the Portfolio page's grid fills it
            return LoadResult(Portfolio()), "hand"
        if c.src == "Paste text":
            if not c.pasted.strip():
                return None, "paste:none"
            return cached.load("text", c.pasted, None, asof), f"paste:{digest(c.pasted)}"
        path = sample_paths().get(c.sample)
        if path is None:
            return cached.load("text", TEMPLATE_CSV, None, asof), "template"
        data = path.read_bytes()
        return cached.load("bytes", data, path.name, asof), f"sample:{digest(data)}"

    @property
    def loaded(self) -> LoadResult | None:
        """The portfolio as loaded from the chosen source (None before a file is chosen)."""
        return self._source[0]

    @property
    def source_key(self) -> str:
        """A key naming the source (kind and content digest)."""
        return self._source[1]

    @property
    def grid_edits(self) -> str | None:
        """The edited grid as CSV text, when the portfolio page's grid was edited."""
        return stored("grid").get(self.source_key)

    @cached_property
    def final(self) -> LoadResult:
        """The portfolio actually margined: the loaded one, or the edited grid."""
        if self.loaded is None:
            raise NotReady("Choose a file to upload or paste rows in the sidebar.", "info")
        text = self.grid_edits
        if text is None:
            return self.loaded
        return cached.load("text", text, None, self.market.asof)

    @property
    def rejected(self) -> int:
        """Rows rejected on loading plus rows rejected in the edited grid."""
        final = self.final
        edited = len(final.rejected_rows) if final is not self.loaded else 0
        return len(self.loaded.rejected_rows) + edited

    @cached_property
    def portfolio(self):
        """The margined ``Portfolio`` (at least one position)."""
        portfolio = self.final.portfolio
        if len(portfolio) == 0:
            if self.source_key == "hand" and self.grid_edits is None:
                raise NotReady(
                    "Building by hand: add positions in the grid on the Portfolio page.", "info"
                )
            raise NotReady(
                "No valid positions to margin: see the Portfolio page for the errors and fixes."
            )
        return portfolio

    @cached_property
    def pkey(self) -> tuple:
        """The portfolio as plain values: (upload-format CSV, row numbers)."""
        p = self.portfolio
        return portfolio_to_frame(p).to_csv(index=False), tuple(x.row for x in p)

    @cached_property
    def fingerprint(self) -> str | None:
        """The margined portfolio in 16 hex digits (None before there is one): what the
        optimiser's hedge and the what-if trades are bound to."""
        try:
            csv, rows = self.pkey
        except NotReady:
            return None
        return digest(csv + repr(rows))

    def peek_fingerprint(self) -> str | None:
        """:attr:`fingerprint` before the page runs, without keeping the portfolio computed:
        the Portfolio page stores this run's grid edits first, then margins them."""
        fingerprint = self.fingerprint
        for name in ("fingerprint", "pkey", "portfolio", "final"):
            self.__dict__.pop(name, None)
        return fingerprint

    def share_text(self) -> str | None:
        """The portfolio a share link must carry (its CSV): None for an unedited sample,
        which the link names instead, or when there is no portfolio yet."""
        if self.choices.src == "Sample" and self.grid_edits is None:
            return None
        try:
            return self.pkey[0]
        except NotReady:
            return None

    @cached_property
    def base_span(self):
        """(unedited parameter set, its key); a bad file falls back to the default."""
        c = self.choices
        file_key = digest(c.span_file[1]) if c.span_file else ""
        try:
            base, warnings = cached.base_span(c.span, self.market_key, file_key, self.market,
                                              c.span_file)  # fmt: skip
        except (ValueError, KeyError) as exc:
            st.error(f"SPAN parameter file: {exc} The illustrative default is used.")
            base, warnings = resolve_span_params("default", self.market), ()
        if c.span == "uploaded" and c.span_file:
            st.sidebar.caption(f"SPAN parameters: {base.label}")
            if warnings:
                with st.sidebar.expander(f"SPAN file notes ({len(warnings)})"):
                    for w in warnings:
                        st.caption(w)
        calibrated = self.market_key if c.span == "calibrated" else ""
        return base, f"{c.span}|{calibrated}|{file_key}"

    @cached_property
    def span(self):
        """(parameter set in use, its key): the base with the Settings page's edits applied."""
        params, key = self.base_span
        text = stored("span").get(key)
        if text is not None:
            try:
                params = load_span_params(text)
                key += f"|edit:{digest(text)}"
            except (ValueError, KeyError):
                pass  # the Settings page shows the rejection
        if params.shown != self.choices.shown:
            params = dataclasses.replace(params, shown=self.choices.shown)
        notes = span_mapping_notes(self.portfolio, params)
        if notes:
            title = f"SPAN: {len(notes)} cash position{'s' if len(notes) != 1 else ''} mapped"
            with st.sidebar.expander(f"{title} automatically (no type-9 record)"):
                for note in notes[:MAX_NOTES]:
                    st.caption(note)
                if len(notes) > MAX_NOTES:
                    st.caption(f"… and {len(notes) - MAX_NOTES:,} more (CLI: span_notes).")
        return params, f"{key}|{self.choices.shown}"

    @property
    def sim_key(self) -> tuple:
        """The simulator as plain values."""
        return self.market_key, self.choices.settings, self.span[1]

    @cached_property
    def simulator(self):
        """The ``Simulator`` for the sidebar's settings."""
        try:
            return cached.simulator(*self.sim_key, self.market, self.span[0])
        except ValueError as exc:
            raise NotReady(f"Settings rejected: {exc}") from exc

    @cached_property
    def sim(self):
        """The detailed run (``Simulator.run``) of the margined portfolio."""
        return cached.run(*self.pkey, self.sim_key, self.simulator, self.portfolio)

    def detail_options(self) -> list[str]:
        """The account picker's choices: each combined portfolio, then the pooled view (when
        there are several)."""
        names = [a.account for a in self.sim.result.accounts]
        return [*names, POOLED_OPTION] if len(names) > 1 else names

    @property
    def detail_account(self) -> str | None:
        """The combined portfolio the results page's picker shows (None: pooled), kept valid:
        a name the current run does not have falls back to its first portfolio."""
        options = self.detail_options()
        picked = st.session_state.get("detail_account")
        if picked not in options:
            picked = options[0]
            st.session_state["detail_account"] = picked
        return None if picked == POOLED_OPTION else picked

    @property
    def detail_sim(self):
        """The detailed run focused on the picked combined portfolio (charts, components,
        contributions and the XLSX detail sheets follow it)."""
        sim, account = self.sim, self.detail_account
        if account == sim.detail_account:
            return sim
        return cached.detail(*self.pkey, self.sim_key, account, self.simulator, sim)


def ready(ctx: Context, what: str = "sim"):
    """``ctx.<what>``, or None after showing why it cannot be computed yet."""
    try:
        return getattr(ctx, what)
    except NotReady as exc:
        (st.info if exc.level == "info" else st.error)(str(exc))
        return None


def set_current(ctx: Context) -> None:
    """Make ``ctx`` the context of this run (``app.py`` only)."""
    st.session_state["_context"] = ctx


def current() -> Context:
    """The context ``app.py`` built for this run."""
    return st.session_state["_context"]
