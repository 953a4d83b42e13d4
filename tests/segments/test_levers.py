"""Growth levers: revenue = customers x orders per customer x order value per period and
source, its change split by the additive LMDI; recomputed with pandas and an independent
logarithmic mean (an integral), exact to the cent, zeros by the analytical limit."""

from __future__ import annotations

import datetime as dt
import math

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import given, settings
from scipy import integrate

from payback.cli import main
from payback.errors import InputError
from payback.segments import (
    ALL_SOURCES,
    levers,
    lmdi,
    parse_period,
    periods_between,
    split_cents,
    waterfall,
)
from payback.store import open_store

LEVER_COLUMNS = ["customers_effect", "frequency_effect", "aov_effect"]


def integral_log_mean(a: float, b: float) -> float:
    """L(a, b) = integral over t in [0, 1] of a^(1-t) b^t: not the closed form."""
    return integrate.quad(lambda t: a ** (1 - t) * b**t, 0, 1, epsabs=1e-10, epsrel=1e-12)[0]


def expected_step(orders: pd.DataFrame, p0, p1) -> dict[str, float]:
    """One comparison recomputed in pandas from the order rows."""
    bought = orders[orders.status == "confirmed"]
    day = pd.to_datetime(bought.time).dt.date

    def factors(p):
        rows = bought[(day >= p.start) & (day <= p.end)]
        c, o, r = rows.customer_id.nunique(), len(rows), round(rows.revenue.sum(), 2)
        return c, o, r

    (c0, o0, r0), (c1, o1, r1) = factors(p0), factors(p1)
    weight = integral_log_mean(r1, r0)
    return {
        "revenue_from": r0,
        "revenue_to": r1,
        "customers_from": c0,
        "customers_to": c1,
        "customers_effect": weight * math.log(c1 / c0),
        "frequency_effect": weight * math.log((o1 / c1) / (o0 / c0)),
        "aov_effect": weight * math.log((r1 / o1) / (r0 / o0)),
    }


@pytest.mark.parametrize(
    ("data", "first", "second"),
    [("demo", "2024", "2025"), ("demo", "2025-Q1", "2025-Q2"), ("retail", "2011-03", "2011-09"),
     ("retail", "2011-01-01..2011-06-30", "2011-07-01..2011-11-30")],
)  # fmt: skip
def test_levers_match_pandas_and_the_integral_log_mean(data, first, second, request):
    path, orders = request.getfixturevalue(data)
    with open_store(path, read_only=True) as store:
        result = levers(store, first, second)
    row = result.frame.iloc[0]
    expected = expected_step(orders, parse_period(first), parse_period(second))
    for column, value in expected.items():
        assert row[column] == pytest.approx(value, abs=0.011), column
    cents = [round(row[c] * 100) for c in LEVER_COLUMNS]
    assert sum(cents) == round(row.change * 100) == round((row.revenue_to - row.revenue_from) * 100)


def test_retail_numbers(retail):
    """The UCI sample, March vs September 2011: the revenue of the confirmed invoices."""
    path, orders = retail
    with open_store(path, read_only=True) as store:
        row = levers(store, "2011-03", "2011-09").frame.iloc[0]
    sales = orders[orders.status == "confirmed"]
    month = pd.to_datetime(sales.time).dt.strftime("%Y-%m")
    assert row.revenue_from == pytest.approx(sales[month == "2011-03"].revenue.sum(), abs=0.005)
    assert row.customers_to == sales[month == "2011-09"].customer_id.nunique()


def test_by_source_rows_add_up_to_the_shop(demo):
    path, _ = demo
    with open_store(path, read_only=True) as store:
        split = levers(store, "2025-Q1", "2025-Q2", by="source").frame
        whole = levers(store, "2025-Q1", "2025-Q2").frame.iloc[0]
    total = split[split.source == ALL_SOURCES].iloc[0]
    parts = split[split.source != ALL_SOURCES]
    for column in ("revenue_from", "revenue_to", "customers_from", "customers_to", "change"):
        assert total[column] == pytest.approx(parts[column].sum(), abs=1e-6)
        assert total[column] == pytest.approx(whole[column], abs=1e-6)
    for column in LEVER_COLUMNS:  # the sources' levers, summed (cents)
        assert round(total[column] * 100) == sum(round(v * 100) for v in parts[column])
    for row in split.itertuples():
        assert sum(round(getattr(row, c) * 100) for c in LEVER_COLUMNS) == round(row.change * 100)


def test_per_period_steps_chain(demo):
    path, orders = demo
    with open_store(path, read_only=True) as store:
        frame = levers(store, "2024-10", "2025-03", period="month").frame
    assert frame.period_from.tolist() == ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]
    assert frame.period_to.tolist()[-1] == "2025-03"
    assert (frame.revenue_to.iloc[:-1].to_numpy() == frame.revenue_from.iloc[1:].to_numpy()).all()
    step = expected_step(orders, parse_period("2025-01"), parse_period("2025-02"))
    row = frame[frame.period_to == "2025-02"].iloc[0]
    for column in LEVER_COLUMNS:
        assert row[column] == pytest.approx(step[column], abs=0.011)


def _store_with(rows) -> object:
    store = open_store(":memory:")
    store.write({"orders": pd.DataFrame({
        "order_id": [str(i) for i in range(len(rows))],
        "customer_id": [r[0] for r in rows], "time": [r[1] for r in rows],
        "revenue": [r[2] for r in rows], "platform": [r[3] for r in rows],
        "status": "confirmed", "currency": "EUR"})})  # fmt: skip
    return store


