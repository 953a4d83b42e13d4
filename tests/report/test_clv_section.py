"""The CLV section and the LTV/CAC card: always there, or saying why they cannot be."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from payback.report import render_report
from payback.report.extensions import extensions


def test_clv_section_renders_its_charts_and_table(demo_html):
    assert "ltv" in [e.name for e in extensions()]
    section = demo_html[demo_html.index('<section id="ltv">') :]
    section = section[: section.index("</section>")]
    ids = re.findall(r'<div class="chart" id="([^"]+)"', section)
    assert ids == ["fig-cohorts-source", "fig-cohort-triangle", "fig-ltv-source", "fig-calibration"]
    assert 'id="table-ltv-source"' in section
    assert "could not be computed" not in section
    # the cohort curves' thin tails are dotted, and the section says so
    assert "dotted where fewer than 30 customers have been observed" in section


def test_ltv_cac_card_is_predicted_ltv_over_cac(demo_db, demo_html):
    from payback.clv import ltv_by_source
    from payback.metrics import compute_metrics
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        by_source = ltv_by_source(store, "platform").frame
        result = compute_metrics(store, by=(), metrics=("cost", "new_customers", "cac"))
    paid, every = result.total("paid"), result.total("all")
    known = by_source[by_source.predicted_ltv.notna()]
    ltv = float((known.predicted_ltv * known.customers).sum() / known.customers.sum())
    start = demo_html.index('data-metric="ltv_cac"')
    card = demo_html[start : demo_html.index("</article>", start)]
    value = re.search(r'<div class="card-value"[^>]*>([\d,.]+)×</div>', card).group(1)
    # CAC over paid traffic: the new customers of the rows with ad statistics
    assert float(value.replace(",", "")) == pytest.approx(ltv / paid["cac"], abs=0.005)
    assert "LTV/CAC (revenue) = predicted LTV / CAC (paid traffic) = " in card
    blended = re.search(r'<div class="card-blended"[^>]*>blended ([\d,.]+)×</div>', card).group(1)
    every_cac = every["cost"] / every["new_customers"]
    assert float(blended.replace(",", "")) == pytest.approx(ltv / every_cac, abs=0.005)
    assert ltv / every_cac > ltv / paid["cac"]  # organic customers flatter the blend


def test_a_failing_optional_section_becomes_a_note(tiny, monkeypatch):
    from payback.report import extensions as ext_module
    from payback.report.extensions import Extension

    def broken(store, start, end, where, by):
        raise ValueError("no fit on three customers")

    broken_ltv = Extension("ltv", "Customer lifetime value", "", broken, ("platform",))
    monkeypatch.setattr(ext_module, "extensions", lambda: [broken_ltv])
    html = render_report(tiny)
    section = html[html.index('<section id="ltv">') :]
    assert "This section could not be computed on this data." in section
    assert "ValueError: no fit on three customers" in section


def test_source_table_matches_ltv_by_source(demo_db):
    """The section builds its table from predict_ltv and its own cohort table; the numbers
    must be those of payback.clv.ltv_by_source."""
    from payback.clv import ltv_by_source
    from payback.report.clv_section import ltv_table
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        ours = ltv_table(store).frame.set_index("source")
        theirs = ltv_by_source(store, "platform").frame.set_index("source")
    assert list(ours.index) == list(theirs.index)
    for col in ("customers", "historical_ltv", "predicted_ltv", "p_alive"):
        for source in theirs.index:
            a, b = ours.loc[source, col], theirs.loc[source, col]
            if pd.isna(b):
                assert pd.isna(a), (col, source)
            else:
                assert a == pytest.approx(b), (col, source)


def test_every_section_is_always_there():
    names = ["visits", "ltv", "economics", "segments", "partners", "bids"]
    assert [e.name for e in extensions()] == names


def test_a_broken_capability_shows_instead_of_vanishing(tiny, monkeypatch):
    """A CLV function gone (renamed, failing to import) must be seen, not hidden."""
    import sys
    import types

    import payback.cache
    from payback.server.cache import QueryCache

    monkeypatch.setitem(sys.modules, "payback.clv", types.ModuleType("payback.clv"))
    monkeypatch.setattr(payback.cache, "_PER_VERSION", QueryCache(maxsize=8))  # nothing remembered
    html = render_report(tiny)
    assert '<section id="ltv">' in html and '<section id="economics">' in html
    section = html[html.index('<section id="ltv">') :]
    section = section[: section.index("</section>")]
    assert "This section could not be computed on this data." in section
    assert (
        "ImportError: cannot import name &#39;cohort_ltv&#39; from &#39;payback.clv&#39;" in section
    )


def test_clv_by_campaign_joins_each_campaign_with_its_own_cac(demo_db):
    """Sources by campaign are "platform / campaign" (payback.clv); the CAC is the
    metrics engine's for that (platform, campaign)."""
    from payback.metrics import compute_metrics
    from payback.report.clv_section import ltv_table
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        table = ltv_table(store, "campaign").frame
        frame = compute_metrics(store, by=("campaign",), metrics=("cac",)).groups
    cac = {
        f"{p} / {c}": v for p, c, v in zip(frame.platform, frame.campaign, frame.cac, strict=True)
    }
    checked = 0
    for source, value in zip(table["source"], table["cac"], strict=True):
        if source in cac and not pd.isna(cac[source]):
            assert value == pytest.approx(float(cac[source]))
            checked += 1
    assert checked >= 10
