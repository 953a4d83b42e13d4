"""``payback bids``: errors name the flags; upload files and back-test through the CLI."""

from __future__ import annotations

import json

import pytest

from payback.cli import main


@pytest.fixture
def db(tmp_path):
    from payback.store import open_store

    from .conftest import write_account

    path = tmp_path / "account.duckdb"
    with open_store(path) as store:
        write_account(store)
    return str(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target-cpo", "30", "--target-drr", "5%"], "give exactly one target: --target-cpa"),
        (["--target-cpo", "30", "--tolerance", "40%"], "--tolerance out of range: got 0.4"),
        (["--target-cpo", "30", "--pause-below", "2"], "--pause-below out of range: got 2.0"),
        (["--target-drr", "150%"], "target DRR must be a share"),
        (["--target-cpo", "30", "-f", "adwords"], "unknown format 'adwords'"),
    ],
)
def test_errors_name_the_flag(capsys, db, args, message):
    assert main(["bids", "recommend", "--db", db, *args]) == 2
    assert message in capsys.readouterr().err


def test_upload_file_and_json(capsys, db, tmp_path):
    out = tmp_path / "editor.csv"
    args = ["bids", "recommend", "--db", db, "--target-cpo", "30"]
    assert main([*args, "-f", "google-editor", "-o", str(out)]) == 0
    assert "keyword changes written to" in capsys.readouterr().err
    lines = out.read_text().splitlines()
    assert lines[0] == "Campaign,Ad group,Keyword,Criterion Type,Max CPC,Status"
    assert "Brand,Brand,payback tea,Exact,0.65," in lines
    assert main([*args, "-f", "json", "--changes-only"]) == 0
    doc = json.loads(capsys.readouterr().out)
    actions = {r["keyword"]: r["action"] for r in doc["rows"]}
    assert actions["cup set"] == "pause" and "iron teapot" not in actions


def test_backtest_weekly_csv(capsys):
    assert main(["bids", "backtest", "--runs", "1", "--weeks", "4", "--weekly", "-f", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("strategy,week,distance,distance_small")
    assert len(lines) == 1 + 5 * 4
