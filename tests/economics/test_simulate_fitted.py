"""`payback simulate --response-from-store --retention-from-store` says what it fitted,
on how much history, above the table and in --json; "1 month" / "2 months"."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

from payback.cli import main

COSTS = [10_000.0, 40_000.0, 90_000.0, 160_000.0]  # new paid customers = 0.5 x sqrt(cost)


def _shop(store):
    n_new = [int(0.5 * c**0.5) for c in COSTS]  # 50, 100, 150, 200
    ids = [(m, i) for m, n in enumerate(n_new, start=1) for i in range(n)]
    orders = pa.table(
        {
            "order_id": [f"o{m}-{i}" for m, i in ids],
            "customer_id": [f"c{m}-{i}" for m, i in ids],
            "time": [dt.datetime(2024, m, 10) for m, _ in ids],
            "revenue": [20.0] * len(ids),
            "status": ["confirmed"] * len(ids),
            "currency": ["EUR"] * len(ids),
            "platform": ["google"] * len(ids),
            "campaign": ["c1"] * len(ids),
        }
    )
    ads = pa.table(
        {
            "date": [dt.date(2024, m, 1) for m in range(1, 5)],
            "platform": ["google"] * 4,
            "campaign": ["c1"] * 4,
            "impressions": [10**6] * 4,
            "clicks": [10**4] * 4,
            "cost": COSTS,
            "currency": ["EUR"] * 4,
        }
    )
    # 100 subscriptions from 2023-01-01 lost as Fader and Hardie's high-end cohort (a
    # falling churn rate, so alpha and beta are identified): 13, 13, 9, then 1 at the end
    # of the data (2024-03-31) and 64 still running
    ends = (
        ([dt.date(2023, 1, 31)] * 13 + [dt.date(2023, 2, 28)] * 13 + [dt.date(2023, 3, 31)] * 9)
        + [dt.date(2024, 3, 31)]
        + [None] * 64
    )
    subs = pa.table(
        {
            "subscription_id": [f"s{i}" for i in range(100)],
            "customer_id": [f"c4-{i}" for i in range(100)],
            "start": [dt.date(2023, 1, 1)] * 100,
            "end": ends,
            "price": [10.0] * 100,
            "currency": ["EUR"] * 100,
        }
    )
    store.write(
        {"ad_stats": ads, "orders": orders, "subscriptions": subs}, meta={"base_currency": "EUR"}
    )
    path = store.path
    store.close()
    return path


ARGS = ["simulate", "--budget", "50000", "--months", "3", "--price", "30", "--cogs", "5"]


def test_json_holds_the_fits(store, capsys):
    path = _shop(store)
    args = [*ARGS, "--response-from-store", "--retention-from-store", "--db", path]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    fitted = out["fitted_from_store"]
    assert fitted["response"]["k"] == pytest.approx(0.5, rel=1e-9)
    assert fitted["response"]["beta"] == pytest.approx(0.5, rel=1e-9)
    assert fitted["response"]["months"] == 4
    assert fitted["retention"]["subscriptions"] == 100
    # the same sBG the projection used
    assert fitted["retention"]["alpha"] == pytest.approx(out["inputs"]["retention"]["alpha"])
    assert fitted["retention"]["beta"] == pytest.approx(out["inputs"]["retention"]["beta"])


def test_table_prints_the_fits_above_the_projection(store, capsys):
    path = _shop(store)
    args = [*ARGS, "--response-from-store", "--retention-from-store", "--db", path]
    assert main(args) == 0
    text = capsys.readouterr().out
    first, second = text.splitlines()[:2]
    assert first == (
        "response fitted on the store: new customers = 0.5 x budget^0.500 "
        "(4 months of ad cost, R² 1.00)"
    )
    assert second.startswith("retention fitted on the store: sBG alpha ")
    assert second.endswith("(100 subscriptions, monthly periods)")
    assert text.index("retention fitted") < text.index("Monthly projection")


@pytest.mark.parametrize(
    ("price", "expected"),
    # DOMAIN.md: 100 customers at CPO 500, margin 400 a month: paid back in month 2;
    # at price 600 the margin 500 x 100 = 50,000 repays the 50,000 in month 1
    [("500", "payback period: 2 months"), ("600", "payback period: 1 month")],
)
def test_payback_period_plural(capsys, price, expected):
    assert main(["simulate", "--budget", "50000,0", "--cpo", "500", "--price", price,
                 "--cogs", "100"]) == 0  # fmt: skip
    assert expected in capsys.readouterr().out.splitlines()
