"""One report, one verdict vocabulary: every LTV/CAC names its basis, only the ceilings
section judges.

The headline card and the CLV section divide the *predicted revenue* LTV of a new
customer by the CAC; the ceilings section divides the LTV *on gross margin* (the one its
verdicts use). They are different numbers, so each says which it is, and neither the card
nor the CLV section puts a verdict of its own (healthy / thin / losing) next to the
ceilings section's scale / hold / cut.
"""

from __future__ import annotations

import html
import re

import pytest

from payback.report.cards import ltv_cac_card

BASES = ("LTV/CAC (revenue)", "LTV/CAC (margin)")


def visible_text(page: str) -> str:
    """The page without its scripts (chart data, plotly.js) and tags, entities decoded."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    page = re.sub(r"<style\b.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def section(page: str, name: str) -> str:
    part = page[page.index(f'<section id="{name}">') :]
    return part[: part.index("</section>")]


def test_every_ltv_cac_label_names_its_basis(demo_html):
    labels = re.findall(
        r'<div class="card-label">([^<]*LTV/CAC[^<]*?) ?(?:<span|</div>)', demo_html
    )
    headers = re.findall(r"<th\b[^>]*>([^<]*LTV/CAC[^<]*)</th>", demo_html)
    assert labels == ["LTV/CAC (revenue)"]
    assert re.findall(r"<th\b[^>]*>([^<]*LTV/CAC[^<]*)</th>", section(demo_html, "ltv")) == [
        "LTV/CAC (revenue)"
    ]
    economics = section(demo_html, "economics")
    assert re.findall(r"<th\b[^>]*>([^<]*LTV/CAC[^<]*)</th>", economics) == ["LTV/CAC (margin)"]
    assert sorted(set(headers)) == sorted(BASES)


def test_only_the_ceilings_section_gives_verdicts(demo_html):
    text = visible_text(demo_html)
    for word in ("healthy", "thin", "losing", "sustainable"):
        assert not re.search(rf"\b{word}\b", text, re.I), word
    for other in ("headline", "ltv"):
        words = visible_text(section(demo_html, other))
        assert "LTV/CAC (revenue)" in words
        for verdict in ("scale", "hold", "cut"):
            assert not re.search(rf"\b{verdict}\b", words, re.I), (other, verdict)
    assert re.search(r">(scale|hold|cut|not enough data)<", section(demo_html, "economics"))


def test_the_card_states_its_basis_without_a_verdict():
    card = ltv_cac_card(50.0, 20.0, None, "EUR")  # DOMAIN.md: LTV 50, CAC 20
    assert card.value == pytest.approx(2.5)
    assert card.label == "LTV/CAC (revenue)"
    assert card.explanation.startswith(
        "LTV/CAC (revenue) = predicted LTV / CAC = 50.00 EUR / 20.00 EUR = 2.50×"
    )
    assert "margin" in card.formula  # where the verdicts are
    assert ltv_cac_card(50.0, 0.0, None, "EUR").value is None


def test_clv_table_ltv_cac_is_predicted_revenue_ltv_over_cac(demo_db):
    from payback.metrics import compute_metrics
    from payback.report.clv_section import ltv_table
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        table = ltv_table(store).frame
        cac = compute_metrics(store, by=("platform",), metrics=("cac",)).frame
    cac = cac[~cac["is_total"]].set_index("platform")["cac"]
    checked = 0
    for source, ltv, ratio in zip(
        table["source"], table["predicted_ltv"], table["ltv_cac"], strict=True
    ):
        if source in cac.index and not pd_missing(ltv) and not pd_missing(cac[source]):
            assert ratio == pytest.approx(float(ltv) / float(cac[source]))
            checked += 1
    assert checked >= 3


def pd_missing(value) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))
