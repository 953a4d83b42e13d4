"""Scenarios side by side and the sensitivity table of the subscription simulator.

A *scenario* is a mapping of simulator options (the ``payback simulate`` option names,
``-`` or ``_``): ``budget, months, cpo, customers, k, beta, price, cogs, margin,
retention, retention_curve, alpha, beta_sbg``. Values are numbers, lists, or text as a
user types it (``"100000/150"``, ``"90%"``, ``"50000,0"``). On the command line one
scenario is ``NAME:key=value,key=value``; a comma followed by a value without ``=``
continues the previous key's list, so ``double:budget=100000,0,cpo=100000/150`` is the
budget ``[100000, 0]`` and the CPO 666.67. In a TOML file::

    [base]              # options every scenario starts from (optional)
    price = 500
    cogs = 100

    [scenarios.double]
    budget = [100000, 0]
    cpo = "100000/150"

Examples
--------
>>> name, spec = parse_scenario("double:budget=100000,0,cpo=100000/150")
>>> name, spec
('double', {'budget': '100000,0', 'cpo': '100000/150'})
>>> kw = simulation_kwargs({"price": 500, "cogs": 100, **spec})
>>> kw["budget"], round(kw["cpo"], 2)
((100000.0, 0.0), 666.67)
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from payback.calc.inputs import parse_number, parse_numbers
from payback.economics.simulator import Simulation, simulate
from payback.errors import InputError

#: Scenario keys and how their values are read: amount(s), rate(s) or a whole number.
KEYS: dict[str, str] = {
    "budget": "amounts",
    "months": "int",
    "cpo": "amount",
    "customers": "amounts",
    "k": "amount",
    "beta": "amount",
    "price": "amount",
    "cogs": "amount",
    "margin": "rate",
    "retention": "rate",
    "retention_curve": "rates",
    "alpha": "amount",
    "beta_sbg": "amount",
}


def _key(raw: str, where: str) -> str:
    key = raw.strip().replace("-", "_")
    if key not in KEYS:
        raise InputError(
            f"{where}: unknown option {raw.strip()!r}; expected one of {', '.join(KEYS)}"
        )
    return key


def parse_scenario(text: str) -> tuple[str, dict[str, str]]:
    """Split ``NAME:key=value,...`` into the name and the raw option values.

    Raises
    ------
    payback.errors.InputError
        Without a name, with an unknown key, or a value before any ``key=``.
    """
    name, sep, body = text.partition(":")
    name = name.strip()
    if not sep or not name:
        raise InputError(
            f"--scenario {text!r}: expected NAME:key=value,... e.g. "
            f"double:budget=100000,0,cpo=100000/150"
        )
    spec: dict[str, list[str]] = {}
    key: str | None = None
    for token in body.split(","):
        if "=" in token:
            raw, _, value = token.partition("=")
            key = _key(raw, f"--scenario {name}")
            spec[key] = [value.strip()]
        elif key is None:
            raise InputError(f"--scenario {name}: {token!r} comes before any key=value")
        else:
            spec[key].append(token.strip())
    return name, {k: ",".join(v) for k, v in spec.items()}


def load_scenarios(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a TOML file of scenarios: ``[base]`` defaults and ``[scenarios.NAME]`` tables.

    Returns each scenario's options with the base merged under them.

    Raises
    ------
    payback.errors.InputError
        A missing file, invalid TOML, an unknown table or option, no scenario.

    Examples
    --------
    DOMAIN.md section 4: ads of 50,000 bring 100 subscribers; twice the budget, 150.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "plans.toml"
    >>> _ = path.write_text('''
    ... [base]
    ... price = 500
    ... cogs = 100
    ... [scenarios.base]
    ... budget = [50000, 0]
    ... cpo = 500
    ... [scenarios.double]
    ... budget = [100000, 0]
    ... cpo = "100000/150"
    ... ''')
    >>> plans = load_scenarios(path)
    >>> plans["double"]
    {'price': 500, 'cogs': 100, 'budget': [100000, 0], 'cpo': '100000/150'}
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"scenario file {p} not found") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{p}: not valid TOML: {e}") from None
    unknown = set(data) - {"base", "scenarios"}
    if unknown:
        raise InputError(
            f"{p}: unknown table(s) {sorted(unknown)}; expected [base] and [scenarios.NAME]"
        )
    base = {_key(k, f"{p} [base]"): v for k, v in data.get("base", {}).items()}
    scenarios = data.get("scenarios", {})
    if not scenarios:
        raise InputError(f"{p}: no [scenarios.NAME] table")
    return {
        name: base | {_key(k, f"{p} [scenarios.{name}]"): v for k, v in spec.items()}
        for name, spec in scenarios.items()
    }


def _read(key: str, value: Any) -> Any:
    kind = KEYS[key]
    name = "--" + key.replace("_", "-")
    if kind == "int":
        if isinstance(value, str):
            value = parse_number(value, name=name)
        if isinstance(value, bool) or value != int(value) or value < 1:
            raise InputError(f"{name} must be a whole number of months >= 1, got {value!r}")
        return int(value)
    rate = kind.startswith("rate")
    if kind.endswith("s"):
        if isinstance(value, str):
            return parse_numbers(value, name=name, rate=rate)
        if isinstance(value, int | float):
            return (parse_number(value, name=name),)
        return tuple(parse_number(v, name=name, rate=rate) for v in value)
    if isinstance(value, list | tuple):
        raise InputError(f"{name} takes one value, got a list {value!r}")
    return parse_number(value, name=name, rate=rate)


def simulation_kwargs(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Turn scenario options into keyword arguments of :func:`simulate`.

    ``margin`` (a share of the price) replaces ``cogs``: ``cogs = price x (1 - margin)``.
    ``retention`` may also be a fitted model (anything with ``survival``) and ``response``
    a :class:`~payback.economics.simulator.PowerResponse` (from the store).

    Raises
    ------
    payback.errors.InputError
        A missing budget or price, a margin over 100 %, conflicting options.
    """
    raw = dict(spec)
    fitted_retention = raw.pop("retention") if hasattr(raw.get("retention"), "survival") else None
    response = raw.pop("response", None)
    values = {_key(k, "scenario"): _read(_key(k, "scenario"), v) for k, v in raw.items()}
    for required in ("budget", "price"):
        if required not in values:
            raise InputError(f"missing --{required}: the simulator needs it")
    kw: dict[str, Any] = {"budget": values["budget"], "price": values["price"]}
    if "months" in values:
        kw["months"] = values["months"]
    if "margin" in values:
        if "cogs" in values:
            raise InputError("give --cogs or --margin, not both")
        margin = values["margin"]
        if not 0 <= margin <= 1:
            raise InputError(
                f"--margin must be between 0 and 100 % of the price, got {margin:g} "
                f"(= {margin * 100:g} %). Fix: give e.g. 80% or 0.8"
            )
        kw["cogs"] = values["price"] - values["price"] * margin
    else:
        kw["cogs"] = values.get("cogs", 0.0)
    if "customers" in values:
        kw["customers"] = values["customers"]
    if "cpo" in values:
        kw["cpo"] = values["cpo"]
    if "k" in values or "beta" in values:
        if "k" not in values or "beta" not in values:
            raise InputError("the response curve needs both --k and --beta")
        from payback.economics.simulator import PowerResponse

        response = PowerResponse(values["k"], values["beta"])
    if response is not None:
        kw["response"] = response
    kw["retention"] = _retention(values, fitted_retention)
    return kw


