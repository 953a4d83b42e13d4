"""Predicted CLV of each partner's customers, with its interval, for ``partners value``.

The prediction and its interval are :func:`payback.clv.predict_ltv`'s with
``by="partner"`` (one home: :mod:`payback.clv.intervals`, the parametric bootstrap of
``payback ltv predict --interval``); this module only names its per-source columns the
way the partner table does:

- ``predicted_clv``: the mean expected value of the partner's customers over the horizon
  (revenue basis, undiscounted), ``mean_i clv_i`` with ``clv_i = E[purchases_i] x
  E[spend_i]`` (BG/NBD + Gamma-Gamma);
- ``predicted_clv_low``, ``predicted_clv_high``: the ``(1 - level)/2`` and
  ``(1 + level)/2`` quantiles over ``draws`` parameter sets ``theta*`` of
  ``mean_i clv_i(theta*)``, the mean taken within each draw (not the mean of customers'
  bounds). A partner with fewer customers than ``min_customers`` uses the pooled fit,
  so its interval is the pooled fit's parameter uncertainty carried to its customers;
  it narrows like ``1/sqrt(customers)`` as the shop grows. Parameter uncertainty only:
  not a range for one customer's purchases.

Examples
--------
>>> import pandas as pd
>>> from payback.present import Table
>>> by_source = Table(pd.DataFrame({"source": ["P1", None], "future_value_per_customer":
...     [120.0, 80.0], "future_value_low": [110.0, 70.0], "future_value_high": [131.0, 90.0]}))
>>> clv_columns(by_source).loc["P1"].tolist()
[120.0, 110.0, 131.0]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["CLV_COLUMNS", "clv_columns", "prediction_arguments"]

#: The partner table's name of each :func:`payback.clv.ltv_by_source` column.
CLV_COLUMNS: dict[str, str] = {
    "future_value_per_customer": "predicted_clv",
    "future_value_low": "predicted_clv_low",
    "future_value_high": "predicted_clv_high",
}


def prediction_arguments(
    interval: float | None, draws: int | None, seed: int, predicted: bool
) -> dict[str, Any]:
    """The interval keywords of :func:`payback.clv.predict_ltv` (none without ``interval``).

    Raises
    ------
    payback.errors.InputError
        An interval asked without the prediction, or a level outside (0, 1).

    Examples
    --------
    >>> prediction_arguments(0.9, None, 0, True)
    {'interval': 0.9, 'draws': 200, 'seed': 0}
    >>> prediction_arguments(None, None, 0, True)
    {}
    """
    from payback.clv.intervals import DEFAULT_DRAWS, bounds
    from payback.errors import InputError

    if interval is None:
        return {}
    if not predicted:
        raise InputError(
            "an interval of the predicted CLV needs the prediction: got predicted=False "
            "with interval; drop one of them"
        )
    bounds(pd.DataFrame([[0.0]]).to_numpy(), interval)  # checks the level, one message
    return {"interval": float(interval), "draws": int(draws or DEFAULT_DRAWS), "seed": int(seed)}


def clv_columns(by_source: Any) -> pd.DataFrame:
    """``predicted_clv`` (and its bounds, when the prediction has them) per partner, from
    :func:`payback.clv.ltv_by_source`'s table (``by="partner"``), indexed by partner."""
    frame = by_source.frame
    frame = frame[frame["source"].notna()].set_index("source")
    have = [c for c in CLV_COLUMNS if c in frame]
    out = frame[have].rename(columns=CLV_COLUMNS).astype(float)
    out.index.name = "partner"
    return out
