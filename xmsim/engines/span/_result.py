"""SPAN results: frozen values with ``to_frame()``, and the per-position attribution.

Every total is the sum of its named components (:meth:`SpanResult.components`); the
attribution rule is stated in :mod:`xmsim.engines.span.margin`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from xmsim.engines.span._core import SCENARIO_LABELS, _Compiled, _Core
from xmsim.engines.span._equiv import FuturesEquivalents
from xmsim.frozen import readonly


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
    positions, cash equivalents included); ``basis_charge_usd`` is the cash-vs-futures basis
    charge of each group; ``scenario_loss_usd`` (n_groups, 16) is the loss of each group's net
    position before spreads [USD]; ``attribution_usd`` (n_positions,) sums to
    ``maintenance_usd``. ``position_group`` names each position's contract(s) (``"ZN+TN"`` for
    a cash position split between two) and ``position_contracts`` its contracts-equivalent
    summed over them; ``equivalents`` lists (position, contract, contracts) rows.
    ``account_type`` and ``initial_multiplier`` say how initial follows from maintenance;
    ``shown`` which of the two ``margin_usd`` is.
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
    basis_charge_usd: np.ndarray
    scanning_spreads: tuple[SpreadCharge, ...]
    inter_credits: tuple[InterCredit, ...]
    scenario_loss_usd: np.ndarray
    position_labels: tuple[str, ...]
    position_group: tuple[str, ...]
    position_contracts: np.ndarray
    attribution_usd: np.ndarray
    maintenance_usd: float
    account_type: str = "member"
    equivalents: tuple[tuple[int, str, float], ...] = ()

    def __post_init__(self) -> None:
        for f in (
            "net_contracts",
            "scan_risk_usd",
            "intra_charge_usd",
            "spot_charge_usd",
            "basis_charge_usd",
            "scenario_loss_usd",
            "position_contracts",
            "attribution_usd",
        ):
            object.__setattr__(self, f, readonly(getattr(self, f)))
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
            ("cash-vs-futures basis", self.basis_charge_usd),
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
            account_type=self.account_type,
            initial_multiplier=self.initial_multiplier,
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


def _attribution(core: _Core, eq: FuturesEquivalents, cp: _Compiled, n_pos: int) -> np.ndarray:
    """Per-position USD (n_positions,) summing to the single account's maintenance."""
    n_cc = len(cp.cc)
    cc, q = eq.cc, eq.q
    amount = core.scan[0] + core.intra[0] + core.basis[0]
    for k, (_, a, b, *_rest) in enumerate(cp.pairs):
        w = np.abs(core.pair_legs[k, :, 0]) * cp.psr[[a, b]]
        if w.sum() > 0:
            np.add.at(amount, [a, b], core.pair_charge[k, 0] * w / w.sum())
    for k, (_, a, b, *_rest) in enumerate(cp.inters):
        np.add.at(amount, [a, b], -core.inter_credit[k, :, 0])
    standalone = np.clip((q[:, None] * core.position_arrays).max(1), 0, None)
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
    return np.bincount(eq.src, amount[cc] * share + spot, minlength=n_pos)


@dataclass(frozen=True, slots=True)
class SpanBatchResult:
    """Margins of many accounts, each margined on its own: arrays of shape (n_accounts,) [USD];
    ``account_types`` is each account's CME account type (how its initial follows)."""

    accounts: tuple[str, ...]
    maintenance_usd: np.ndarray
    initial_usd: np.ndarray
    shown: str
    params_label: str
    account_types: tuple[str, ...] = ()

    @property
    def margin_usd(self) -> np.ndarray:
        return self.initial_usd if self.shown == "initial" else self.maintenance_usd

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {
                "account": self.accounts,
                "account_type": self.account_types or None,
                "maintenance_usd": self.maintenance_usd,
                "initial_usd": self.initial_usd,
            }
        )


__all__ = ["InterCredit", "SpanBatchResult", "SpanResult", "SpreadCharge"]