def _retention(values: Mapping[str, Any], fitted: Any) -> Any:
    given = [
        k
        for k in ("retention", "retention_curve", "alpha")
        if k in values or (k == "retention" and fitted is not None)
    ]
    if len(given) > 1:
        raise InputError(
            "give one retention: --retention (a constant rate), --retention-curve, "
            "--alpha and --beta-sbg, or --retention-from-store"
        )
    if fitted is not None:
        return fitted
    if "alpha" in values or "beta_sbg" in values:
        if "alpha" not in values or "beta_sbg" not in values:
            raise InputError("the sBG retention needs both --alpha and --beta-sbg")
        from payback.clv import SBGFit

        for k in ("alpha", "beta_sbg"):
            if values[k] <= 0:
                raise InputError(f"--{k.replace('_', '-')} must be positive, got {values[k]:g}")
        return SBGFit(alpha=values["alpha"], beta=values["beta_sbg"])
    if "retention_curve" in values:
        return values["retention_curve"]
    return values.get("retention", 1.0)


def run_scenarios(scenarios: Mapping[str, Mapping[str, Any]]) -> dict[str, Simulation]:
    """Simulate each scenario (name -> options) and return name -> :class:`Simulation`.

    Options are those of ``payback simulate`` (:func:`simulation_kwargs`); an invalid
    scenario raises :class:`payback.errors.InputError` naming it.

    Examples
    --------
    DOMAIN.md section 4: -10,000 then +30,000 cumulative; with double the budget (150
    subscribers) -40,000 then +20,000.

    >>> sims = run_scenarios({
    ...     "base": {"budget": [50000, 0], "cpo": 500, "price": 500, "cogs": 100},
    ...     "double": {"budget": [100000, 0], "cpo": "100000/150", "price": 500, "cogs": 100}})
    >>> {name: [round(m.cumulative_profit, 6) for m in sim.months] for name, sim in sims.items()}
    {'base': [-10000.0, 30000.0], 'double': [-40000.0, 20000.0]}
    """
    out = {}
    for name, spec in scenarios.items():
        try:
            out[name] = simulate(**simulation_kwargs(spec))
        except InputError as e:
            raise InputError(f"scenario {name!r}: {e}") from None
    return out


