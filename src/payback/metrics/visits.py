"""Visits and goals: the ``sessions`` data side, one side per goal, and their metrics.

Registered with the built-in catalogue (the last line of :mod:`payback.metrics.catalogue`
imports this module), so every grain, filter, total and missing-value reason of the engine
applies to them. The rows are the store's ``sessions`` (``payback import sessions``,
:mod:`payback.ingest.sessions`), attributed like orders; a row stands for ``sessions``
visits (1, or N in an aggregated GA4 UI row).

==================  =====================================================================
part                sum of
==================  =====================================================================
sessions            ``sessions.sessions`` (visits)
users               distinct ``client_id`` of the row, plus ``users`` of aggregated rows
new_sessions        visits that were the visitor's first
returning_sessions  the other visits
bounces             bounced visits (GA4: not engaged)
page_views          ``sessions.page_views``
session_seconds     ``sessions.duration``
goal_<name>         visits that reached the goal (one side per goal, same rows)
==================  =====================================================================

Metrics: the sums, ``bounce_rate``, ``pages_per_session``, ``time_per_session``, ``cpv``
(cost per visit), ``cr_orders`` (confirmed orders per visit) and per goal ``cr_<name>``
(visits reaching it per visit) and ``cost_per_<name>``. ``users`` counts distinct visitors
within a row; a total adds its rows up (a visitor who came from two sources counts in both).

Examples
--------
>>> from payback.metrics.catalogue import CATALOGUE
>>> CATALOGUE["cpv"].formula, CATALOGUE["cr_sign_up"].formula
('cost / sessions', 'sessions reaching sign_up / sessions')
>>> CATALOGUE["cr_sign_up"].evaluate({"goal_sign_up": 12, "sessions": 400})
0.03
>>> CATALOGUE["bounce_rate"].evaluate({"bounces": 0, "sessions": 0}) is None
True
"""

from __future__ import annotations

from payback.ingest.goals import DEFAULT_GOALS, GoalKind
from payback.metrics.catalogue import CATALOGUE, Metric, register_metric
from payback.metrics.sides import SIDES, Part, Side, _dims, register_side

#: The grain dimensions of a visit (like an order's attribution).
COLUMNS = _dims(
    platform="platform",
    campaign="campaign",
    ad_group="ad_group",
    keyword="keyword",
    partner="partner_id",
    country="country",
    device="device",
)

SESSIONS_SIDE = Side(
    name="sessions",
    table="sessions",
    words="sessions",
    time="time",
    columns=COLUMNS,
    parts=(
        Part("sessions", lambda t: t.sessions.sum(), count=True,
             description="``sessions.sessions`` (visits)", none="no sessions"),
        Part("users", lambda t: t.client_id.nunique()
             + t.users.sum(where=t.client_id.isnull()).fill_null(0), count=True,
             description="distinct ``client_id``, plus ``users`` of aggregated rows"),
        Part("new_sessions", lambda t: t.new_sessions.sum(), count=True,
             description="first visits of their visitor"),
        Part("returning_sessions", lambda t: (t.sessions - t.new_sessions).sum(), count=True,
             description="visits of returning visitors"),
        Part("bounces", lambda t: t.bounces.sum(), count=True, description="bounced visits"),
        Part("page_views", lambda t: t.page_views.sum(), count=True,
             description="``sessions.page_views``"),
        Part("session_seconds", lambda t: t.duration.sum(),
             description="``sessions.duration`` (seconds)"),
    ),
)  # fmt: skip

_METRICS = (
    Metric("sessions", "Sessions", "sum of sessions", "count", False,
           "Visits (web-analytics sessions) attributed to the row."),
    Metric("users", "Users", "distinct visitors", "count", False,
           "Distinct visitors (client ids) of the row; a total adds its rows up, so a "
           "visitor who came from two sources counts in both."),
    Metric("new_sessions", "New sessions", "sum of first visits", "count", False,
           "Visits that were their visitor's first."),
    Metric("returning_sessions", "Returning sessions", "sessions - new sessions", "count",
           False, "Visits of visitors who had come before."),
    Metric("bounces", "Bounces", "sum of bounced sessions", "count", True,
           "Visits that left at once (one page, a few seconds; GA4: not engaged)."),
    Metric("page_views", "Page views", "sum of page views", "count", False,
           "Pages viewed in the visits."),
    Metric("session_seconds", "Time on site (s)", "sum of session durations", "count", None,
           "Seconds the visits lasted, summed."),
    Metric("bounce_rate", "Bounce rate", "bounces / sessions", "rate", True,
           "Share of visits that bounced.", "ratio", "bounces", "sessions"),
    Metric("pages_per_session", "Pages / session", "page views / sessions", "count", False,
           "Average depth of a visit.", "ratio", "page_views", "sessions"),
    Metric("time_per_session", "Time / session (s)", "session seconds / sessions", "count",
           False, "Average length of a visit in seconds.", "ratio", "session_seconds",
           "sessions"),
    Metric("cpv", "CPV", "cost / sessions", "money", True,
           "Cost per visit: ad spend per attributed session.", "ratio", "cost", "sessions"),
    Metric("cr_orders", "Orders / session", "confirmed orders / sessions", "rate", False,
           "The funnel's end: confirmed orders per visit (the macro conversion the shop "
           "confirms).", "ratio", "orders", "sessions"),
)  # fmt: skip