def test_a_new_and_a_gone_source_put_the_change_on_customers():
    jan, feb = dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 5)
    store = _store_with([
        ("a", jan, 40.0, "google"), ("b", jan, 60.0, "meta"), ("a", feb, 50.0, "google"),
        ("c", feb, 30.0, "bing"), ("c", feb, 20.0, "bing")])  # fmt: skip
    result = levers(store, "2024-01", "2024-02", by="source")
    frame = result.frame.set_index("source")
    new, gone = frame.loc["bing"], frame.loc["meta"]
    assert new[LEVER_COLUMNS].tolist() == [50.0, 0.0, 0.0]
    assert gone[LEVER_COLUMNS].tolist() == [-60.0, 0.0, 0.0]
    assert pd.isna(new.aov_from) and pd.isna(gone.orders_per_customer_to)
    assert result.table.reasons["aov_from"] == "no customers in the period"
    google = frame.loc["google"]  # 1 x 1 x 40 -> 1 x 1 x 50: all order value
    assert google[LEVER_COLUMNS].tolist() == [0.0, 0.0, 10.0]


def test_free_orders_put_the_change_on_the_order_value():
    jan, feb = dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 5)
    store = _store_with([("a", jan, 0.0, None), ("a", feb, 30.0, None), ("b", feb, 10.0, None)])
    row = levers(store, "2024-01", "2024-02").frame.iloc[0]
    assert row[LEVER_COLUMNS].tolist() == [0.0, 0.0, 40.0]


def test_the_zero_rule_is_the_limit_of_small_values():
    for before, after in [([0.0, 1.0, 1.0], [10.0, 2.0, 3.0]), ([5.0, 2.0, 4.0], [5.0, 2.0, 0.0]),
                          ([0.0, 0.0, 2.0], [3.0, 4.0, 2.0])]:  # fmt: skip
        exact = lmdi(before, after)
        small = 1e-100
        limit = lmdi([x or small for x in before], [x or small for x in after])
        assert exact == pytest.approx(limit, abs=0.05 * max(1.0, max(map(abs, exact))))
        assert math.isclose(sum(exact), math.prod(after) - math.prod(before))


positive = st.floats(0.01, 1e4, allow_nan=False)
factor = st.one_of(st.just(0.0), positive)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(factor, factor), min_size=1, max_size=4))
def test_property_lmdi_parts_add_up_to_the_change(pairs):
    before, after = [p[0] for p in pairs], [p[1] for p in pairs]
    effects = lmdi(before, after)
    change = math.prod(after) - math.prod(before)
    scale = max(1.0, math.prod(after), math.prod(before))
    assert math.isclose(sum(effects), change, rel_tol=1e-9, abs_tol=1e-9 * scale)
    cents = split_cents(round(change * 100), [e * 100 for e in effects])
    assert sum(cents) == round(change * 100)
    assert all(
        abs(c - e * 100) < 1 + 1e-6 * scale * 100 for c, e in zip(cents, effects, strict=True)
    )


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abcdef"),
            st.integers(0, 59),
            st.sampled_from([0.0, 0.01, 9.99, 10.0, 1234.56]),
            st.sampled_from(["google", "meta", None]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_property_store_levers_add_up_to_the_cent(rows):  # fmt: skip
    start = dt.datetime(2024, 1, 1, 10)
    store = _store_with([(c, start + dt.timedelta(days=d), v, s) for c, d, v, s in rows])
    frame = levers(store, "2024-01", "2024-02", by="source").frame
    for row in frame.itertuples():
        total = sum(round(getattr(row, c) * 100) for c in LEVER_COLUMNS)
        assert (
            total
            == round(row.change * 100)
            == round(row.revenue_to * 100) - round(row.revenue_from * 100)
        )


def test_periods_and_their_errors():
    assert parse_period("2024-q4").label == "2024-Q4"
    assert parse_period("2020-W53").end == dt.date(2021, 1, 3)
    assert [p.label for p in periods_between("2024", "2025", "year")] == ["2024", "2025"]
    assert len(periods_between("2024-02-27", "2024-03-02", "day")) == 5
    with pytest.raises(InputError, match="unparsable period '2024/03'"):
        parse_period("2024/03")
    with pytest.raises(InputError, match="ends before it starts"):
        parse_period("2024-03..2024-01")


def test_bad_requests_are_refused(demo):
    with open_store(demo[0], read_only=True) as store:
        with pytest.raises(InputError, match="give the two periods"):
            levers(store, "2024")
        with pytest.raises(InputError, match="single month"):
            levers(store, "2024-03", "2024-03", period="month")
        with pytest.raises(InputError, match="unknown period 'fortnight'"):
            levers(store, period="fortnight")
        whole = levers(store, period="year")
        with pytest.raises(InputError, match="one comparison"):
            waterfall(levers(store, "2024-01", "2024-03", period="month"))
    assert [s[1].label for s in whole.steps] == ["2025"]


def test_cli_waterfall_and_json(demo, capsys):
    import json

    argv = ["segments", "levers", "--db", demo[0], "--from", "2024", "--to", "2025"]
    assert main([*argv, "--waterfall", "-f", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["step"] for r in rows] == [
        "revenue 2024", "customers", "orders per customer", "average order value",
        "revenue 2025"]  # fmt: skip
    assert rows[-2]["running_total"] == pytest.approx(rows[-1]["amount"], abs=0.001)
    assert main(["segments", "levers", "--db", demo[0], "--period", "week", "--to", "x"]) == 2
    assert "--to: unparsable period 'x'" in capsys.readouterr().err
