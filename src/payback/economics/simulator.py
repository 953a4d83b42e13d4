"""Subscription simulator: acquisition pays back later.

A monthly projection for a subscription (or repeat-purchase) product. Each month ``m``
(1-based) spends ``budget[m]`` on acquisition and wins ``new[m]`` customers; a customer
pays ``price`` and costs ``cogs`` in the month they are acquired and in every month they
stay. With ``S(a)`` the share of a cohort still active ``a`` months after its acquisition
month (``S(0) = 1``)::

    new[m]     = budget[m] / CPO                 (constant CPO)
               = k x budget[m]^beta              (CPO rising with spend, beta < 1)
    active[m]  = sum_{c <= m} new[c] x S(m - c)
    churned[m] = sum_{c <  m} new[c] x (S(m-1-c) - S(m-c))
    revenue[m] = active[m] x price,  cogs[m] = active[m] x cogs
    profit[m]  = revenue[m] - cogs[m] - budget[m]

so that ``active[m] = active[m-1] + new[m] - churned[m]``. ``S`` is a constant monthly
retention ``r`` (``S(a) = r^a``), a fitted sBG (``S(a) = B(alpha, beta+a) / B(alpha, beta)``,
Fader & Hardie 2007) or a given curve. Customer counts are expected values and may be
fractional (a projection of 37.5 customers is an expectation, not a head count).

Summary numbers:

- **break-even month**: the first month from which cumulative profit stays >= 0 to the
  horizon;
- **payback period**: months until a customer's cumulative margin
  ``(price - cogs) x sum_{a < n} S(a)`` covers the CAC (total ad spend / total new
  customers), searched over ``payback_horizon`` months;
- **cohort LTV**: what one customer brings over the horizon, on revenue
  (``price x sum_{a < months} S(a)``) and on margin.

Examples
--------
DOMAIN.md section 4: price 500, cost of goods 100, ads 50,000 bring 100 subscribers:

>>> sim = simulate([50_000, 0], cpo=500, price=500, cogs=100, retention=1.0)
>>> [m.profit for m in sim.months], [m.cumulative_profit for m in sim.months]
([-10000.0, 40000.0], [-10000.0, 30000.0])
>>> sim.break_even_month, sim.payback_period_months
(2, 2)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
import pandas as pd

from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE
from payback.present import Table
from payback.present.values import fixed

#: Months over which the payback period is searched when none is given (50 years).
PAYBACK_HORIZON = 600


class Survival(Protocol):
    """A retention curve: ``survival(a)`` is the share of a cohort active ``a`` months on."""

    def survival(self, t: Any) -> np.ndarray: ...


@dataclass(frozen=True)
class ConstantRetention:
    """Every active customer stays another month with probability ``rate``: ``S(a) = rate^a``.

    >>> ConstantRetention(0.9).survival([0, 1, 2])
    array([1.  , 0.9 , 0.81])
    """

    rate: float

    def __post_init__(self) -> None:
        _unit_interval(self.rate, "retention")

    def survival(self, t: Any) -> np.ndarray:
        return np.power(self.rate, np.asarray(t, dtype=float))


@dataclass(frozen=True)
class CurveRetention:
    """A given retention curve: ``curve[i]`` is the share still active ``i + 1`` months on.

    ``S(0) = 1`` is implied. Beyond the curve the last month-over-month retention
    ``S(n) / S(n-1)`` repeats.

    >>> CurveRetention((0.8, 0.7)).survival([0, 1, 2, 3]).round(4)
    array([1.    , 0.8   , 0.7   , 0.6125])
    """

    curve: tuple[float, ...]

    def __post_init__(self) -> None:
        c = tuple(float(v) for v in self.curve)
        if not c:
            raise InputError("retention curve: give at least one value (share active a month on)")
        for v in c:
            _unit_interval(v, "retention curve")
        s = (1.0, *c)
        for i in range(1, len(s)):
            if s[i] > s[i - 1]:
                raise InputError(
                    f"retention curve: a cohort cannot grow back: month {i} has {s[i]:g} after "
                    f"{s[i - 1]:g}. Fix: give the share of the cohort still active, month by "
                    f"month, never increasing"
                )
        object.__setattr__(self, "curve", c)

    def survival(self, t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=int)
        s = np.array((1.0, *self.curve))
        n = len(s) - 1
        last = s[n] / s[n - 1] if s[n - 1] > 0 else 0.0
        beyond = s[n] * np.power(last, np.maximum(t - n, 0).astype(float))
        return np.where(t <= n, s[np.minimum(t, n)], beyond)


@dataclass(frozen=True)
class ConstantCPO:
    """Each customer costs ``cpo``: ``new = budget / cpo``.

    >>> ConstantCPO(500).new_customers(np.array([50_000.0, 0.0]))
    array([100.,   0.])
    """

    cpo: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.cpo) and self.cpo > 0):
            raise InputError(f"--cpo must be a positive amount, got {self.cpo!r}")

    def new_customers(self, budget: np.ndarray) -> np.ndarray:
        return budget / self.cpo


@dataclass(frozen=True)
class PowerResponse:
    """Customers won by a budget: ``new = k x budget^beta``; ``CPO = budget^(1-beta) / k``.

    With ``beta < 1`` each extra unit of budget wins fewer customers, so the CPO rises
    with spend. ``n_points`` and ``r_squared`` describe a fit on history (0 / None when
    the parameters were given).

    >>> r = PowerResponse(k=2.0, beta=0.5)
    >>> r.new_customers(np.array([10_000.0, 40_000.0]))
    array([200., 400.])
    >>> r.cpo(np.array([10_000.0, 40_000.0]))
    array([ 50., 100.])
    """

    k: float
    beta: float
    n_points: int = 0
    r_squared: float | None = None

    def __post_init__(self) -> None:
        for name, v in (("k", self.k), ("beta", self.beta)):
            if not (math.isfinite(v) and v > 0):
                raise InputError(
                    f"--{name} of the response curve (customers = k x budget^beta) must be "
                    f"positive, got {v!r}"
                )

    def new_customers(self, budget: np.ndarray) -> np.ndarray:
        return self.k * np.power(budget, self.beta)

    def cpo(self, budget: np.ndarray) -> np.ndarray:
        budget = np.asarray(budget, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(budget > 0, budget / self.new_customers(budget), np.nan)


@dataclass(frozen=True)
class SimulationMonth:
    """One month of the projection (money in the store's currency, counts expected)."""

    month: int
    new: float
    active: float
    churned: float
    revenue: float
    cogs: float
    ad_spend: float
    profit: float
    cumulative_profit: float


@dataclass(frozen=True)
class Simulation:
    """The projection and its summary numbers.

    Attributes
    ----------
    months : tuple of SimulationMonth
    break_even_month : int or None
        First month from which cumulative profit stays >= 0 (None: not within the horizon).
    payback_period_months : int or None
        Months until one customer's cumulative margin covers ``cac``.
    cac : float or None
        Total ad spend / total new customers (None without new customers).
    cohort_ltv_revenue, cohort_ltv_margin : float
        Revenue and margin of one customer over the horizon.
    ltv_cac : float or None
        ``cohort_ltv_margin / cac``.
    inputs : mapping
        The parameters, as JSON-friendly values.
    reasons : mapping of str to str
        Why a summary number is None.
    """

    months: tuple[SimulationMonth, ...]
    break_even_month: int | None
    payback_period_months: int | None
    cac: float | None
    cohort_ltv_revenue: float
    cohort_ltv_margin: float
    ltv_cac: float | None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", MappingProxyType(dict(self.inputs)))
        object.__setattr__(self, "reasons", MappingProxyType(dict(self.reasons)))

    @property
    def profit_at_horizon(self) -> float:
        """Cumulative profit of the last month."""
        return self.months[-1].cumulative_profit

    @property
    def frame(self) -> pd.DataFrame:
        """One row per month (``month, new, active, churned, revenue, cogs, ad_spend, profit,
        cumulative_profit``)."""
        return pd.DataFrame([asdict(m) for m in self.months])

    @property
    def table(self) -> Table:
        """:attr:`frame` with the units of its columns (:data:`MONTH_UNITS`), for
        :func:`payback.output.write_frame`."""
        return Table(self.frame, units=MONTH_UNITS)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"months": [...], "break_even_month": ..., ...}``."""
        return {
            "months": [asdict(m) for m in self.months],
            "break_even_month": self.break_even_month,
            "payback_period_months": self.payback_period_months,
            "cac": self.cac,
            "cohort_ltv_revenue": self.cohort_ltv_revenue,
            "cohort_ltv_margin": self.cohort_ltv_margin,
            "ltv_cac": self.ltv_cac,
            "profit_at_horizon": self.profit_at_horizon,
            "inputs": dict(self.inputs),
            "reasons": dict(self.reasons),
        }


#: Units of the month table's columns.
MONTH_UNITS: dict[str, str] = {
    "new": "count",
    "active": "count",
    "churned": "count",
    "revenue": "money",
    "cogs": "money",
    "ad_spend": "money",
    "profit": "money",
    "cumulative_profit": "money",
}


def _unit_interval(v: float, what: str) -> None:
    if not (isinstance(v, int | float) and math.isfinite(v) and 0 <= v <= 1):
        raise InputError(
            f"{what} must be between 0 and 100 % (a share of customers who stay), got {v!r}. "
            f"Fix: give a fraction like 0.9 or a percentage like 90%"
        )


def _schedule(values: float | Sequence[float], months: int | None, name: str) -> np.ndarray:
    """One amount per month; a single amount repeats for ``months`` months (default 12)."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"--{name}: expected one amount per month, got {values!r}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"--{name}: expected finite amounts, got {arr.tolist()}")
    if np.any(arr < 0):
        bad = int(np.argmax(arr < 0)) + 1
        raise InputError(
            f"--{name} cannot be negative: month {bad} has {arr[bad - 1]:g}. "
            f"Fix: give 0 or more for every month"
        )
    if months is not None and (int(months) != months or months < 1):
        raise InputError(f"--months must be a whole number of months >= 1, got {months!r}")
    if arr.size == 1:
        return np.repeat(arr, 12 if months is None else int(months))
    if months is not None and arr.size != months:
        raise InputError(
            f"--{name} has {arr.size} monthly amounts but --months is {months}. Fix: give one "
            f"amount per month, or a single amount to repeat every month"
        )
    return arr


