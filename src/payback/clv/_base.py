"""Pieces every fitted model shares: parameter table, standard errors, information criteria."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from payback._lazy import lazy_module

np = lazy_module("numpy")


@dataclass(frozen=True, kw_only=True)
class ModelFit:
    """Common fields of a fitted model (subclasses add the parameters, Hardie's notation).

    Attributes
    ----------
    standard_errors : mapping of str to float
        Asymptotic standard error of each parameter (inverse observed information,
        delta method from the log-parameters); a read-only copy of what was given.
    log_likelihood : float
        Maximised log-likelihood (without the penalty when ``penalizer`` > 0).
    n_customers : float
        Customers the model was fitted on (the sum of the weights).
    penalizer : float
        L2 penalty used (0 = plain maximum likelihood).
    log_covariance : tuple of tuples of float
        Covariance of the log-parameters (inverse observed information, in
        ``param_names`` order); empty for a fit made from given parameters. The intervals
        of :mod:`payback.clv.intervals` draw parameters from it.
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    model_name: ClassVar[str] = ""

    standard_errors: Mapping[str, float] = field(default_factory=dict)
    log_likelihood: float = math.nan
    n_customers: float = 0.0
    penalizer: float = 0.0
    log_covariance: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        # frozen all the way down: a read-only copy, not the caller's dict
        read_only = MappingProxyType(dict(self.standard_errors))
        object.__setattr__(self, "standard_errors", read_only)

    def __reduce__(self) -> tuple[Any, ...]:
        # a mappingproxy does not pickle: rebuild from the fields, with a plain dict
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["standard_errors"] = dict(self.standard_errors)
        return (_rebuild, (type(self), values))

    @property
    def params(self) -> dict[str, float]:
        """The parameters by name, in Hardie's notation."""
        return {n: float(getattr(self, n)) for n in self.param_names}

    @property
    def aic(self) -> float:
        """Akaike information criterion, ``2k - 2 LL``."""
        return 2 * len(self.param_names) - 2 * self.log_likelihood

    @property
    def bic(self) -> float:
        """Bayesian information criterion, ``k ln(n) - 2 LL``."""
        return len(self.param_names) * math.log(self.n_customers) - 2 * self.log_likelihood

    def summary(self):
        """A pandas DataFrame: parameter, estimate, standard error, 95 % interval.

        The interval is taken on the log scale (``exp(log theta +- 1.96 se/theta)``), so it
        stays positive like the parameter.
        """
        import pandas as pd

        rows = []
        for n in self.param_names:
            est = float(getattr(self, n))
            se = float(self.standard_errors[n])
            spread = math.exp(1.959963984540054 * se / est)
            rows.append((n, est, se, est / spread, est * spread))
        return pd.DataFrame(
            rows, columns=["parameter", "estimate", "std_error", "lower95", "upper95"]
        )

    @classmethod
    def from_mle(cls, res):
        """The fitted model from a :class:`payback.clv._optim.MLEResult`."""
        return cls(
            **res.params,
            standard_errors=res.standard_errors,
            log_likelihood=res.log_likelihood,
            n_customers=res.n_customers,
            penalizer=res.penalizer,
            log_covariance=res.log_covariance,
        )

    def _as(self, *values):
        """Broadcast the given arrays to float arrays (scalars stay 0-d)."""
        return [np.asarray(v, dtype=float) for v in values]


def _rebuild(cls: type, values: dict[str, Any]) -> Any:
    """Unpickle a :class:`ModelFit` (see ``ModelFit.__reduce__``)."""
    return cls(**values)
