"""The ideal customer profile, growth levers and win-back views of the report's segments
section (and the dashboard's /api/segments): their numbers are the CLI's
(`payback segments profile|levers|winback --format json`), the compared periods the
latest complete quarter and the one before, recomputed from the orders in pandas."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest
from tests.segments.conftest import stored_confirmed_orders

from payback.cli import main
from payback.segments.report_section import build_segments_section
from payback.store import open_store


@pytest.fixture(scope="module")
def uci(uci_import):
    """The store file of the UCI lines imported with ``--build-orders``
    (tests/segments/conftest.py)."""
    return uci_import[0]


def cli_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def views(db: str):
    with open_store(db, read_only=True) as store:
        section = build_segments_section(store, by="platform")
    return section, {t.id: t for t in section.tables}


def latest_quarters(db: str) -> tuple[str, str]:
    """The latest quarter ending by the last order day, and the one before (pandas)."""
    orders = stored_confirmed_orders(db)
    last = orders.time.max().normalize()
    quarter = pd.Period(last, "Q")
    if quarter.end_time.normalize() > last:
        quarter -= 1
    assert (quarter - 1).start_time >= orders.time.min().normalize()
    return str(quarter - 1).replace("Q", "-Q"), str(quarter).replace("Q", "-Q")


@pytest.mark.parametrize("store", ["demo", "uci"])
def test_the_views_show_the_cli_numbers(request, capsys, store):
    db = request.getfixturevalue(store)
    db = db[0] if store == "demo" else db
    capsys.readouterr()  # what building the store printed
    section, shown = views(db)
    # profile: the target list and the most distinctive values
    profile = cli_json(capsys, "segments", "profile", "--db", db, "--format", "json")
    targets = shown["table-profile-targets"].rows
    assert [(r[0].text, r[1].text) for r in targets] == [
        (t["attribute"], t["value"]) for t in profile["targets"]
    ]
    assert [float(r[5].sort) for r in targets] == pytest.approx(
        [t["lift"] for t in profile["targets"]]
    )
    assert len(targets) >= 1 and profile["target"] in section.notes
    top = shown["table-profile"].rows
    assert [(r[0].text, r[1].text, int(float(r[2].sort))) for r in top] == [
        (r["attribute"], r["value"], r["customers"]) for r in profile["rows"][:15]
    ]
    # levers: the latest complete quarter against the one before
    p0, p1 = latest_quarters(db)
    lever = cli_json(capsys, "segments", "levers", "--from", p0, "--to", p1, "--db", db,
                     "--format", "json")["rows"][0]  # fmt: skip
    (row,) = shown["table-levers"].rows
    assert (row[0].text, row[1].text) == (p0, p1)
    keys = ["revenue_from", "revenue_to", "change", "customers_effect", "frequency_effect",
            "aov_effect"]  # fmt: skip
    assert [float(c.sort) for c in row[2:]] == pytest.approx([lever[k] for k in keys], abs=1e-9)
    assert sum(lever[k] for k in keys[3:]) == pytest.approx(lever["change"], abs=0.005)
    figure = next(f for f in section.figures if f.id == "fig-levers")
    assert figure.title == f"Growth levers: revenue {p0} -> {p1}"
    trace = json.loads(figure.json)["data"][0]
    assert trace["type"] == "waterfall"
    assert trace["y"] == pytest.approx([lever["revenue_from"], *(lever[k] for k in keys[3:]),
                                        lever["revenue_to"]])  # fmt: skip
    assert "effect = L(R1, R0) x ln(C1 / C0)" in trace["hovertext"][1]
    # win-back: the dormant segments valued by their history, the 15 most valuable
    back = cli_json(capsys, "segments", "winback", "--no-predict", "--db", db, "--format", "json")
    rows = shown["table-winback"].rows
    assert [r[0].text for r in rows] == [r["customer_id"] for r in back["rows"][:15]]
    assert [float(r[5].sort) for r in rows] == pytest.approx(
        [r["value_if_alive"] for r in back["rows"][:15]]
    )
    total = f"{back['total_value']:,.2f}"
    assert f"of {len(back['rows']):,} customers" in shown["table-winback"].title
    assert total in shown["table-winback"].title


def test_uci_numbers(uci):
    """115 customers of UCI Online Retail: one value to target, 28 to win back."""
    section, shown = views(uci)
    assert "Target: first_order_value = Q4 > " in "\n".join(section.notes)
    assert any(n.startswith("left out, one value for every customer") for n in section.notes)
    assert "of 28 customers" in shown["table-winback"].title
    assert [r[0].text for r in shown["table-levers"].rows] == ["2011-Q2"]


def test_the_dashboard_serves_the_views(demo):
    from payback.server import create_app

    with warnings.catch_warnings():  # starlette asks for the httpx2 fork; httpx works the same
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    with TestClient(create_app(demo[0]), base_url="http://127.0.0.1") as client:
        r = client.get("/api/segments")
    assert r.status_code == 200, r.text
    body = r.json()
    ids = [t["id"] for t in body["tables"]]
    assert {"table-profile-targets", "table-profile", "table-levers", "table-winback"} <= set(ids)
    assert "fig-levers" in [f["id"] for f in body["figures"]]
    _, shown = views(demo[0])
    served = next(t for t in body["tables"] if t["id"] == "table-winback")
    assert [r["cells"][0]["text"] for r in served["rows"]] == [
        r[0].text for r in shown["table-winback"].rows
    ]
