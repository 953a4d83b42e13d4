"""Simulator inputs fitted on the store: the budget response curve and the sBG retention."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pytest

from payback.cli import main
from payback.clv import fit_sbg_records
from payback.clv.summary import subscription_records
from payback.economics import fit_response, response_from_store, retention_from_store
from payback.errors import InputError


def test_fit_response_recovers_a_known_curve():
    budget = np.array([5_000, 12_000, 30_000, 70_000, 0])
    r = fit_response(budget, 0.8 * budget**0.7)
    assert r.k == pytest.approx(0.8, rel=1e-9)
    assert r.beta == pytest.approx(0.7, rel=1e-9)
    assert r.n_points == 4  # the month without spend carries no information
    assert r.r_squared == pytest.approx(1.0)


def test_fit_response_needs_two_different_budgets():
    with pytest.raises(InputError, match="at least two periods with different spend"):
        fit_response([1000, 1000], [5, 6])
    with pytest.raises(InputError, match=r"beta = -1.000 <= 0"):
        fit_response([1000, 2000], [10, 5])


def _orders(month: int, n_new: int, platform, start: int) -> dict[str, list]:
    ids = [f"c{start + i}" for i in range(n_new)]
    return {
        "order_id": [f"o{month}-{platform}-{i}" for i in range(n_new)],
        "customer_id": ids,
        "time": [dt.datetime(2024, month, 10)] * n_new,
        "revenue": [20.0] * n_new,
        "status": ["confirmed"] * n_new,
        "currency": ["EUR"] * n_new,
        "platform": [platform] * n_new,
        "campaign": [None if platform is None else "c1"] * n_new,
    }


def test_response_from_store(store):
    """4 months of spend 10,000 ... 160,000 and 0.5 x sqrt(spend) new paid customers each,
    plus organic customers and repeat orders that must not count."""
    costs = [10_000.0, 40_000.0, 90_000.0, 160_000.0]
    cols: dict[str, list] = {}
    next_id = 0
    for month, cost in enumerate(costs, start=1):
        for part in (
            _orders(month, int(0.5 * cost**0.5), "google", next_id),
            _orders(month, 30, None, next_id + 10_000),
        ):
            for k, v in part.items():
                cols.setdefault(k, []).extend(v)
        next_id += 1000
    # a repeat order of a month-1 customer in month 4 is not a new customer
    repeat = _orders(4, 1, "google", 0)
    repeat["order_id"] = ["repeat"]
    for k, v in repeat.items():
        cols[k].extend(v)
    ads = pa.table(
        {
            "date": [dt.date(2024, m, 1) for m in range(1, 5)],
            "platform": ["google"] * 4,
            "campaign": ["c1"] * 4,
            "impressions": [10**6] * 4,
            "clicks": [10**4] * 4,
            "cost": costs,
            "currency": ["EUR"] * 4,
        }
    )
    store.write({"ad_stats": ads, "orders": pa.table(cols)}, meta={"base_currency": "EUR"})
    r = response_from_store(store)
    assert r.n_points == 4
    assert r.k == pytest.approx(0.5, rel=1e-9)
    assert r.beta == pytest.approx(0.5, rel=1e-9)


SUBS = pa.table(
    {
        "subscription_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
        "customer_id": ["a", "b", "c", "d", "e", "f"],
        "start": [
            dt.date(2024, 1, 15),
            dt.date(2024, 1, 31),
            dt.date(2024, 1, 1),
            dt.date(2024, 3, 20),
            dt.date(2024, 1, 20),
            dt.date(2024, 1, 1),
        ],
        "end": [dt.date(2024, 2, 14), dt.date(2024, 3, 30), None, None, None, dt.date(2024, 1, 31)],
        "price": [10.0] * 6,
        "currency": ["EUR"] * 6,
        "plan": ["monthly"] * 5 + ["other"],
    }
)


def test_retention_from_store_is_the_sbg_fit_of_the_records(store):
    rng = np.random.default_rng(5)
    n = 400
    theta = rng.beta(0.7, 1.2, n)
    paid = np.minimum(rng.geometric(theta), 120)  # beyond 10 years: still active anyway
    start = np.datetime64("2022-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    starts = start.astype(dt.date).tolist()
    ends = [
        _add_months(s, int(m)) - dt.timedelta(days=1) for s, m in zip(starts, paid, strict=True)
    ]
    as_of = dt.date(2024, 6, 30)
    subs = pa.table(
        {
            "subscription_id": [f"s{i}" for i in range(n)],
            "customer_id": [f"c{i}" for i in range(n)],
            "start": starts,
            "end": [e if e < as_of else None for e in ends],
            "price": [10.0] * n,
            "currency": ["EUR"] * n,
        }
    )
    store.write({"subscriptions": subs}, meta={"base_currency": "EUR"})
    fit = retention_from_store(store, as_of=as_of)
    rec = store.execute(subscription_records(store, as_of=as_of))
    rec = rec.groupby(["periods", "churned"]).size().rename("weight").reset_index()
    again = fit_sbg_records(
        rec["periods"].to_numpy(int), rec["churned"].to_numpy(bool), rec["weight"].to_numpy(float)
    )
    assert fit.params == again.params
    assert fit.n_customers == n
    # and it is near the truth it was drawn from
    assert fit.alpha == pytest.approx(0.7, rel=0.35)
    assert fit.beta == pytest.approx(1.2, rel=0.35)


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def test_cli_retention_from_store(store, capsys):
    store.write({"subscriptions": SUBS}, meta={"base_currency": "EUR"})
    path = store.path
    store.close()
    assert (
        main(
            [
                "simulate",
                "--budget",
                "1000,0,0",
                "--cpo",
                "10",
                "--price",
                "10",
                "--retention-from-store",
                "--db",
                path,
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["inputs"]["retention"]["kind"] == "sBG"
    assert out["inputs"]["retention"]["alpha"] > 0


def test_empty_store_says_what_to_do(store, capsys):
    path = store.path
    store.close()
    assert (
        main(
            [
                "simulate",
                "--budget",
                "1000",
                "--cpo",
                "10",
                "--price",
                "10",
                "--retention-from-store",
                "--db",
                path,
            ]
        )
        == 2
    )
    assert "no subscriptions in the store" in capsys.readouterr().err