def register_goal(name: str, kind: GoalKind = "micro") -> None:
    """Register a goal's side (the sessions reaching it) and its three metrics:
    ``goal_<name>``, ``cr_<name>`` (per session) and ``cost_per_<name>``.

    The four standard goals are registered with the catalogue; call this for a goal of
    your own goals config before computing its metrics.

    >>> CATALOGUE["cost_per_sign_up"].formula   # registered by register_goal("sign_up")
    'cost / sessions reaching sign_up'
    """
    part = f"goal_{name}"
    pattern = f"(^|,){name}(=|,|$)"

    def reached(t, pattern=pattern):
        # the match itself is never empty (it holds the name): on DuckDB, extracting it
        # costs a tenth of regexp_matches (0.04 s vs 0.4 s of CPU on 3.1 M sessions)
        return t.filter(t.goals.re_extract(pattern, 0) != "")

    def count(t, name=name):
        n = t.goals.re_extract(f"(^|,){name}=([0-9]+)", 2)
        return (n.nullif("").cast("int64").fill_null(t.sessions)).sum()

    register_side(
        Side(
            name=part,
            table="sessions",
            words=f"sessions reaching {name}",
            time="time",
            columns=COLUMNS,
            parts=(
                Part(part, count, count=True, description=f"sessions that reached {name}",
                     none=f"no sessions reached {name}"),
            ),
            keep=reached,
        )
    )  # fmt: skip
    label = name.replace("_", " ").capitalize()
    what = "the macro conversion" if kind == "macro" else "a micro conversion"
    for metric in (
        Metric(part, label, f"sessions reaching {name}", "count", False,
               f"Visits that reached {name} ({what})."),
        Metric(f"cr_{name}", f"CR {label}", f"sessions reaching {name} / sessions", "rate",
               False, f"Share of visits that reached {name} ({what}).", "ratio", part,
               "sessions"),
        Metric(f"cost_per_{name}", f"Cost / {label}", f"cost / sessions reaching {name}",
               "money", True, f"Ad spend per visit that reached {name}.", "ratio", "cost",
               part),
    ):  # fmt: skip
        register_metric(metric)


def funnel_metrics(goals=DEFAULT_GOALS) -> tuple[str, ...]:
    """The funnel's metrics: sessions, each micro goal then the macro one (count and CR),
    confirmed orders and orders per session, for ``payback metrics --metrics``.

    >>> ",".join(funnel_metrics())[:60]
    'sessions,goal_sign_up,cr_sign_up,goal_add_to_cart,cr_add_to_'
    """
    ordered = [g for g in goals if g.kind == "micro"] + [g for g in goals if g.kind == "macro"]
    steps = [m for g in ordered for m in (f"goal_{g.name}", f"cr_{g.name}")]
    return ("sessions", *steps, "orders", "cr_orders")


#: The store's metadata key of the goals its visits were imported with.
GOALS_META = "session_goals"


def record_goals(store, goals) -> None:
    """Remember in the store the goals its visits were imported with (name and kind of
    each :class:`payback.ingest.goals.Goal`), added to those recorded before, so that
    :func:`register_store_goals` knows a goal of the user's own config in later runs."""
    import json

    known = dict(json.loads(store.meta(GOALS_META) or "{}"))
    known.update({g.name: g.kind for g in goals})
    store.set_meta(GOALS_META, json.dumps(known, sort_keys=True))


def register_store_goals(store) -> None:
    """Register the metrics of every goal the store's visits were imported with
    (:func:`record_goals`): ``goal_<name>``, ``cr_<name>``, ``cost_per_<name>`` of a goal
    of the user's own goals config work in ``payback metrics`` like the standard four.

    The recorded goals are read once per store version
    (:func:`payback.cache.per_store_version`), not on every metrics plan."""
    import json

    from payback.cache import per_store_version

    recorded = per_store_version(
        store, ("metrics.store_goals",), lambda: json.loads(store.meta(GOALS_META) or "{}")
    )
    for name, kind in recorded.items():
        if f"goal_{name}" not in SIDES:
            register_goal(name, kind)


if "sessions" not in SIDES:  # once, also when the module is reloaded
    register_side(SESSIONS_SIDE)
    for _metric in _METRICS:
        if _metric.name not in CATALOGUE:
            register_metric(_metric)
    for _goal in DEFAULT_GOALS:
        register_goal(_goal.name, _goal.kind)


__all__ = [
    "GOALS_META",
    "SESSIONS_SIDE",
    "funnel_metrics",
    "record_goals",
    "register_goal",
    "register_store_goals",
]
