"""The visits section: the funnel from sessions through each goal to confirmed orders.

Per acquisition dimension (``platform`` by default, or ``campaign``) over the report's
period and filters, the catalogue's visit metrics (:mod:`payback.metrics.visits`):
sessions, new sessions, bounce rate, cost per session (CPV), each micro goal then the
macro one (count and CR = goal sessions / sessions), confirmed orders and orders per
session. Ratios of sums at the grain, like every table of the report; a store without
visits (``payback import sessions FILE``) gets the section with a note saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

#: What the section can be computed by, the report's first.
VISIT_GRAINS: tuple[str, ...] = ("platform", "campaign")
#: Metrics besides the funnel's own (:func:`payback.metrics.visits.funnel_metrics`).
EXTRA = ("new_sessions", "bounce_rate", "cost", "cpv")
#: Rows shown (largest spend first); the CSV holds every row.
LIMIT = 30


def section_metrics() -> tuple[str, ...]:
    """The section's columns: sessions, new sessions, bounce rate, cost, CPV, then the
    funnel (each goal's count and CR, orders, orders per session).

    >>> section_metrics()[:5]
    ('sessions', 'new_sessions', 'bounce_rate', 'cost', 'cpv')
    """
    from payback.metrics.visits import funnel_metrics
    from payback.report import views

    funnel = funnel_metrics()
    return views.available((funnel[0], *EXTRA, *funnel[1:]))


def build_visits_section(
    store,
    start: dt.date | None = None,
    end: dt.date | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
    by: str = "platform",
) -> Any:
    """The visits section (module docstring) for the period and filters."""
    from payback.report import views
    from payback.report.build import Section
    from payback.report.tables import DIMENSION_LABELS, metric_table_view

    title = "Visits and goals"
    if not store.row_count("sessions"):
        return Section(
            id="visits",
            title=title,
            intro="No visits in the store: import a GA4, Yandex Metrica or plain sessions "
            "file (payback import sessions FILE, docs/visits.md) to see the funnel from "
            "sessions through each goal to confirmed orders.",
        )
    t = views.metric_table(
        store, (by,), section_metrics(), where=where, start=start, end=end, limit=LIMIT
    )
    label = DIMENSION_LABELS.get(by, by).lower()
    view = metric_table_view(
        t, id=f"table-visits-{by}", title=f"The funnel by {label}", label=label
    )
    return Section(
        id="visits",
        title=title,
        intro=(
            "Sessions from the web analytics, attributed like the orders (UTM tags, click "
            "ids), then each goal a session reached: CR = sessions with the goal / sessions; "
            "CPV = cost / sessions; orders per session = confirmed orders / sessions. "
            "Micro goals (sign-up, cart, phone click) come before the macro one (purchase)."
        ),
        tables=(view,),
    )