def as_survival(retention: float | Sequence[float] | Survival) -> Survival:
    """A retention curve from a constant rate, a list (:class:`CurveRetention`) or a fit.

    Anything with a ``survival(t)`` method is used as it is, e.g.
    :class:`payback.clv.SBGFit`.

    >>> as_survival(1.0)
    ConstantRetention(rate=1.0)
    """
    if hasattr(retention, "survival"):
        return retention  # type: ignore[return-value]
    if isinstance(retention, int | float):
        return ConstantRetention(float(retention))
    return CurveRetention(tuple(retention))  # type: ignore[arg-type]


def describe_retention(retention: Survival) -> dict[str, Any]:
    """JSON description of a retention curve.

    >>> describe_retention(ConstantRetention(0.9))
    {'kind': 'constant', 'rate': 0.9}
    """
    if isinstance(retention, ConstantRetention):
        return {"kind": "constant", "rate": retention.rate}
    if isinstance(retention, CurveRetention):
        return {"kind": "curve", "survival": list(retention.curve)}
    params = getattr(retention, "params", None)
    if params is not None:
        return {"kind": getattr(retention, "model_name", type(retention).__name__), **params}
    return {"kind": type(retention).__name__}


def _survival_curve(retention: Survival, n: int) -> np.ndarray:
    s = np.asarray(retention.survival(np.arange(n)), dtype=float)
    if s.shape != (n,) or not np.all(np.isfinite(s)) or np.any((s < 0) | (s > 1 + 1e-12)):
        raise InputError(f"retention curve gives values outside [0, 1]: {s[:5].tolist()}...")
    if abs(s[0] - 1.0) > 1e-12 or np.any(np.diff(s) > 1e-12):
        raise InputError("retention curve must start at 1 and never increase")
    return s


