"""Bursts of claims from one IP address or contact (`payback partners signals`), on planted
rows: a burst of six claims in 25 minutes from one address is found, a loyal customer
buying every three days from one address is not, and the p-value is recomputed by hand."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from payback.cli import main
from payback.ingest import import_file
from payback.partners import bursts, signals
from payback.partners.bursts import find_bursts
from payback.store import open_store

START = dt.datetime(2024, 3, 1)
BURST_IP = "203.0.113.9"
LOYAL_IP = "198.51.100.4"


def _claims() -> pd.DataFrame:
    rows = []
    for i in range(60):  # P1: one claim every 12 hours, each from its own address
        rows.append(("P1", START + dt.timedelta(hours=12 * i), f"10.1.0.{i}", f"h{i}"))
    for i in range(6):  # P1's burst: six claims in 25 minutes from one address
        rows.append(("P1", START + dt.timedelta(days=10, minutes=5 * i), BURST_IP, f"b{i}"))
    for i in range(10):  # P2: a loyal customer every three days, from one address
        rows.append(("P2", START + dt.timedelta(days=3 * i, hours=2), LOYAL_IP, "loyal"))
    for i in range(20):
        rows.append(("P2", START + dt.timedelta(days=1.5 * i), f"10.2.0.{i}", f"p{i}"))
    for i in range(5):  # P3: no address or contact in its claims
        rows.append(("P3", START + dt.timedelta(days=i), None, None))
    frame = pd.DataFrame(rows, columns=["partner_id", "time", "ip", "contact"])
    frame.insert(0, "claim_id", [f"k{i:03d}" for i in range(len(frame))])
    frame.insert(2, "order_id", [f"o{i:03d}" for i in range(len(frame))])
    return frame


@pytest.fixture(scope="module")
def store():
    claims = _claims()
    n = len(claims)
    s = open_store(":memory:")
    s.write(
        {
            "orders": pa.table(
                {
                    "order_id": claims["order_id"],
                    "customer_id": [f"c{i}" for i in range(n)],
                    "time": claims["time"],
                    "revenue": [50.0] * n,
                    "status": ["confirmed"] * n,
                    "currency": ["EUR"] * n,
                    "partner_id": claims["partner_id"],
                }
            ),
            "partner_claims": pa.Table.from_pandas(
                claims.assign(revenue=50.0, commission=5.0, currency="EUR"),
                preserve_index=False,
            ),
        },
        meta={"base_currency": "EUR"},
    )
    return s


def test_the_planted_burst_and_only_it(store):
    found = bursts(store).frame
    assert found[["partner_id", "kind", "key", "claims"]].values.tolist() == [
        ["P1", "ip", BURST_IP, 6]
    ]
    row = found.iloc[0]
    assert (row["start"], row["end"]) == (
        pd.Timestamp(START + dt.timedelta(days=10)),
        pd.Timestamp(START + dt.timedelta(days=10, minutes=25)),
    )


def test_p_value_recomputed_by_hand(store):
    """P1: 66 claims from 61 addresses over 29.5 days; one address's claims in an hour
    ~ Poisson(66 / (61 x 708 hours)); P(X >= 6) times the 708 hourly windows."""
    found = bursts(store).frame.iloc[0]
    windows = (59 * 12) / 1.0  # first claim to last: 59 half days, in hours
    mu = 66 / (61 * windows)
    # the upper tail summed directly (1 - the lower sum cancels to 0 in floating point)
    tail = sum(math.exp(-mu) * mu**k / math.factorial(k) for k in range(6, 40))
    assert found["expected"] == pytest.approx(mu, rel=1e-12)
    assert found["p_value"] == pytest.approx(windows * tail, rel=1e-9, abs=0)
    assert 1.2e-17 < found["p_value"] < 1.3e-17


def test_volume_explains_a_small_partner():
    """Three claims from one contact in half an hour are a partner's whole volume: the
    same key is all it has, so its rate explains them (no burst)."""
    t = pd.Timestamp("2024-03-01")
    claims = pd.DataFrame(
        {
            "partner_id": ["P9"] * 3,
            "time": [t, t + pd.Timedelta(minutes=10), t + pd.Timedelta(minutes=30)],
            "contact": ["e1"] * 3,
        }
    )
    assert find_bursts(claims).empty


def test_signals_columns(store):
    t = signals(store)
    frame = t.frame.set_index("partner")
    assert frame.loc["P1", ["ip_bursts", "contact_bursts", "burst_claims"]].tolist() == [1, 0, 6]
    assert frame.loc["P2", ["ip_bursts", "contact_bursts", "burst_claims"]].tolist() == [0, 0, 0]
    assert frame.loc["P3", ["ip_bursts", "contact_bursts", "burst_claims"]].isna().all()
    assert t.reasons["ip_bursts"] == "no IP address in the partner's claims"


def test_cli_lists_bursts(tmp_path, capsys):
    db = str(tmp_path / "shop.duckdb")
    claims = _claims()
    with open_store(db) as s:
        s.write(
            {
                "partner_claims": pa.Table.from_pandas(
                    claims.assign(revenue=50.0, commission=5.0, currency="EUR"),
                    preserve_index=False,
                )
            },
            meta={"base_currency": "EUR"},
        )
    code = main(
        ["partners", "signals", "--db", db, "--bursts", "--burst-minutes", "30", "-f", "json"]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["partner_id"], r["key"], r["claims"]) for r in rows] == [("P1", BURST_IP, 6)]


def test_network_files_carry_the_ip(tmp_path):
    """Everflow's session_user_ip and impact.com's IpAddress land in partner_claims.ip."""
    path = tmp_path / "everflow.csv"
    path.write_text(
        "conversion_id,conversion_unix_timestamp,affiliate_id,status,payout,sale_amount,"
        "order_id,session_user_ip,conversion_user_ip\n"
        "ef-1,1714644300,P01,approved,12.00,100.00,O1,192.0.2.10,192.0.2.99\n"
    )
    s = open_store(":memory:")
    s.write({}, meta={"base_currency": "EUR"})
    import_file(s, "partner-claims", path, currency="EUR")
    got = s.execute(s.table("partner_claims").select("claim_id", "ip", "network_status"))
    assert got.values.tolist() == [["ef-1", "192.0.2.10", "approved"]]


def test_every_key_against_a_brute_force_count():
    """Random claims: each key's most claims in a 45-minute window and its p-value, by a
    plain double loop over the claims and scipy's Poisson tail."""
    from scipy.stats import poisson

    rng = np.random.default_rng(3)
    n = 400
    t0 = pd.Timestamp("2024-01-01")
    claims = pd.DataFrame(
        {
            "partner_id": rng.choice(["A", "B", "C"], n),
            "time": t0 + pd.to_timedelta(rng.integers(0, 3 * 24 * 60, n), unit="min"),
            "ip": rng.choice([f"ip{i}" for i in range(40)], n),
        }
    )
    got = find_bursts(claims, minutes=45, alpha=math.inf, min_claims=1)  # every key
    got = got.set_index(["partner_id", "key"])
    width = pd.Timedelta(minutes=45)
    checked = 0
    for partner, mine in claims.groupby("partner_id"):
        windows = max(mine["time"].max() - mine["time"].min(), width) / width
        mu = len(mine) / (mine["ip"].nunique() * windows)
        for key, own in mine.groupby("ip"):
            stamps = sorted(own["time"])
            best = max(sum(1 for u in stamps if s <= u <= s + width) for s in stamps)
            row = got.loc[(partner, key)]
            assert row["claims"] == best
            assert row["p_value"] == pytest.approx(min(1.0, poisson.sf(best - 1, mu) * windows))
            checked += 1
    assert checked == len(got) > 100
