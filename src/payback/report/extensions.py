"""Report sections beyond the metric engine: customer lifetime value and unit economics.

Which capabilities have a section, with its title and builder, is said once, in
:mod:`payback.capabilities` (``Capability.report``). Each :class:`Extension` builds one
section of the report (and one ``/api/<name>`` view of the dashboard) from its
capability (:mod:`payback.clv`, :mod:`payback.economics`), which is part of payback:
every section is always there. A section that fails on
unusual data (a model that cannot be fitted on three customers) shows why instead of
its charts; it is never left out silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from payback.capabilities import CAPABILITIES, load

#: (store, start, end, where, by) -> Section or None (None: not enough data for the section).
Builder = Callable[[Any, dt.date | None, dt.date | None, Mapping[str, Sequence[str]], str], Any]


@dataclass(frozen=True)
class Extension:
    """A section of a capability: its name (``ltv``, ``economics``), API summary and builder.

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

        A capability failing on unusual data (a model that cannot be fitted on
        three customers ...) must not sink the whole report: the section then carries the
        error instead of its charts.
        """
        from payback.report.build import Section

        if not self.filtered:
            start = end = where = None
        try:
            return self.build(store, start, end, where or {}, by or self.grains[0])
        except Exception as e:  # a section never sinks the report
            return Section(
                id=self.name,
                title=self.title,
                intro="This section could not be computed on this data.",
                notes=(f"{type(e).__name__}: {e}",),
            )


def extensions() -> list[Extension]:
    """The sections after the metric engine's, in report order: the capabilities'
    sections, in the order of :data:`payback.capabilities.CAPABILITIES` (visits, CLV,
    ceilings, segments, partners, keyword bids).

    >>> [e.name for e in extensions()]
    ['visits', 'ltv', 'economics', 'segments', 'partners', 'bids']
    """
    return [
        Extension(
            section.name,
            section.title,
            section.summary,
            load(section.builder),
            tuple(load(section.grains)),
            filtered=section.filtered,
        )
        for section in (c.report for c in CAPABILITIES)
        if section is not None
    ]


def skipped(section_id: str, title: str, reason: str) -> Any:
    """A capability's section when the store cannot give it (no claims, no keyword rows
    ...): its title and the reason, in words, instead of its charts."""
    from payback.report.build import Section

    return Section(id=section_id, title=title, intro=reason)
