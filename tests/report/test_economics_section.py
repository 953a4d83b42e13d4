"""The ceilings section: each campaign with its verdict, in the report and its CSV."""

from __future__ import annotations

import html
import json
import re

from payback.report import render_report
from payback.report.extensions import extensions


def test_ceilings_section_shows_each_campaign_with_its_verdict(demo_db):
    from payback.economics import ceilings
    from payback.store import open_store

    assert "economics" in [e.name for e in extensions()]
    with open_store(demo_db, read_only=True) as store:
        page = render_report(store)
        expected = ceilings(store, "campaign", predicted=False).frame
    section = page[page.index('<section id="economics">') :]
    section = section[: section.index("</section>")]
    assert "could not be computed" not in section
    table = section[section.index('id="table-ceilings"') :]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") : table.index("</tbody>")])
    groups = expected[~expected["is_total"]]
    assert len(rows) == len(groups)
    # a campaign is named with its platform: the same name on two platforms stays two
    for platform, campaign, verdict in zip(
        groups["platform"], groups["campaign"], groups["verdict"], strict=True
    ):
        cells = [html.escape(str(v)) if v is not None else "(none)" for v in (platform, campaign)]
        row = next(
            r for r in rows if re.search(rf">{re.escape(cells[0])}<.*?>{re.escape(cells[1])}<", r)
        )
        assert f">{verdict}<" in row
    header = re.findall(r"<th [^>]*>([^<]+)</th>", table[: table.index("</thead>")])
    assert header[:3] == ["Platform", "Campaign", "Cost"]
    foot = table[table.index("<tfoot>") : table.index("</tfoot>")]
    # the same totals labels as `payback metrics` and `payback economics` (issue 8)
    assert re.findall(r">(Total[^<]*)<", foot) == ["Total (paid)", "Total (all)"]
    # the chart: CAC bars per verdict and the ceiling diamonds, in order of spend
    blob = re.search(r'id="fig-ceilings-data">(.*?)</script>', section, re.S).group(1)
    figure = json.loads(blob)
    names = [t["name"] for t in figure["data"]]
    assert names[-1] == "Ceiling (marginal CPO)"
    assert all(n.startswith("CAC: ") for n in names[:-1])
    top = groups.sort_values("cost", ascending=False, na_position="last").head(15)
    top = [
        html.escape(f"{p} · {c}" if c is not None else "(none)")
        for p, c in zip(top["platform"], top["campaign"], strict=True)
    ]
    shown = figure["layout"]["yaxis"]["categoryarray"]
    assert len(shown) == len(top)  # names longer than 32 characters end in "…"
    for label, name in zip(shown, top[::-1], strict=True):
        assert label == name or (label.endswith("…") and name.startswith(label[:-1]))
