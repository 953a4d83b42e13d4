"""The segments section of the report: the RFM table's numbers are rfm()'s, the pairs
table shows the strongest rules, the section is in the HTML report."""

from __future__ import annotations

from payback.report.extensions import extensions
from payback.segments import pairs, rfm
from payback.segments.report_section import build_segments_section
from payback.store import open_store


def test_the_section_shows_rfm_and_pairs(demo):
    with open_store(demo[0], read_only=True) as store:
        section = build_segments_section(store, by="platform")
        segments = rfm(store, predict=False, customers=False).segments.frame
        strongest = pairs(store).rules.frame.iloc[0]
    assert section.id == "segments"
    overall, by_source, top = section.tables[:3]
    body = segments[~segments.is_total]
    assert [r[0].text for r in overall.rows] == list(body.segment)
    assert [float(r[1].sort) for r in overall.rows] == list(body.customers)
    assert overall.totals[0][0].text == "Total"
    assert float(overall.totals[0][1].sort) == body.customers.sum()
    assert by_source.columns[0].label == "Source"
    assert (top.rows[0][0].text, top.rows[0][1].text) == (
        strongest.antecedent,
        strongest.consequent,
    )
    assert len(top.rows) == 15
    assert "Lift = n_ab x orders" in top.rows[0][5].title  # the formula on hover
    assert section.figures[0].id == "fig-segments"


def test_the_section_is_a_whole_history_extension():
    ext = {e.name: e for e in extensions()}["segments"]
    assert not ext.filtered
    assert ext.grains == ("platform", "campaign", "partner")


def test_no_orders_no_section(tmp_path):
    with open_store(tmp_path / "empty.duckdb") as store:
        assert build_segments_section(store) is None


def test_the_section_shows_the_buying_patterns(demo):
    from payback.segments import patterns

    with open_store(demo[0], read_only=True) as store:
        section = build_segments_section(store, by="platform")
        found = patterns(store, top=10)
    views = {t.id: t for t in section.tables}
    gaps = found.gaps.frame[found.gaps.frame.group == "segment"]
    rows = views["table-gaps"].rows
    assert [r[0].text for r in rows] == list(gaps.value)
    assert [float(r[6].sort) for r in rows if r[6].sort] == list(gaps.median_days.dropna())
    status = found.customers.frame.status.value_counts()
    shown = {r[0].text: int(float(r[1].sort)) for r in views["table-next-purchase"].rows}
    assert shown == status.to_dict() and sum(shown.values()) == len(found.customers.frame)
    first = views["table-first-second"].rows[0]
    top = found.transitions.frame.iloc[0]
    assert (first[0].text, first[1].text, int(float(first[2].sort))) == (
        top.antecedent,
        top.consequent,
        top["count"],
    )
    assert "Median = median gap" in rows[0][6].title
    assert [f.id for f in section.figures] == ["fig-segments", "fig-seasonality", "fig-levers"]


def test_a_big_store_shows_only_the_seasonality(demo, monkeypatch):
    from payback.report.build import Section
    from payback.segments import patterns, patterns_section

    monkeypatch.setattr(patterns_section, "MAX_ORDERS", 10)
    with open_store(demo[0], read_only=True) as store:
        section = patterns_section.add_patterns(store, Section(id="segments", title="x"))
        season = patterns(store).seasonality.frame
    assert section.tables == () and [f.id for f in section.figures] == ["fig-seasonality"]
    assert "only the seasonality here" in section.notes[0]
    months = season[season.period == "month"]["index"].round(4).tolist()
    assert all(f"{m:.4f}"[:5] in section.figures[0].json for m in months if m)
