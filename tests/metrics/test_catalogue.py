"""The catalogue: every DOMAIN.md section 1 metric, described, and in docs/metrics.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from payback.errors import InputError
from payback.metrics import ALIASES, CATALOGUE, DEFAULT_METRICS, resolve_metrics

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"

DOMAIN_SECTION_1 = {
    "ctr": ("clicks / impressions", "rate", False),
    "cr": ("confirmed orders / clicks", "rate", False),
    "cpm": ("cost / impressions x 1000", "money", True),
    "cpc": ("cost / clicks", "money", True),
    "cpa": ("cost / valid leads", "money", True),
    "cpo": ("cost / confirmed orders", "money", True),
    "cac": ("cost / new customers", "money", True),
    "aov": ("revenue / confirmed orders", "money", False),
    "drr": ("cost / revenue", "rate", True),
    "roas": ("revenue / cost", "ratio", False),
    "roi": ("(revenue - cost) / cost", "rate", False),
    "romi": ("(gross profit - cost) / cost", "rate", False),
}


@pytest.mark.parametrize("name", DOMAIN_SECTION_1)
def test_domain_metrics_have_their_formula_unit_and_direction(name):
    m = CATALOGUE[name]
    assert (m.formula, m.unit, m.lower_is_better) == DOMAIN_SECTION_1[name]
    assert m.kind == "ratio" and m.label and len(m.description) > 20


def test_sums_the_brief_asks_for_are_there():
    sums = {"impressions", "clicks", "cost", "leads", "orders", "new_customers", "revenue",
            "gross_profit", "platform_conversions", "platform_revenue",
            "conversion_gap"}  # fmt: skip
    assert sums <= CATALOGUE.keys()
    assert set(DEFAULT_METRICS) == {
        "cost",
        "clicks",
        "orders",
        "revenue",
        "cpc",
        "cpo",
        "drr",
        "romi",
    }


def test_every_metric_is_built_from_catalogue_entries():
    for m in CATALOGUE.values():
        assert all(n in CATALOGUE for n in m.inputs), m.name
        assert (m.kind in ("sum", "input")) == (not m.inputs), m.name
        if m.kind == "ratio" and m.at_grain:  # a ratio of sums at any grain
            assert CATALOGUE[m.denominator].kind == "sum", m.name


def test_analysis_metrics_are_refused_at_a_grain_with_the_reason():
    assert {n for n, m in CATALOGUE.items() if not m.at_grain} == {
        "ltv", "other_costs_per_customer", "margin", "share", "conversion", "target_cpa",
        "target_drr", "ltv_cac", "marginal_cpo", "headroom", "margin_amount", "max_cpa", "max_cpl",
        "cpl_headroom", "max_cpc", "max_cpc_drr", "commission", "commission_budget",
        "max_commission", "commission_rate",
    }  # fmt: skip
    with pytest.raises(InputError, match=r"headroom .* needs cac|headroom .* needs ltv"):
        resolve_metrics("cpo,headroom", at_grain=True)
    assert resolve_metrics("cpo,headroom") == ("cpo", "headroom")


def test_aliases_and_case_resolve_and_unknown_names_list_the_valid_ones():
    assert resolve_metrics("CPL, ACoS,cpo,cpo") == ("cpa", "drr", "cpo")
    assert set(ALIASES.values()) <= CATALOGUE.keys()
    with pytest.raises(InputError, match=r"unknown metric 'lvt'.*cpo.*metrics --list"):
        resolve_metrics(["cpo", "lvt"])
    with pytest.raises(InputError, match="no metric given"):
        resolve_metrics(" , ")


def test_the_user_guide_lists_every_metric_with_its_formula():
    text = DOCS.read_text()
    for m in CATALOGUE.values():
        assert f"| `{m.name}` | {m.label} | {m.formula} | {m.unit} |" in text, m.name
