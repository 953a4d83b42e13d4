"""docs/metrics.md: every `payback metrics` example runs on a demo store; its demo
numbers (the paid and blended totals) are a recount of the store's tables in SQL."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from payback.cli import main

from .conftest import demo_store

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
TEXT = DOC.read_text()
COMMANDS = [
    line.split("  #")[0].strip()
    for block in re.findall(r"```bash\n(.*?)```", TEXT, re.S)
    for line in block.replace("\\\n", " ").splitlines()
    if line.startswith("payback metrics")
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("docs") / "demo.duckdb"
    demo_store(path, 800, seed=5).close()
    return str(path)


def test_the_page_has_examples():
    assert len(COMMANDS) >= 8 and any("--flat" in c for c in COMMANDS)


@pytest.mark.parametrize("command", [c for c in COMMANDS if "--engine spark" not in c])
def test_each_example_runs(command, db, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # --output files land here
    assert main([*shlex.split(command)[1:], "--db", db]) == 0, command
    out = capsys.readouterr().out
    if "--list" in command:
        assert "cost / confirmed orders" in out
    elif "--output" in command:
        assert (tmp_path / "campaigns.csv").read_text().startswith("platform,campaign,")
    else:
        assert "Total" in out


def test_the_demo_totals_on_the_page_are_a_recount_of_the_raw_tables():
    """The 10,000-customer demo (seed 42) by platform: the two totals rows shown are what
    plain SQL over the store's tables gives (paid = orders of a platform with ad rows)."""
    lines = re.findall(r"(│ Total \((paid|all)\)[^\n]*)", TEXT)
    shown = {kind: [c.strip() for c in line.split("│")[2:] if c.strip()] for line, kind in lines}
    assert set(shown) == {"paid", "all"}
    with demo_store(":memory:", 10_000, seed=42) as store:
        rows = store.backend.con.execute(
            """
            WITH ads AS (SELECT DISTINCT platform FROM ad_stats),
            conf AS (SELECT *, row_number() OVER (PARTITION BY customer_id
                                                  ORDER BY time, order_id) = 1 AS first
                     FROM orders WHERE status = 'confirmed')
            SELECT platform IN (SELECT platform FROM ads) AS paid, count(*), sum(revenue),
                   sum(first::int), sum(cogs), count(*) - count(cogs)
            FROM conf GROUP BY ALL
            """
        ).fetchall()
        (cost,) = store.backend.con.execute("SELECT sum(cost) FROM ad_stats").fetchone()
    paid = next(r[1:] for r in rows if r[0])
    orders, revenue, new, cogs, cogs_missing = paid
    assert cogs_missing == 0  # the demo knows the cost of goods of every order
    assert shown["paid"] == [
        f"{cost:,.2f}", f"{revenue:,.2f}", f"{orders:,}", f"{new:,}",
        f"{cost / orders:,.2f}", f"{cost / new:,.2f}",
        # DRR and ROMI are 10 % or more here: one decimal (payback.present's rate rule)
        f"{cost / revenue * 100:,.1f} %", f"{(revenue - cogs - cost) / cost * 100:,.1f} %",
    ]  # fmt: skip
    assert cost / revenue >= 0.1 and abs((revenue - cogs - cost) / cost) >= 0.1
    everything = [sum(r[i] for r in rows) for i in (1, 2, 3)]
    assert shown["all"] == [
        f"{cost:,.2f}", f"{everything[1]:,.2f}", f"{everything[0]:,}", f"{everything[2]:,}",
        "–", "–", "–", "–",
    ]  # fmt: skip


def test_the_csv_example_is_a_recount_of_the_raw_tables(db, tmp_path, monkeypatch):
    """`--by campaign --format csv`: each campaign's sums are a SQL group-by of the tables."""
    import duckdb
    import pandas as pd

    (command,) = [c for c in COMMANDS if "--output campaigns.csv" in c]
    monkeypatch.chdir(tmp_path)
    assert main([*shlex.split(command)[1:], "--db", db]) == 0
    got = pd.read_csv(tmp_path / "campaigns.csv", keep_default_na=False, na_values=[""])
    got = got[~got["is_total"]].fillna({"platform": "", "campaign": ""})
    with duckdb.connect(db, read_only=True) as con:
        want = con.execute(
            """
            WITH ads AS (SELECT platform, campaign, sum(cost) AS cost, sum(clicks) AS clicks
                         FROM ad_stats GROUP BY ALL),
            conf AS (SELECT coalesce(platform, '') AS platform, coalesce(campaign, '') AS
                            campaign, count(*) AS orders, sum(revenue) AS revenue
                     FROM orders WHERE status = 'confirmed' GROUP BY ALL)
            SELECT platform, campaign, ads.cost, ads.clicks, coalesce(conf.orders, 0) AS orders,
                   coalesce(conf.revenue, 0) AS revenue
            FROM ads FULL JOIN conf USING (platform, campaign)
            """
        ).df()
    key = ["platform", "campaign"]
    got, want = (f.sort_values(key).reset_index(drop=True) for f in (got, want))
    assert got[key].values.tolist() == want[key].values.tolist()
    assert got["orders"].tolist() == want["orders"].tolist()
    for column in ("cost", "clicks", "revenue"):
        assert got[column].tolist() == pytest.approx(want[column].tolist(), nan_ok=True), column
