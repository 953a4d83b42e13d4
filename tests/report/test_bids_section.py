"""The keyword bids section: its numbers are payback.bids.recommend's at the derived target."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from payback.report.extensions import extensions


def _ext():
    ext = next(e for e in extensions() if e.name == "bids")
    assert ext.filtered and ext.grains == ("keyword",)
    return ext


def _column(view, key):
    i = [c.key for c in view.columns].index(key)
    return [row[i] for row in view.rows]


def test_the_summary_and_top_rows_are_recommend_s_at_the_marginal_cpo(demo_db):
    from payback.bids import Target, recommend
    from payback.report.views import resolve_period
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        period = resolve_period(store, None, None)  # what the report passes
        section = _ext().section(store, period.start, period.end)
        # the last 28 days of the period
        rec = recommend(store, Target("marginal"), start=period.end - dt.timedelta(days=27),
                        end=period.end)  # fmt: skip
    frame = rec.frame
    assert section.id == "bids" and section.notes == ()
    assert "the campaign's marginal CPO" in section.intro
    summary = next(t for t in section.tables if t.id == "table-bids-summary")
    assert [c.text for c in _column(summary, "action")] == ["raise", "lower", "hold", "pause"]
    counts = frame["action"].value_counts()
    assert [int(float(c.sort)) for c in _column(summary, "keywords")] == [
        int(counts.get(a, 0)) for a in ("raise", "lower", "hold", "pause")
    ]
    for key, action in (("cost_change", "raise"), ("conversion_change", "lower")):
        shown = float(_column(summary, key)[0 if action == "raise" else 1].sort)
        # the engine and pandas add in different orders: equal to rounding
        want = float(frame.loc[frame["action"] == action, key].sum())
        assert shown == pytest.approx(want, rel=1e-12)
    total = dict(zip([c.key for c in summary.columns], summary.totals[0], strict=True))
    assert float(total["keywords"].sort) == len(frame)
    assert abs(float(total["cost_change"].sort) - frame["cost_change"].sum()) < 1e-9
    top = next(t for t in section.tables if t.id == "table-bids-keywords")
    expected = frame.reindex(frame["cost_change"].abs().sort_values(ascending=False).index)
    expected = expected.head(20)
    assert [c.text for c in _column(top, "keyword")] == list(expected["keyword"])
    bids = [repr(float(v)) for v in expected["new_bid"]]
    assert [c.sort for c in _column(top, "new_bid")] == bids
    assert [c.text for c in _column(top, "reason")] == list(expected["reason"])
    assert top.csv.startswith("data:text/csv")


def test_a_store_without_keywords_gets_the_section_with_a_note():
    from payback.store import open_store

    store = open_store(":memory:")
    store.write({"ad_stats": pa.table({
        "date": [dt.date(2024, 3, 1)], "platform": ["meta"], "campaign": ["C"],
        "impressions": [100], "clicks": [10], "cost": [5.0], "currency": ["EUR"]})})  # fmt: skip
    section = _ext().section(store)
    assert section.intro.startswith("No keyword rows in the ad statistics")
    assert section.tables == ()


def test_the_report_has_the_bids_section(demo_html):
    part = demo_html[demo_html.index('<section id="bids">') :]
    part = part[: part.index("</section>")]
    assert "could not be computed" not in part
    assert 'id="table-bids-summary"' in part and 'id="table-bids-keywords"' in part
