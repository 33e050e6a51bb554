"""Slow, obvious reference implementations (the "slow twins"), one module per layer.

Each is written plainly from METHODOLOGY.md or the rulebook, loops where the library
vectorises, and is checked equal to the fast code in the tests. ``from tests import reference
as ref`` keeps giving the pricing twins (``ref.SlowCurve``, ``ref.dirty_price`` ...); the
others are imported by module: ``tests.reference.arrangement``, ``tests.reference.backtest``
(Kupiec, Christoffersen, Portfolio Differential), ``tests.reference.scenarios`` (the stressed
window).
"""

from tests.reference.pricing import *  # noqa: F403
from tests.reference.pricing import SlowCurve, bond_flows, coupon_dates, dirty_price  # noqa: F401
