"""The visits section: the funnel by platform, its numbers the engine's (and the sessions
recounted from the demo's own rows); a store without visits gets a note."""

from __future__ import annotations

import pandas as pd
import pytest

from payback.report.extensions import extensions


def _ext():
    ext = next(e for e in extensions() if e.name == "visits")
    assert ext.filtered and ext.grains == ("platform", "campaign")
    return ext


def _column(view, key):
    i = [c.key for c in view.columns].index(key)
    return [row[i] for row in view.rows]


def test_the_funnel_by_platform_is_the_engine_s(demo_db):
    from payback.demo import generate_shop
    from payback.metrics import compute_metrics
    from payback.report.visits_section import section_metrics
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        section = _ext().section(store, None, None)
        frame = compute_metrics(store, by="platform", metrics=",".join(section_metrics())).frame
    (view,) = section.tables
    assert view.id == "table-visits-platform"
    keys = [c.key for c in view.columns]
    assert keys[:4] == ["platform", "sessions", "new_sessions", "bounce_rate"]
    assert {"cpv", "cr_purchase", "cr_orders", "goal_add_to_cart"} <= set(keys)
    rows = frame[~frame["is_total"].astype(bool)]
    shown = dict(zip([c.text for c in _column(view, "platform")],
                     [float(c.sort) for c in _column(view, "sessions")], strict=True))  # fmt: skip
    expected = {("(none)" if pd.isna(p) else p): float(n)
                for p, n in zip(rows["platform"], rows["sessions"], strict=True)}  # fmt: skip
    assert shown == expected
    # and the sessions per platform recounted from the demo's own visit rows
    raw = generate_shop(400, seed=3).tables["sessions"].to_pandas()
    counted = raw.groupby(raw["platform"].fillna("(none)"))["sessions"].sum()
    assert shown == pytest.approx(counted.astype(float).to_dict())


def test_a_store_without_visits_gets_a_note(tiny_db):
    from payback.store import open_store

    with open_store(tiny_db, read_only=True) as store:
        section = _ext().section(store, None, None)
    assert section.tables == () and "payback import sessions FILE" in section.intro