#: Rows of the side-by-side summary: (label, how to get it, unit).
SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("new customers", "new", "count"),
    ("ad spend", "ad_spend", "money"),
    ("revenue", "revenue", "money"),
    ("profit at horizon", "profit_at_horizon", "money"),
    ("break-even month", "break_even_month", "count"),
    ("payback period (months)", "payback_period_months", "count"),
    ("CAC", "cac", "money"),
    ("cohort LTV (revenue)", "cohort_ltv_revenue", "money"),
    ("cohort LTV (margin)", "cohort_ltv_margin", "money"),
    ("LTV / CAC", "ltv_cac", "ratio"),
)


def compare(sims: Mapping[str, Simulation]) -> pd.DataFrame:
    """Scenarios side by side: one row per summary number, one column per scenario.

    >>> sims = run_scenarios({
    ...     "base": {"budget": [50000, 0], "cpo": 500, "price": 500, "cogs": 100},
    ...     "double": {"budget": [100000, 0], "customers": [150, 0], "price": 500, "cogs": 100}})
    >>> compare(sims).loc["profit at horizon"].tolist()
    [30000.0, 20000.0]
    """
    rows = {}
    for label, attr, _ in SUMMARY_ROWS:
        row = []
        for sim in sims.values():
            if attr in ("new", "ad_spend", "revenue"):
                row.append(sum(getattr(m, attr) for m in sim.months))
            else:
                row.append(getattr(sim, attr))
        rows[label] = row
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(sims))
    frame.index.name = "metric"
    return frame


def cumulative_profit(sims: Mapping[str, Simulation]) -> pd.DataFrame:
    """Cumulative profit by month (rows), one column per scenario (months may differ)."""
    return pd.DataFrame(
        {
            name: pd.Series({m.month: m.cumulative_profit for m in s.months})
            for name, s in sims.items()
        }
    ).rename_axis("month")


def sensitivity(
    spec: Mapping[str, Any],
    *,
    budget_factors: Sequence[float] = (0.5, 1.0, 1.5, 2.0),
    retentions: Sequence[float] = (0.8, 0.9, 0.95, 1.0),
) -> pd.DataFrame:
    """Profit at the horizon for each budget factor (rows) x monthly retention (columns).

    Each row multiplies the whole budget schedule by the factor (so a rising CPO curve
    shows its diminishing returns); each column replaces the retention by a constant
    monthly rate.

    >>> spec = {"budget": [50000, 0], "cpo": 500, "price": 500, "cogs": 100}
    >>> sensitivity(spec, budget_factors=[1, 2], retentions=[0.5, 1.0]).to_numpy().tolist()
    [[10000.0, 30000.0], [20000.0, 60000.0]]
    """
    base = simulation_kwargs(spec)
    factors = [float(f) for f in budget_factors]
    rates = [float(r) for r in retentions]
    for f in factors:
        if f < 0:
            raise InputError(f"a budget factor cannot be negative, got {f:g}")
    grid = []
    for f in factors:
        row = []
        for r in rates:
            kw = dict(base, retention=r, budget=[b * f for b in base["budget"]])
            if "customers" in kw:
                kw["customers"] = [c * f for c in kw["customers"]]
            row.append(simulate(**kw).profit_at_horizon)
        grid.append(row)
    frame = pd.DataFrame(
        grid,
        index=pd.Index(factors, name="budget_factor"),
        columns=pd.Index(rates, name="retention"),
    )
    return frame


def merge_scenarios(
    base: Mapping[str, Any],
    *,
    path: str | Path | None = None,
    texts: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:
    """The scenarios to run: each one is ``base`` overridden by its own values.

    The scenarios of the TOML file ``path`` (:func:`load_scenarios`) come first, then each
    ``NAME:key=value,...`` of ``texts`` (:func:`parse_scenario`; a later one of the same
    name replaces an earlier one). ``base`` itself runs first as ``"base"`` when it has a
    budget and no scenario takes that name; with no scenario at all it runs alone (so that
    :func:`simulation_kwargs` can say what is missing).

    Examples
    --------
    >>> merge_scenarios({"budget": "1000", "cpo": "50"}, texts=["cheap:cpo=40"])
    {'base': {'budget': '1000', 'cpo': '50'}, 'cheap': {'budget': '1000', 'cpo': '40'}}
    >>> merge_scenarios({"cpo": "50"})
    {'base': {'cpo': '50'}}
    """
    base = dict(base)
    specs: dict[str, dict[str, Any]] = {}
    if path is not None:
        specs |= {name: base | spec for name, spec in load_scenarios(path).items()}
    for text in texts:
        name, spec = parse_scenario(text)
        specs[name] = base | spec
    if "budget" in base and "base" not in specs:
        specs = {"base": base} | specs
    return specs or {"base": base}
