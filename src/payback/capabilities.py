"""The one list of payback's capabilities, read by the package root, the CLI, the report
and the server.

Each capability lives in its own folder (``payback/<name>/``); this registry says where
its parts are, by dotted name, so that reading it imports nothing:

- ``package``: the Python API (``import payback.clv``); ``payback.<name>`` loads it on
  first use, and ``exports`` are the names the package root re-exports
  (``payback.fit_bgnbd``);
- ``cli``: the module whose ``register(app)`` adds its commands to ``payback``, in the
  order of this list in ``payback --help``;
- ``report``: the section the HTML report (and the dashboard's ``/api/<name>`` view)
  adds after the metric engine's, in the order of this list;
- ``router``: ``"module:attribute"`` of the server's router (a FastAPI ``APIRouter``)
  for the dashboard, read by :func:`routers`.

Adding a capability is its folder plus one :class:`Capability` here (and, for type
checkers, the ``TYPE_CHECKING`` lines that ``tests/test_api.py`` prints if missing).

>>> [c.name for c in CAPABILITIES]  # doctest: +NORMALIZE_WHITESPACE
['demo', 'ingest', 'metrics', 'calc', 'clv', 'economics', 'segments', 'partners', 'bids',
 'report', 'server']
>>> CAPABILITY["clv"].cli, CAPABILITY["clv"].report.name
('payback.cli.clv', 'ltv')
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CAPABILITIES",
    "CAPABILITY",
    "Capability",
    "ReportSection",
    "load",
    "root_exports",
    "routers",
]


@dataclass(frozen=True)
class ReportSection:
    """A capability's section of the report (and ``/api/<name>`` view of the dashboard).

    Attributes
    ----------
    name : str
        Section id and dashboard view name (``ltv``, ``economics``).
    title, summary : str
        Heading, and one line for the API's list of views.
    builder : str
        ``"module:function"``: ``(store, start, end, where, by) -> Section``.
    grains : str
        ``"module:attribute"``: the dimensions the section can be computed by; the
        first is the report's.
    filtered : bool
        Whether the period and filters apply (the CLV section uses every customer's
        whole history).
    """

    name: str
    title: str
    summary: str
    builder: str
    grains: str
    filtered: bool = True


@dataclass(frozen=True)
class Capability:
    """One capability: where its API, commands, report section and router live.

    Attributes
    ----------
    name : str
        The package's name under ``payback`` (``clv``).
    description : str
        One line, for docs and ``payback --help``.
    exports : tuple of str
        Names of ``payback.<name>`` that the package root re-exports.
    cli : str or None
        Module with ``register(app)`` adding its commands; None for none.
    report : ReportSection or None
        Its section of the report after the metric engine's; None for none.
    router : str or None
        ``"module:attribute"`` of its dashboard router; None while it has none.
    """

    name: str
    description: str
    exports: tuple[str, ...] = ()
    cli: str | None = None
    report: ReportSection | None = None
    router: str | None = None

    @property
    def package(self) -> str:
        """The package's dotted name: ``payback.<name>``."""
        return f"payback.{self.name}"


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "demo",
        "A realistic synthetic shop written as real export files.",
        exports=("generate_shop", "write_shop", "run_demo"),
        cli="payback.cli.demo",
    ),
    Capability(
        "ingest",
        "Import ad platform exports, orders, leads and the other canonical tables.",
        exports=("import_file",),
        cli="payback.cli.ingest",
    ),
    Capability(
        "metrics",
        "CPO, CPA, DRR, ROMI ... at any grain, as ratios of sums.",
        exports=("CATALOGUE", "compute_metrics", "metrics_expr"),
        cli="payback.cli.metrics",
        report=ReportSection(
            "visits",
            "Visits and goals",
            "The funnel from sessions through each goal to confirmed orders, with CPV and CR "
            "per goal, by platform or campaign",
            builder="payback.report.visits_section:build_visits_section",
            grains="payback.report.visits_section:VISIT_GRAINS",
        ),
    ),
    Capability(
        "calc",
        "The marketer's calculator: every formula from plain numbers.",
        cli="payback.cli.calc",
    ),
    Capability(
        "clv",
        "Customer lifetime value: summaries, BG/NBD, Pareto/NBD, MBG/NBD, BG/BB, "
        "Gamma-Gamma, sBG, cohort LTV.",
        exports=(
            "summarize",
            "fit_bgnbd",
            "fit_mbgnbd",
            "fit_pareto_nbd",
            "fit_bgbb",
            "fit_gamma_gamma",
            "fit_sbg",
            "fit_table",
            "cohort_ltv",
            "ltv_by_source",
            "predict_ltv",
        ),
        cli="payback.cli.clv",
        report=ReportSection(
            "ltv",
            "Customer lifetime value",
            "Cohort LTV curves, predicted CLV by acquisition source, model calibration "
            "(every customer's whole history: no period or filters)",
            builder="payback.report.clv_section:build_clv_section",
            grains="payback.report.clv_section:SOURCE_GRAINS",
            filtered=False,
        ),
    ),
    Capability(
        "economics",
        "Unit economics: ceilings, LTV/CAC, payback, verdicts, the subscription simulator.",
        exports=("ceilings", "simulate", "run_scenarios"),
        cli="payback.cli.economics",
        report=ReportSection(
            "economics",
            "Ceilings and verdicts",
            "Marginal CPO, headroom, LTV/CAC, payback and a verdict per campaign "
            "(or platform, partner)",
            builder="payback.report.economics_section:build_economics_section",
            grains="payback.report.economics_section:CEILING_GRAINS",
        ),
    ),
    Capability(
        "segments",
        "RFM segments, growth levers, cross-sell rules, segment profiles, win-back.",
        cli="payback.cli.segments",
        report=ReportSection(
            "segments",
            "Customer segments",
            "RFM segments with their value, by acquisition source, the strongest "
            "cross-sell rules, buying patterns, the ideal customer profile, growth levers "
            "and win-back (every customer's whole history: no period or filters)",
            builder="payback.segments.report_section:build_segments_section",
            grains="payback.segments.report_section:SOURCE_GRAINS",
            filtered=False,
        ),
    ),
    Capability(
        "partners",
        "Partner (affiliate) programmes: claims reconciled against the shop's orders, "
        "value by partner.",
        cli="payback.cli.partners",
        report=ReportSection(
            "partners",
            "Partners",
            "Partners ranked by the value of their customers, claims reconciled against the "
            "orders, fraud and quality signals (every claim and order: no period or filters)",
            builder="payback.report.partners_section:build_partners_section",
            grains="payback.report.partners_section:PARTNER_GRAINS",
            filtered=False,
        ),
    ),
    Capability(
        "bids",
        "Keyword bids to a target CPA, CPO, DRR or LTV ceiling, with shrinkage and upload files.",
        cli="payback.cli.bids",
        report=ReportSection(
            "bids",
            "Keyword bids",
            "Bid recommendations per keyword to the campaign's marginal CPO: count per "
            "action, expected change in cost and conversions, the top keywords with reasons",
            builder="payback.report.bids_section:build_bids_section",
            grains="payback.report.bids_section:KEYWORD_GRAINS",
        ),
    ),
    Capability(
        "report",
        "The HTML report: headline numbers, charts and tables in one file.",
        exports=("build_report",),
        cli="payback.cli.report",
    ),
    Capability(
        "server",
        "The local dashboard and its JSON API.",
        cli="payback.cli.server",
    ),
)

#: Capability by name.
CAPABILITY: dict[str, Capability] = {c.name: c for c in CAPABILITIES}


def root_exports() -> dict[str, str]:
    """Name re-exported by the package root -> the capability package defining it.

    >>> root_exports()["compute_metrics"]
    'payback.metrics'
    """
    out: dict[str, str] = {}
    for cap in CAPABILITIES:
        for name in cap.exports:
            if name in out:
                raise RuntimeError(f"{name!r} is exported by both {out[name]} and {cap.package}")
            out[name] = cap.package
    return out


def load(spec: str) -> Any:
    """The object named by ``"module:attribute"`` (the module is imported).

    >>> load("payback.capabilities:CAPABILITY")["calc"].name
    'calc'
    """
    module, sep, attribute = spec.partition(":")
    if not sep or not attribute:
        raise ValueError(f"expected 'module:attribute', got {spec!r}")
    return getattr(importlib.import_module(module), attribute)


def routers() -> list[tuple[Capability, Any]]:
    """Each capability that has a dashboard router, with the router (imported), in order.

    The server includes them: ``for cap, router in routers(): app.include_router(router)``.
    """
    return [(c, load(c.router)) for c in CAPABILITIES if c.router]
