"""The self-contained HTML report: contents, numbers, explanations, escaping, offline."""

from __future__ import annotations

import json
import re

import pytest

from payback.cli import main
from payback.report import build_report, render_report

NASTY = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'


def card(html: str, metric: str) -> str:
    start = html.index(f'<article class="card" data-metric="{metric}">')
    return html[start : html.index("</article>", start)]


@pytest.fixture(scope="module")
def march(tiny_db):
    from payback.store import open_store

    with open_store(tiny_db, read_only=True) as store:
        return render_report(store, start=_d("2024-03-01"), end=_d("2024-03-02"))


def _d(text):
    import datetime as dt

    return dt.date.fromisoformat(text)


def test_plotly_is_inlined_once_and_nothing_is_fetched(march):
    from plotly.offline import get_plotlyjs

    assert march.count("<script>") == 2  # plotly.js, then the report's own script
    assert march.count(get_plotlyjs()) == 1
    assert march.count("Plotly.newPlot") == 1  # one drawing loop over the embedded figures
    ours = march.replace(get_plotlyjs(), "")
    assert "http://" not in ours.replace("http://x", "")  # only the campaign name's text
    assert "https://" not in ours
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", march)
    assert not any(re.search(r"(src|href)=", t) for t in tags), tags
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', march).group(1)
    assert "default-src 'none'" in csp and "connect-src" not in csp


def test_headline_cards_compare_with_the_previous_period(march):
    # March 1-2: cost 600, confirmed orders 3 -> CPO 200; Feb 28-29: cost 160, 1 order
    cpo = card(march, "cpo")
    assert "200.00 EUR" in cpo and "+25.0 %" in cpo and "vs 160.00 EUR" in cpo
    assert 'class="card-change worse"' in cpo  # a higher CPO is worse
    assert "CPO = cost / confirmed orders = 600.00 EUR / 3 = 200.00 EUR" in cpo
    assert "<th>Cost (paid traffic)</th><td>600.00 EUR</td><td>160.00 EUR</td>" in cpo
    assert '<span class="basis">paid traffic</span>' in cpo  # every order here is paid:
    assert "blended 200.00 EUR" in cpo  # the blended CPO is the same
    drr = card(march, "drr")
    assert f"{600 / 1100 * 100:.1f} %" in drr  # 54.5 %
    assert f"+{(600 / 1100 - 160 / 320) * 100:.1f} pp" in drr
    assert "2024-03-01 – 2024-03-02" in march and "2024-02-28 – 2024-02-29" in march


def test_names_show_as_text_never_as_markup(march):
    assert NASTY not in march  # never raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in march  # escaped in the table
    assert "&lt;b&gt;bold&lt;/b&gt;" in march
    assert "=HYPERLINK(&#34;http://x&#34;)" in march or '=HYPERLINK("http://x")' in march
    # inside the embedded figure JSON, < and > are \u escapes (cannot close the script)
    blobs = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', march, re.S)
    assert blobs and all("<" not in b for b in blobs)
    names = json.dumps([json.loads(b) for b in blobs])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in names  # Plotly labels are escaped text


def test_tables_are_sortable_and_explain_every_number(march):
    table = march[march.index('id="table-campaign"') : march.index('id="table-keyword"')]
    assert table.count("<tr>") == 1 + 3 + 2  # header, three campaigns, paid and all totals
    brand = table[table.index(">Brand<") :]
    cpo_cell = re.search(r'data-sort="([^"]+)" title="(CPO = [^"]+)">([^<]+)<', brand)
    assert float(cpo_cell.group(1)) == pytest.approx(200.0)
    assert cpo_cell.group(2) == "CPO = cost / confirmed orders = 200.00 EUR / 1 = 200.00 EUR"
    assert "<tfoot>" in table and ">Total (paid)<" in table and ">Total (all)<" in table
    # a campaign is keyed by its platform and itself
    assert re.findall(r"<th [^>]*>([^<]+)</th>", table)[:2] == ["Platform", "Campaign"]


def test_missing_values_say_why(tiny_db):
    from payback.store import open_store

    with open_store(tiny_db, read_only=True) as store:
        html = render_report(store, start=_d("2024-03-02"), end=_d("2024-03-02"), by=["keyword"])
    keyword = html[html.index('id="table-keyword"') :]
    # <b>bold</b> spent 100 on 2024-03-02 but its only order was on 2024-03-01
    row = keyword[keyword.index("&lt;b&gt;bold&lt;/b&gt;") :]
    row = row[: row.index("</tr>")]
    assert re.search(r'class="num missing" data-sort="" title="CPO = [^"]*: missing \(', row)


def test_filters_apply_to_every_number(tiny_db):
    from payback.store import open_store

    with open_store(tiny_db, read_only=True) as store:
        html = render_report(store, where=["platform=meta"])
    assert "platform = meta" in html
    assert "300.00 EUR" in card(html, "cost")


def test_build_report_writes_the_file(tiny, tmp_path):
    path = build_report(tiny, tmp_path / "out" / "r.html", by=("platform",))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and 'id="table-platform"' in text


def test_cli_writes_the_report(tiny_db, tmp_path, capsys):
    out = tmp_path / "cli.html"
    code = main(["report", "--db", str(tiny_db), "--output", str(out), "--from", "2024-03-01",
                 "--to", "2024-03-02", "--by", "platform,campaign"])  # fmt: skip
    assert code == 0
    assert f"wrote {out}" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert 'id="table-platform"' in html and 'id="table-campaign"' in html
    assert "200.00 EUR" in card(html, "cpo")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2024-03-05", "--to", "2024-03-01"], "empty date range"),
        (["--from", "March"], "unparsable date"),
        (["--by", "weather"], "unknown dimension 'weather'"),
        (["--where", "colour=red"], "unknown dimension 'colour'"),
    ],
)
def test_cli_rejects_bad_arguments(tiny_db, tmp_path, capsys, args, message):
    code = main(["report", "--db", str(tiny_db), "--output", str(tmp_path / "x.html"), *args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_an_empty_store_still_gives_a_report(tmp_path):
    from payback.store import open_store

    with open_store(tmp_path / "empty.duckdb") as store:
        html = render_report(store)
    assert "The store holds no advertising statistics or orders yet" in html


def test_each_table_downloads_as_safe_csv_from_the_file(march):
    import base64

    pattern = r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download="([^"]+)"'
    links = re.findall(pattern, march)
    names = [name for _, name in links]
    assert names[:2] == ["table-campaign.csv", "table-keyword.csv"]
    assert set(names[2:]) <= {  # the sections' tables, when the data has them
        "table-visits-platform.csv", "table-ltv-source.csv", "table-ceilings.csv",
        "table-segments.csv", "table-segments-source.csv", "table-pairs.csv",
        "table-gaps.csv", "table-next-purchase.csv", "table-first-second.csv",
        "table-profile-targets.csv", "table-profile.csv", "table-levers.csv",
        "table-winback.csv",
        "table-partner-value.csv",
        "table-partner-reconciliation.csv", "table-partner-signals.csv",
        "table-bids-keywords.csv",
    }  # fmt: skip
    text = base64.b64decode(links[0][0]).decode("utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("platform,campaign,impressions,clicks,ctr,cost")
    assert lines[0].endswith(",is_total,total_kind")
    assert any(line.startswith("meta,\"'=HYPERLINK(") for line in lines)  # neutralised
    assert any(line.startswith("google,<script>alert(1)</script>,") for line in lines)  # data
    assert len(lines) == 1 + 3 + 2
    assert [line.rsplit(",", 1)[1] for line in lines[-2:]] == ["paid", "all"]