def simulate(
    budget: float | Sequence[float],
    *,
    price: float,
    cogs: float = 0.0,
    cpo: float | None = None,
    response: PowerResponse | None = None,
    customers: float | Sequence[float] | None = None,
    retention: float | Sequence[float] | Survival = 1.0,
    months: int | None = None,
    payback_horizon: int = PAYBACK_HORIZON,
) -> Simulation:
    """Project monthly customers, revenue, costs and profit of an acquisition plan.

    Parameters
    ----------
    budget : float or sequence of float
        Acquisition budget per month (money); a single amount repeats every month.
    price : float
        What an active customer pays per month.
    cogs : float
        Cost of goods (serving one customer) per month.
    cpo : float, optional
        Constant cost per new customer: ``new = budget / cpo``.
    response : PowerResponse, optional
        Customers as a function of budget: ``new = k x budget^beta`` (CPO rises with spend).
    customers : float or sequence of float, optional
        New customers per month, given directly (e.g. exactly 150 for 100,000 at
        CPO 666.67). Exactly one of ``cpo``, ``response``, ``customers``.
    retention : float, sequence of float or object with ``survival(t)``
        Monthly retention rate (1.0 = nobody leaves), a curve of shares still active
        1, 2, ... months on, or a fitted sBG (:class:`payback.clv.SBGFit`).
    months : int, optional
        Horizon; default the length of ``budget`` (12 when a single amount is given).
    payback_horizon : int
        Months over which the payback period is searched.

    Returns
    -------
    Simulation

    Raises
    ------
    payback.errors.InputError
        Negative budget, price or cost of goods; retention outside [0, 1]; not exactly one
        acquisition model; schedules of different lengths.

    Examples
    --------
    Doubling ads to 100,000 brings only 150 subscribers (CPO 666.67):

    >>> sim = simulate([100_000, 0], customers=[150, 0], price=500, cogs=100)
    >>> [m.cumulative_profit for m in sim.months]
    [-40000.0, 20000.0]
    >>> round(sim.cac, 2), sim.cohort_ltv_margin
    (666.67, 800.0)
    """
    b = _schedule(budget, months, "budget")
    n = b.size
    for name, v in (("price", price), ("cogs", cogs)):
        if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
            raise InputError(f"--{name} must be an amount of 0 or more, got {v!r}")
    if sum(x is not None for x in (cpo, response, customers)) != 1:
        raise InputError(
            "give exactly one way to win customers: --cpo (constant cost per customer), "
            "--k and --beta (customers = k x budget^beta) or --customers (per month)"
        )
    if customers is not None:
        new = _schedule(customers, n, "customers")
        acquisition: dict[str, Any] = {"customers": new.tolist()}
    elif response is not None:
        new = response.new_customers(b)
        acquisition = {"k": response.k, "beta": response.beta}
    else:
        new = ConstantCPO(float(cpo)).new_customers(b)  # type: ignore[arg-type]
        acquisition = {"cpo": float(cpo)}  # type: ignore[arg-type]
    surv = as_survival(retention)
    horizon = max(int(payback_horizon), n)
    s = _survival_curve(surv, horizon)
    sn = s[:n]
    active = np.convolve(new, sn)[:n]
    drop = np.r_[0.0, sn[:-1] - sn[1:]]
    churned = np.convolve(new, drop)[:n]
    revenue = active * price
    cost_of_goods = active * cogs
    profit = revenue - cost_of_goods - b
    cumulative = np.cumsum(profit)

    reasons: dict[str, str] = {}
    below = np.flatnonzero(cumulative < 0)
    if below.size == 0:
        break_even: int | None = 1
    elif below[-1] == n - 1:
        break_even = None
        reasons["break_even_month"] = (
            f"cumulative profit is still negative at month {n} ({fixed(cumulative[-1], 2)})"
        )
    else:
        break_even = int(below[-1]) + 2

    total_new = float(new.sum())
    cac = CATALOGUE["cac"].evaluate({"cost": float(b.sum()), "new_customers": total_new})
    margin = price - cogs
    payback: int | None = None
    if cac is None:
        for key in ("cac", "payback_period_months", "ltv_cac"):
            reasons[key] = "no new customers: CAC is undefined"
    else:
        covered = margin * np.cumsum(s) >= cac * (1 - 1e-12)
        if covered.any():
            payback = int(np.argmax(covered)) + 1
        else:
            reasons["payback_period_months"] = (
                f"a customer's margin over {horizon} months ({fixed(margin * s.sum(), 2)}) never "
                f"covers the CAC ({fixed(cac, 2)})"
            )
    ltv_revenue = float(price * sn.sum())
    ltv_margin = float(margin * sn.sum())
    if cac == 0:
        reasons["ltv_cac"] = "CAC is 0: the ratio is undefined"
    month_rows = tuple(
        SimulationMonth(i + 1, *(float(x) for x in row))
        for i, row in enumerate(
            zip(new, active, churned, revenue, cost_of_goods, b, profit, cumulative, strict=True)
        )
    )
    return Simulation(
        months=month_rows,
        break_even_month=break_even,
        payback_period_months=payback,
        cac=cac,
        cohort_ltv_revenue=ltv_revenue,
        cohort_ltv_margin=ltv_margin,
        ltv_cac=CATALOGUE["ltv_cac"].evaluate({"ltv": ltv_margin, "cac": cac}),
        inputs={
            "budget": b.tolist(),
            "price": float(price),
            "cogs": float(cogs),
            **acquisition,
            "retention": describe_retention(surv),
            "months": n,
        },
        reasons=reasons,
    )
