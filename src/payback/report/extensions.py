"""Report sections of optional capabilities: customer lifetime value and unit economics.

Each :class:`Extension` builds one section of the report (and one ``/api/<name>`` view
of the dashboard). Its capability is imported inside a guard: when the capability is not
installed (or lacks the function) the section is left out, never an error.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: (store, start, end, where, by) -> Section or None (None: not enough data for the section).
Builder = Callable[[Any, dt.date | None, dt.date | None, Mapping[str, Sequence[str]], str], Any]


@dataclass(frozen=True)
class Extension:
    """An optional section: its name (``ltv``, ``economics``), API summary and builder.

    Attributes
    ----------
    grains : tuple of str
        The dimensions the section can be computed by (``by``); the first is the
        report's.
    filtered : bool
        Whether the period and the filters apply (the CLV section uses every
        customer's whole history: its view takes neither).
    """

    name: str
    title: str
    summary: str
    build: Builder
    grains: tuple[str, ...]
    filtered: bool = True

    def section(self, store, start=None, end=None, where=None, by: str | None = None) -> Any:
        """The section by ``by`` (default the first of :attr:`grains`), or one that says why
        it could not be computed.

        An optional capability failing on unusual data (a model that cannot be fitted on
        three customers ...) must not sink the whole report: the section then carries the
        error instead of its charts.
        """
        from payback.report.build import Section

        if not self.filtered:
            start = end = where = None
        try:
            return self.build(store, start, end, where or {}, by or self.grains[0])
        except Exception as e:  # an optional section never sinks the report
            return Section(
                id=self.name,
                title=self.title,
                intro="This section could not be computed on this data.",
                notes=(f"{type(e).__name__}: {e}",),
            )


def has_capability(module: str, *names: str) -> bool:
    """True when ``payback.<module>`` imports and offers every attribute in ``names``.

    >>> has_capability("report", "build_report"), has_capability("no_such_capability")
    (True, False)
    """
    try:
        found = importlib.import_module(f"payback.{module}")
    except ModuleNotFoundError:
        return False
    return all(hasattr(found, n) for n in names)


def extensions() -> list[Extension]:
    """The optional sections whose capability is installed, in report order."""
    found = []
    if has_capability("clv", "cohort_ltv", "predict_ltv", "holdout_check"):
        from payback.report.clv_section import SOURCE_GRAINS, build_clv_section

        found.append(
            Extension(
                "ltv",
                "Customer lifetime value",
                "Cohort LTV curves, predicted CLV by acquisition source, model calibration "
                "(every customer's whole history: no period or filters)",
                build_clv_section,
                SOURCE_GRAINS,
                filtered=False,
            )
        )
    if has_capability("economics", "ceilings"):
        from payback.report.economics_section import CEILING_GRAINS, build_economics_section

        found.append(
            Extension(
                "economics",
                "Ceilings and verdicts",
                "Marginal CPO, headroom, LTV/CAC, payback and a verdict per campaign "
                "(or platform, partner)",
                build_economics_section,
                CEILING_GRAINS,
            )
        )
    return found
