"""``payback import`` end to end: the summary it prints, options, and a store file."""

from __future__ import annotations

import pandas as pd
import pytest

from payback.cli import main
from payback.store import open_store

from .conftest import totals


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_import_prints_the_summary(data, tmp_path, capsys):
    db = str(tmp_path / "p.duckdb")
    code, out, err = _run(
        ["import", "ads", str(data / "google_ads_keywords.csv"), "--db", db], capsys
    )
    assert (code, err) == (0, "")
    assert "Imported ads" in out
    for line in (
        "rows read",
        "rows now in ad_stats",
        "google (Google Ads UI report)",
        "2024-10-01 to 2024-10-03",
        "USD",
        'warning: 2 "Total" row(s) at the end',
    ):
        assert line in out
    with open_store(db) as store:
        assert store.row_count("ad_stats") == 6


def test_cli_generic_map_set_and_currency(public_data, tmp_path, capsys):
    db = str(tmp_path / "p.duckdb")
    path = public_data / "ads" / "KAG_conversion_data.csv"
    code, out, _ = _run(
        [
            "import",
            "ads",
            str(path),
            "--platform",
            "generic",
            "--map",
            "cost=Spent,campaign=xyz_campaign_id",
            "--map",
            "ad_group=fb_campaign_id,keyword=ad_id",
            "--set",
            "date=2017-08-31",
            "--set",
            "platform=meta",
            "--currency",
            "USD",
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0
    assert "1,143" in out
    spent = pd.read_csv(path, encoding="utf-8-sig")["Spent"].sum()
    with open_store(db) as store:
        assert totals(store, "ad_stats", "cost")["cost"] == pytest.approx(spent)


def test_cli_orders_warns_about_unattributed_and_leads_dedupe(data, tmp_path, capsys):
    db = str(tmp_path / "p.duckdb")
    code, out, _ = _run(
        [
            "import",
            "orders",
            str(data / "orders_utm.csv"),
            "--db",
            db,
            "--source-map",
            "newsletter=email",
        ],
        capsys,
    )
    assert code == 0
    assert "without attribution" in out
    assert "warning: 1 of 7 orders have no attribution" in out
    code, out, _ = _run(
        ["import", "leads", str(data / "leads.csv"), "--db", db, "--dedupe-window", "24h"], capsys
    )
    assert code == 0
    assert "marked duplicate" in out


def test_cli_bad_option_is_an_error(data, tmp_path, capsys):
    code, _, err = _run(
        [
            "import",
            "ads",
            str(data / "google_ads_keywords.csv"),
            "--db",
            str(tmp_path / "p.duckdb"),
            "--dedupe-window",
            "soon",
        ],
        capsys,
    )
    assert code == 2
    assert err == ("error: --dedupe-window applies to leads imports only\n")
    code, _, err = _run(
        [
            "import",
            "leads",
            str(data / "leads.csv"),
            "--db",
            str(tmp_path / "p.duckdb"),
            "--dedupe-window",
            "soon",
        ],
        capsys,
    )
    assert err == (
        "error: --dedupe-window 'soon': expected a duration like 30m, 24h, 7d or "
        "1d12h (units s, m, h, d, w)\n"
    )


def test_cli_help_has_examples(capsys):
    code, out, _ = _run(["import", "--help"], capsys)
    assert code == 0
    assert "payback import ads google_ads_keywords.csv" in out


def test_cli_db_in_a_missing_folder_is_refused(data, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "nonexistent" / "dir"
    code, out, err = _run(
        ["import", "ads", str(data / "google_ads_keywords.csv"), "--db", str(folder / "s.duckdb")],
        capsys,
    )
    assert (code, out) == (2, "")
    assert err == (
        f"error: cannot create the store {folder / 's.duckdb'}: the folder {folder} does not "
        f"exist. Create it first (mkdir -p {folder}) or give --db (or PAYBACK_DB) a file in an "
        "existing folder\n"
    )
    assert not (tmp_path / "nonexistent").exists()
    # the default store, in the current folder, is created as before
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PAYBACK_DB", raising=False)
    code, _, err = _run(["import", "ads", str(data / "google_ads_keywords.csv")], capsys)
    assert (code, err) == (0, "")
    assert (tmp_path / "payback.duckdb").is_file()
