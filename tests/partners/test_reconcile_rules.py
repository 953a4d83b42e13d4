"""The reconciliation's rules, judged in the store, against a plain reading of them claim
by claim (module docstring of payback.partners.reconcile) on random shops full of ties:
claims at the same time, orders at the same time as the claimed one, an order through
the partner after the claimed one, several partners on one order, claims without a click,
the same claim twice in a network's file."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from payback.partners import reconcile
from payback.store import open_store

DAY = dt.datetime(2024, 3, 1)
WINDOW = 30


def _shop(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders and claims with few distinct times (every 12 hours), so many tie."""
    rng = np.random.default_rng(seed)
    n, k = 240, 200

    def when(size):
        return [DAY + dt.timedelta(hours=12 * int(h)) for h in rng.integers(0, 160, size)]

    orders = pd.DataFrame(
        {
            "order_id": [f"o{i:03d}" for i in range(n)],
            "customer_id": [f"c{i:02d}" for i in rng.integers(0, 60, n)],
            "time": when(n),
            "revenue": rng.choice([40.0, 55.5, 100.0], n),
            "status": rng.choice(["confirmed"] * 7 + ["cancelled", "returned", "pending"], n),
            "partner_id": rng.choice(["p1", "p2", "p3", None, None], n),
            "platform": rng.choice(["google", None, None, None], n),
        }
    )
    claimed = rng.integers(0, n + 20, k)  # 20 ids the shop does not have
    click = [t if rng.random() < 0.6 else None for t in when(k)]
    claims = pd.DataFrame(
        {
            "claim_id": [f"k{i:03d}" for i in rng.permutation(k)],
            "partner_id": rng.choice(["p1", "p2", "p3"], k),
            "order_id": [f"o{i:03d}" for i in claimed],
            "time": when(k),
            "revenue": rng.choice([40.0, 55.5, 100.0, 60.0], k),
            "commission": rng.choice([4.0, 5.55, 10.0, 0.0], k),
            "click_time": click,
        }
    )
    return orders, claims


def _expected(orders: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Each claim's status, click and owed commission, one claim at a time."""
    window = dt.timedelta(days=WINDOW)
    by_id = {o.order_id: o for o in orders.itertuples()}
    acquired = orders[orders["status"] == "confirmed"].groupby("customer_id")["time"].min()
    c = claims.assign(_input=range(len(claims))).sort_values(["time", "claim_id", "_input"])
    judged, partners_on = set(), {}
    for row in c.itertuples():  # each partner's first claim on an order the shop has
        if row.order_id in by_id and (row.order_id, row.partner_id) not in judged:
            judged.add((row.order_id, row.partner_id))
            partners_on[row.order_id] = partners_on.get(row.order_id, 0) + 1
    seen, rows = set(), []
    for row in c.itertuples():
        o = by_id.get(row.order_id)
        first = (row.order_id, row.partner_id) not in seen
        seen.add((row.order_id, row.partner_id))
        click = row.click_time if pd.notna(row.click_time) else None  # else the referral
        if o is None:
            status = "unknown_order"
        else:
            through = orders[
                (orders["customer_id"] == o.customer_id) & (orders["partner_id"] == row.partner_id)
            ]["time"]
            referral = through[through <= o.time].max() if (through <= o.time).any() else None
            click = referral if click is None else click
            touches = [t for t in (click, through.min() if len(through) else None) if t is not None]
            acq = acquired.get(o.customer_id)
            named = o.partner_id == row.partner_id
            elsewhere = (o.partner_id is not None and not named) or (
                o.partner_id is None and o.platform is not None
            )
            if not first:
                status = "duplicate_claim"
            elif partners_on[row.order_id] > 1 and not named:
                status = "claimed_twice"
            elif o.status in ("cancelled", "returned", "pending"):
                status = o.status
            elif click is not None and not (click <= o.time <= click + window):
                status = "outside_window"
            elif elsewhere or click is None:
                status = "not_attributed"
            elif acq is not None and touches and acq < min(touches):
                status = "existing_customer"
            elif abs(row.revenue - o.revenue) > 0.005:
                status = "amount_differs"
            else:
                status = "confirmed"
        if status == "confirmed":
            owed = row.commission
        elif status == "amount_differs":
            owed = (
                np.round(row.commission * o.revenue / row.revenue, 2)
                if row.revenue > 0
                else row.commission
            )
        else:
            owed = 0.0
        rows.append((row.claim_id, status, click, owed))
    return pd.DataFrame(rows, columns=["claim_id", "status", "click_time", "owed_commission"])


def _store(orders: pd.DataFrame, claims: pd.DataFrame):
    store = open_store(":memory:")
    store.write(
        {
            "orders": pa.Table.from_pandas(orders.assign(currency="EUR"), preserve_index=False),
            "partner_claims": pa.Table.from_pandas(
                claims.assign(currency="EUR"), preserve_index=False
            ),
        }
    )
    return store


def _check(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got["claim_id"].tolist() == want["claim_id"].tolist()  # the claims' order
    assert got["status"].tolist() == want["status"].tolist()
    clicks = pd.to_datetime(want["click_time"]).astype(got["click_time"].dtype)
    pd.testing.assert_series_equal(got["click_time"], clicks, check_names=False)
    np.testing.assert_allclose(got["owed_commission"], want["owed_commission"], rtol=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_store_claims_as_read_claim_by_claim(seed):
    orders, claims = _shop(seed)
    got = reconcile(_store(orders, claims), window=WINDOW).claims.frame
    want = _expected(orders, claims)
    assert set(want["status"]) >= {
        "unknown_order", "duplicate_claim", "claimed_twice", "cancelled", "outside_window",
        "not_attributed", "existing_customer", "amount_differs", "confirmed",
    }  # fmt: skip
    _check(got, want)


def test_a_files_claims_keep_their_order_among_equal_times_and_ids():
    """A network's file may list the same claim twice: the first in the file is judged."""
    orders, claims = _shop(4)
    store = _store(orders, claims)
    again = claims.iloc[::-1].reset_index(drop=True)
    again = pd.concat([again, again.iloc[:30].assign(commission=1.0)], ignore_index=True)
    got = reconcile(store, window=WINDOW, claims=again).claims.frame
    want = _expected(orders, again)
    assert (want["status"] == "duplicate_claim").sum() >= 30
    _check(got, want)
