"""A report without --from/--to: the whole history's totals, and each card's change
between the last complete calendar month of the data and the month before.

Before, every card of the default report said "no data in the previous period": the
previous period of equal length lay before the first day with data.
"""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from payback.report import render_report
from payback.report.cards import headline
from payback.report.views import Period, default_comparison

#: (day, cost) of google's Brand campaign; (order, customer, day, revenue) of its orders.
ADS = [
    (dt.date(2024, 1, 5), 300.0),
    (dt.date(2024, 1, 25), 100.0),
    (dt.date(2024, 2, 10), 500.0),
    (dt.date(2024, 3, 18), 700.0),  # March is not complete: the data ends on the 20th
]
ORDERS = [
    ("o1", "c1", dt.date(2024, 1, 6), 200.0),
    ("o2", "c2", dt.date(2024, 1, 26), 120.0),
    ("o3", "c3", dt.date(2024, 2, 11), 90.0),
    ("o4", "c1", dt.date(2024, 2, 12), 60.0),
    ("o5", "c4", dt.date(2024, 2, 28), 250.0),
    ("o6", "c5", dt.date(2024, 3, 20), 400.0),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from payback.store import open_store

    path = tmp_path_factory.mktemp("months") / "months.duckdb"
    n, m = len(ADS), len(ORDERS)
    ads = pa.table({
        "date": [d for d, _ in ADS], "platform": ["google"] * n, "campaign": ["Brand"] * n,
        "impressions": [1000] * n, "clicks": [50] * n, "cost": [c for _, c in ADS],
        "currency": ["EUR"] * n,
    })  # fmt: skip
    orders = pa.table({
        "order_id": [o[0] for o in ORDERS], "customer_id": [o[1] for o in ORDERS],
        "time": [dt.datetime.combine(o[2], dt.time(12)) for o in ORDERS],
        "revenue": [o[3] for o in ORDERS], "status": ["confirmed"] * m,
        "currency": ["EUR"] * m, "platform": ["google"] * m, "campaign": ["Brand"] * m,
    })  # fmt: skip
    with open_store(path) as s:
        s.write({"ad_stats": ads, "orders": orders}, meta={"base_currency": "EUR"})
    with open_store(path, read_only=True) as s:
        yield s


def _month(month: int) -> dict[str, float]:
    cost = sum(c for d, c in ADS if d.month == month)
    orders = [o for o in ORDERS if o[2].month == month]
    return {"cost": cost, "orders": len(orders), "cpo": cost / len(orders)}


def test_values_cover_the_whole_history_and_change_compares_the_last_two_months(store):
    h = headline(store)
    assert h.period == Period(dt.date(2024, 1, 5), dt.date(2024, 3, 20))
    assert h.compared_period == Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert h.previous_period == Period(dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert h.comparison == "Feb 2024 vs Jan 2024" and h.whole_history and h.note is None
    assert h.data_begins == dt.date(2024, 1, 5)  # January is partly covered: it says so
    assert h.intro == (
        "Totals of the whole history (2024-01-05 – 2024-03-20). Each change compares "
        "Feb 2024 vs Jan 2024: the last complete calendar month of the data with the month "
        "before (which has data from 2024-01-05 on)."
    )
    cards = {c.metric: c for c in h.cards}
    feb, jan = _month(2), _month(1)
    assert cards["cost"].value == pytest.approx(sum(c for _, c in ADS))
    assert (cards["cost"].current, cards["cost"].previous) == (feb["cost"], jan["cost"])
    assert cards["cost"].change == pytest.approx((feb["cost"] - jan["cost"]) / jan["cost"])
    assert cards["orders"].value == len(ORDERS)
    assert cards["cpo"].value == pytest.approx(sum(c for _, c in ADS) / len(ORDERS))
    assert cards["cpo"].change == pytest.approx((feb["cpo"] - jan["cpo"]) / jan["cpo"])
    assert cards["cpo"].verdict == "better"  # 166.67 EUR after 200.00 EUR


def test_the_card_says_which_months_it_compares(store):
    html = render_report(store)
    cpo = html[html.index('data-metric="cpo"') :]
    cpo = cpo[: cpo.index("</article>")]
    change = (_month(2)["cpo"] - _month(1)["cpo"]) / _month(1)["cpo"] * 100
    line = re.search(
        r'<div class="card-change ([a-z]+)" title="([^"]+)">\s*(.*?)\s*</div>', cpo, re.S
    )
    assert line.group(1) == "better"
    assert line.group(2) == "Feb 2024: 166.67 EUR; Jan 2024: 200.00 EUR"
    text = re.sub(r"<[^>]+>", "", line.group(3))
    assert text == f"Feb 2024 vs Jan 2024: {change:+.1f} %".replace("-", "−")
    assert "<th>whole history</th><th>Feb 2024</th><th>Jan 2024</th>" in cpo
    assert "no data in the previous period" not in html
    assert "<b>Change</b> Feb 2024 vs Jan 2024" in html


def test_an_explicit_period_still_compares_with_the_days_before(store):
    h = headline(store, start=dt.date(2024, 2, 1), end=dt.date(2024, 2, 29))
    assert h.compared_period == h.period and not h.whole_history
    assert h.previous_period == Period(dt.date(2024, 1, 3), dt.date(2024, 1, 31))
    assert h.comparison == "vs the previous 29 days (2024-01-03 – 2024-01-31)"


def test_the_demo_report_shows_a_change_on_every_card(demo_html):
    assert "no data in the previous period" not in demo_html
    changes = re.findall(
        r'<span class="vs">([A-Z][a-z]{2} \d{4} vs [A-Z][a-z]{2} \d{4}):</span>', demo_html
    )
    assert len(changes) == demo_html.count('<article class="card"') >= 9
    assert len(set(changes)) == 1


def test_too_short_a_history_says_so(tiny):
    h = headline(tiny)  # 2024-02-28 to 2024-03-02: no two complete months
    assert h.previous_period is None and h.compared_period is None
    assert h.note == "no two complete calendar months in the data to compare yet"
    assert all(c.change is None for c in h.cards)
    assert h.note in render_report(tiny)


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


@given(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1)),
    st.integers(min_value=0, max_value=800),
)
def test_the_default_comparison_is_two_whole_months_inside_the_data(start, length):
    span = Period(start, start + dt.timedelta(days=length))
    found = default_comparison(span)
    complete = [  # every (month, month before) pair of whole months inside the span
        m
        for m in (
            dt.date(y, mo, 1) for y in range(start.year, span.end.year + 1) for mo in range(1, 13)
        )
        if span.start <= m - dt.timedelta(days=1) and _month_end(m) <= span.end
    ]
    if not complete:
        assert found is None
        return
    compared, previous = found
    assert compared.start == max(complete) and compared.end == _month_end(compared.start)
    assert previous.end == compared.start - dt.timedelta(days=1) and previous.start.day == 1
