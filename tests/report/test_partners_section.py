"""The partners section: its numbers are payback.partners' (value, reconcile, signals)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from payback.report.extensions import extensions


def _section(store):
    ext = next(e for e in extensions() if e.name == "partners")
    assert not ext.filtered and ext.grains == ("partner",)
    return ext.section(store)


def _column(view, key):
    i = [c.key for c in view.columns].index(key)
    return [row[i] for row in view.rows]


def test_the_value_ranking_is_the_api_s(demo_db):
    from payback.partners import value
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        section = _section(store)
        expected = value(store, predicted=False).frame
    assert section.id == "partners" and "could not be computed" not in section.intro
    table = next(t for t in section.tables if t.id == "table-partner-value")
    assert [c.text for c in _column(table, "partner")] == list(expected["partner"])
    for key in ("orders", "rank_by_orders", "commission", "cpo", "ltv", "ltv_cpo"):
        shown = [c.sort for c in _column(table, key)]
        assert shown == [repr(float(v)) for v in expected[key]], key
    # the ranking by LTV and the one by orders, both in the intro
    by_orders = expected.sort_values("rank_by_orders")["partner"]
    assert f"by order count: {', '.join(by_orders)}." in section.intro
    assert f"(LTV on margin): {', '.join(expected['partner'])};" in section.intro


def test_the_reconciliation_per_partner_is_the_api_s(demo_db):
    from payback.partners import reconcile
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        section = _section(store)
        per = reconcile(store).partners.frame
        n_claims = store.row_count("partner_claims")
    table = next(t for t in section.tables if t.id == "table-partner-reconciliation")
    body = per[~per["is_total"]]
    assert [c.text for c in _column(table, "partner")] == list(body["partner_id"])
    for key in ("claims", "claimed_commission", "owed_commission", "discrepancy_rate"):
        assert [c.sort for c in _column(table, key)] == [repr(float(v)) for v in body[key]]
    # the totals row: every claim of the store, once
    claims = [c.key for c in table.columns].index("claims")
    assert table.totals[0][0].text == "Total"
    assert float(table.totals[0][claims].sort) == n_claims == body["claims"].sum()


def test_the_flagged_partners_are_those_with_a_signal(demo_db):
    from payback.partners import signals
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        section = _section(store)
        sig = signals(store).frame
    table = next(t for t in section.tables if t.id == "table-partner-signals")
    flagged = [
        r.partner
        for r in sig.itertuples()
        if r.high_loss or r.duplicate_order_claims or r.unattributed_claims or r.stuffed_clicks
    ]
    assert [c.text for c in _column(table, "partner")] == flagged
    assert table.note == ("" if flagged else "No partner is flagged.")


def test_a_store_without_claims_gets_the_section_with_a_note():
    from payback.store import open_store

    store = open_store(":memory:")
    store.write({"orders": pa.table({
        "order_id": ["o1"], "customer_id": ["c1"], "time": [dt.datetime(2024, 3, 1)],
        "revenue": [10.0], "status": ["confirmed"], "currency": ["EUR"],
        "partner_id": ["p1"]})})  # fmt: skip
    section = _section(store)
    assert section.intro.startswith("No partner claims in the store")
    assert section.tables == () and section.figures == ()


def test_the_report_has_the_partners_section(demo_html):
    part = demo_html[demo_html.index('<section id="partners">') :]
    part = part[: part.index("</section>")]
    assert "could not be computed" not in part
    for table in ("table-partner-value", "table-partner-reconciliation", "table-partner-signals"):
        assert f'id="{table}"' in part
