"""The HTML report opened from disk in chromium: charts drawn, tables sort, nothing fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

NASTY = "<script>alert(1)</script>"
TRACES = ".js-plotly-plot .plot-container svg .trace"
#: A drawn chart: its traces, a heatmap's layer, or the message of a chart without data.
DRAWN = ".plot-container svg .trace, .plot-container svg .hm, .plot-container svg .annotation"


@pytest.fixture(scope="module")
def report_file(demo_db, tmp_path_factory):
    from payback.report import build_report
    from payback.store import open_store

    out = tmp_path_factory.mktemp("report") / "report.html"
    with open_store(demo_db, read_only=True) as store:
        return build_report(store, out, by=("platform", "campaign", "keyword"))


def test_report_renders_every_chart_offline(page, report_file, screenshot):
    page.goto(report_file.as_uri())
    page.wait_for_selector(TRACES)
    charts = page.locator(".chart[data-figure]")
    assert charts.count() >= 4
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        assert chart.locator(DRAWN).count() > 0, chart.get_attribute("id")
    assert page.recorder.foreign() == []
    assert page.recorder.errors == [] and page.recorder.dialogs == []
    assert all(u.startswith(("file:", "data:", "blob:")) for u in page.recorder.urls)
    screenshot(page, "report.png")


def test_report_shows_markup_in_names_as_text(page, report_file):
    page.goto(report_file.as_uri())
    page.wait_for_selector(TRACES)
    cells = page.locator("#table-campaign td.dim").all_inner_texts()
    assert NASTY in cells
    assert "<b>bold</b>" in page.locator("#table-keyword td.dim").all_inner_texts()
    assert page.recorder.dialogs == []  # the name never ran as a script


def test_clicking_a_header_sorts_the_table(page, report_file):
    page.goto(report_file.as_uri())
    header = page.locator("#table-campaign thead th", has_text="Cost").first
    column = page.locator("#table-campaign thead th").all_text_contents().index("Cost")
    header.click()  # numbers sort descending first

    def costs():
        sorts = page.locator("#table-campaign tbody td[data-sort]").evaluate_all(
            "(cells, i) => cells.filter(c => c.cellIndex === i).map(c => c.dataset.sort)", column
        )
        return [float(s) for s in sorts if s]

    first = costs()
    assert first == sorted(first, reverse=True) and len(first) > 2
    header.click()
    assert costs() == sorted(first)
    assert header.get_attribute("aria-sort") == "ascending"


def test_expanding_a_card_shows_its_formula_and_inputs(page, report_file):
    page.goto(report_file.as_uri())
    card = page.locator('article.card[data-metric="cpo"]')
    card.locator("summary").click()
    text = card.locator("details").inner_text()
    assert "CPO = cost / confirmed orders" in text
    assert "Cost (paid traffic)" in text and "Orders (paid traffic)" in text
    assert "Blended, all traffic" in text


def test_a_table_downloads_as_csv_offline(page, report_file):
    page.goto(report_file.as_uri())
    with page.expect_download() as info:
        page.locator("#tables .download").first.click()
    download = info.value
    assert download.suggested_filename == "table-platform.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("platform,impressions,clicks,ctr,cost")
    assert page.recorder.foreign() == []
