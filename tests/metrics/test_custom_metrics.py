"""Your own metrics from a TOML file: in metrics, --list, the report, the dashboard and calc.

The numbers are recomputed with pandas from tests/data/ingest/meta_post_shares.csv (a Meta
Ads Manager export with Post shares, Post comments and ThruPlays columns); bad files give
errors naming the file, the line and the fix.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from payback.cli import main
from payback.ingest import import_file, undo_import
from payback.metrics import CATALOGUE, compute_metrics
from payback.metrics.custom import (
    ENV,
    MetricsFileError,
    forget_custom_metrics,
    read_metrics_file,
    use_metrics_file,
)
from payback.store import open_store

META = Path(__file__).resolve().parents[1] / "data" / "ingest" / "meta_post_shares.csv"
GOOD = """\
# my metrics
[columns.post_shares]
header = "Post shares"

[columns.comments]
header = "post comments"      # case and blanks do not matter
label = "Comments"

[metrics.cost_per_share]
label = "Cost / share"
formula = "cost / post_shares"
unit = "money"
better = "lower"
description = "Ad spend per share of a post."

[metrics.shares_per_mille]
formula = "post_shares / impressions * 1000"
unit = "ratio"
better = "higher"

[metrics.value_per_click]
formula = "revenue / clicks"
unit = "money"
better = "higher"
"""


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    forget_custom_metrics()
    yield
    forget_custom_metrics()


@pytest.fixture
def metrics_file(tmp_path) -> Path:
    path = tmp_path / "my-metrics.toml"
    path.write_text(GOOD)
    return path


def _export() -> pd.DataFrame:
    frame = pd.read_csv(META)
    return frame[frame.Day.notna()]  # the summary row has no day


def test_custom_metrics_at_every_grain_are_ratios_of_sums(metrics_file):
    loaded = use_metrics_file(metrics_file)
    assert [c.name for c in loaded.columns] == ["post_shares", "comments"]
    store = open_store(":memory:")
    result = import_file(store, "ads", META, metrics_file=metrics_file)
    assert result.kept == (("post_shares", "Post shares"), ("comments", "Post comments"))
    got = compute_metrics(
        store, by="campaign", metrics="cost,post_shares,comments,cost_per_share,shares_per_mille"
    )
    frame = got.frame[~got.frame.is_total].set_index("campaign")
    ads = _export().groupby("Campaign name")
    cost, shares = ads["Amount spent (USD)"].sum(), ads["Post shares"].sum()
    for campaign in cost.index:
        row = frame.loc[campaign]
        assert row.post_shares == shares[campaign]
        assert row.comments == ads["Post comments"].sum()[campaign]
        assert row.cost_per_share == pytest.approx(cost[campaign] / shares[campaign])
        assert row.shares_per_mille == pytest.approx(
            shares[campaign] / ads["Impressions"].sum()[campaign] * 1000
        )
    assert frame.loc["Prospecting", "cost_per_share"] == pytest.approx(315.15 / 73)
    paid = got.frame[got.frame.total_kind == "paid"].iloc[0]
    assert paid.cost_per_share == pytest.approx(460.40 / 93)  # not a mean of the rows


def test_a_zero_denominator_is_missing_with_its_reason(metrics_file):
    use_metrics_file(metrics_file)
    store = open_store(":memory:")
    import_file(store, "ads", META, metrics_file=metrics_file)
    got = compute_metrics(store, by="keyword", metrics="cost_per_share", where=["date=2024-10-01"])
    rows = got.frame[~got.frame.is_total].set_index("keyword")
    assert rows.loc["Dynamic", "cost_per_share"] is pd.NA  # 0 shares that day
    assert rows.loc["Video A", "cost_per_share"] == pytest.approx(120.50 / 25)
    assert "no Post shares" in got.reasons["cost_per_share"]


def test_kept_columns_go_with_their_import(tmp_path):
    store = open_store(":memory:")
    first = import_file(store, "ads", META, keep=["Post shares", "views=ThruPlays"])
    count = "SELECT name, count(*), sum(value) FROM ad_extras GROUP BY name ORDER BY name"
    assert store.backend.con.execute(count).fetchall() == [
        ("post_shares", 5, 93.0),
        ("views", 2, 4010.0),  # empty cells keep no row
    ]
    again = import_file(store, "ads", META, keep=["Post shares"])
    assert store.backend.con.execute(count).fetchall() == [("post_shares", 5, 93.0)]
    undo_import(store, again.import_id)  # the first import, with its ThruPlays, is back
    assert store.backend.con.execute(count).fetchall()[1] == ("views", 2, 4010.0)
    undo_import(store, first.import_id)
    assert store.row_count("ad_extras") == 0


def test_keep_names_a_header_the_file_lacks_with_the_closest(tmp_path):
    store = open_store(":memory:")
    with pytest.raises(Exception, match=r"--keep 'Post share': the file has no column") as e:
        import_file(store, "ads", META, keep=["Post share"])
    assert "did you mean 'Post shares'" in str(e.value)
    with pytest.raises(Exception, match="--keep applies to ads imports"):
        import_file(store, "orders", META, keep=["Post shares"])
    assert store.row_count("ad_stats") == 0


def test_metrics_list_report_dashboard_and_calc_know_them(metrics_file, tmp_path, capsys):
    db = str(tmp_path / "s.duckdb")
    assert main(["import", "ads", str(META), "--db", db, "--metrics-file", str(metrics_file)]) == 0
    assert "kept                  post_shares=Post shares, comments=Post comments" in (
        capsys.readouterr().out
    )
    assert main(["metrics", "--list", "-f", "csv", "--metrics-file", str(metrics_file)]) == 0
    listed = capsys.readouterr().out
    assert "cost_per_share,Cost / share,cost / post_shares,money,lower," in listed
    args = ["metrics", "--by", "campaign", "-m", "cost_per_share", "-f", "json", "--db", db]
    assert main([*args, "--metrics-file", str(metrics_file)]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["cost_per_share"] == pytest.approx(315.15 / 73)
    calc = ["calc", "metric", "cost_per_share", "cost=100", "post_shares=20", "--json"]
    assert main([*calc, "--metrics-file", str(metrics_file)]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == 5.0
    forget_custom_metrics()
    html = tmp_path / "r.html"
    assert main(["report", "--db", db, "-o", str(html), "--metrics-file", str(metrics_file)]) == 0
    assert "Cost / share" in html.read_text()
    from payback.report.views import table_metrics

    assert table_metrics()[-3:] == ("cost_per_share", "shares_per_mille", "value_per_click")


def test_the_variable_and_the_default_file_are_read(metrics_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(ENV, str(metrics_file))
    assert main(["calc", "metric", "value_per_click", "revenue=30", "clicks=10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == 3.0
    forget_custom_metrics()
    monkeypatch.delenv(ENV)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "payback-metrics.toml").write_text(GOOD)
    assert main(["calc", "metric", "cost_per_share", "cost=9", "post_shares=3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == 3.0


def test_the_dashboard_api_serves_them(metrics_file, tmp_path):
    import warnings

    with warnings.catch_warnings():  # starlette asks for the httpx2 fork; httpx works the same
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    from payback.server.app import create_app

    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        import_file(store, "ads", META, metrics_file=metrics_file)
    use_metrics_file(metrics_file)
    with TestClient(create_app(str(db), warm=False), base_url="http://127.0.0.1") as client:
        got = client.get("/api/metrics", params={"by": "campaign", "metrics": "cost_per_share"})
        assert got.status_code == 200, got.text
        rows = [r for r in got.json()["rows"] if r.get("campaign") == "Retargeting"]
        assert rows[0]["cost_per_share"] == pytest.approx(145.25 / 20)
        names = [m["name"] for m in client.get("/api/catalogue").json()["metrics"]]
        assert "cost_per_share" in names


BAD = [
    ('[metrics.cpo]\nformula = "cost / orders"\nunit = "money"\nbetter = "lower"\n', 1,
     "'cpo' is a name payback has already", "choose another name, e.g. my_cpo"),
    ('[metrics.x]\nformula = "cost / post_share"\nunit = "money"\nbetter = "lower"\n', 2,
     "unknown name 'post_share'", "[columns.NAME] of this file"),
    ('[metrics.x]\nformula = "cost / cpo"\nunit = "money"\nbetter = "lower"\n', 2,
     "'cpo', is not a sum", "divide by a sum"),
    ('[metrics.x]\nformula = "cost / clicks"\nunit = "euro"\nbetter = "lower"\n', 3,
     "unit of 'x' must be one of money, count, rate, ratio, got 'euro'", 'unit = "money"'),
    ('[metrics.x]\nformula = "cost / clicks"\nunit = "money"\nbetter = "less"\n', 4,
     "better of 'x' must be one of lower, higher, none, got 'less'", 'better = "lower"'),
    ('[metrics.x]\nformula = "cost / clicks"\nunit = "money"\nbetter = "lower"\ncolour = 1\n',
     5, "unknown key 'colour' in [metrics.x]", "expected some of label, formula"),
    ('[metrics.x]\nformula = "cost // clicks"\n', 2, "is not one of a / b", "two catalogue"),
    ('[metrics.x]\nformula = "cost / clicks\n', 2, "not valid TOML", "double quotes"),
    ('[columns.shares]\nlabel = "Shares"\n', 1, "column 'shares' has no header",
     'header = "Post shares"'),
    ('[metric.x]\nformula = "cost / clicks"\n', 1, "unknown section 'metric'",
     "[metrics.NAME]"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "problem", "fix"), BAD)
def test_a_bad_file_names_the_file_line_and_fix(tmp_path, text, line, problem, fix):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(MetricsFileError) as caught:
        read_metrics_file(path)
    e = caught.value
    assert (e.file, e.line) == (str(path), line)
    message = str(e)
    assert message.startswith(f"{path}, line {line}: ") and problem in message
    assert fix in message.split(". Fix: ", 1)[1]


def test_the_command_shows_the_error_and_registers_nothing(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(BAD[3][0])
    assert main(["metrics", "--list", "--metrics-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}, line 3: unit of 'x' must be one of money")
    assert "x" not in CATALOGUE
    assert main(["metrics", "--list", "--metrics-file", str(tmp_path / "none.toml")]) == 2
    assert "none.toml: no such file (named by --metrics-file)" in capsys.readouterr().err


def test_a_file_read_twice_registers_once_and_a_clash_is_refused(metrics_file, tmp_path):
    use_metrics_file(metrics_file)
    use_metrics_file(metrics_file)  # the same definitions: nothing changes
    other = tmp_path / "other.toml"
    other.write_text(GOOD.replace("cost / post_shares", "cost / comments"))
    with pytest.raises(MetricsFileError, match="line 2: 'post_shares' is defined already by"):
        use_metrics_file(other)
    assert CATALOGUE["cost_per_share"].denominator == "post_shares"


def test_a_long_file_of_extra_values_imports_as_ad_extras(metrics_file, tmp_path):
    """Values an export does not carry (shares counted elsewhere) come as a long file."""
    use_metrics_file(metrics_file)
    store = open_store(":memory:")
    import_file(store, "ads", META)  # no column kept
    long = tmp_path / "shares.csv"
    long.write_text(
        "date,platform,campaign,ad_group,keyword,name,value\n"
        "2024-10-01,meta,Prospecting,Lookalike 1%,Video A,post_shares,30\n"
        "2024-10-02,meta,Retargeting,Cart abandoners,Dynamic,post_shares,10\n"
    )
    assert import_file(store, "ad-extras", long).rows_in_store == 2
    got = compute_metrics(store, by="campaign", metrics="cost,post_shares,cost_per_share")
    frame = got.frame[~got.frame.is_total].set_index("campaign")
    assert frame.loc["Prospecting", "cost_per_share"] == pytest.approx(315.15 / 30)
    assert frame.loc["Retargeting", "cost_per_share"] == pytest.approx(145.25 / 10)
