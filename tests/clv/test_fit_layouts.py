"""`payback ltv fit --input` reads the published layouts (Hardie's BTYD, pymc-marketing),
fits one model per `--segment`, and says the time unit of its rates.

Golden values: Fader, Hardie and Lee (2005) BG/NBD on CDNOW (weeks) r=0.243,
alpha=4.414, a=0.793, b=2.426; Fader and Hardie (2007) sBG "highend" alpha=0.668,
beta=3.806 and "regular" alpha=0.704, beta=1.182.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from payback.clv import fit_table
from payback.clv.layouts import standard_columns
from payback.errors import InputError

BGNBD_CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
SBG = {"highend": {"alpha": 0.668, "beta": 3.806}, "regular": {"alpha": 0.704, "beta": 1.182}}


def _fit(args):
    from payback.cli import app

    out = CliRunner().invoke(app, ["ltv", "fit", *args, "--format", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def _estimates(doc, **where):
    rows = [r for r in doc["rows"] if all(r[k] == v for k, v in where.items())]
    return {r["parameter"]: r["estimate"] for r in rows}


@pytest.mark.parametrize(
    "name", ["cdnow_customers_summary_with_transactions.csv", "cdnowSummary_cbs.csv"]
)
def test_cdnow_summaries_fit_as_published(public_data, name):
    doc = _fit(["--input", str(public_data / "cdnow" / name), "--freq", "W"])
    assert _estimates(doc) == pytest.approx(BGNBD_CDNOW, abs=6e-4)
    assert doc["period"] == "week" and "(per week)" in doc["title"]


def test_sbg_cohorts_one_fit_per_segment(public_data):
    path = public_data / "sbg" / "sbg_cohorts.csv"
    doc = _fit(["--model", "sbg", "--input", str(path), "--segment", "cohort"])
    for cohort, published in SBG.items():
        assert _estimates(doc, cohort=cohort) == pytest.approx(published, abs=6e-4)
    assert {r["n_customers"] for r in doc["rows"]} == {1000}
    assert doc["period"] is None and "time unit of the file" in doc["title"]


def test_sbg_records_are_the_published_survivor_counts(public_data):
    frame = pd.read_csv(public_data / "sbg" / "sbg_cohorts.csv")
    high = standard_columns(frame[frame.cohort == "highend"], "sbg")
    # Fader and Hardie (2007) table 1, high end: 1000, 869, 743, 653, 593, 551, 517, 491
    lost = [int((high.churned & (high.periods <= k)).sum()) for k in range(8)]
    assert [1000 - n for n in lost] == [1000, 869, 743, 653, 593, 551, 517, 491]
    assert set(high.periods[~high.churned]) == {7}


def test_store_fit_names_its_period(tmp_path):
    from payback.demo import generate_shop
    from payback.store import open_store

    path = tmp_path / "s.duckdb"
    store = open_store(path)
    store.write(generate_shop(400, seed=3).tables)
    store.close()
    day = _fit(["--db", str(path)])
    week = _fit(["--db", str(path), "--freq", "W"])
    assert day["period"] == "day" and week["period"] == "week"
    assert "(per day)" in day["title"] and "(per week)" in week["title"]
    # alpha is a time scale: in days it is several times its value in weeks (not exactly
    # 7, since orders in the same week count once in the weekly summary)
    assert 4 < _estimates(day)["alpha"] / _estimates(week)["alpha"] <= 7


def test_ambiguous_aliases_and_missing_segment_are_refused(public_data, tmp_path):
    with pytest.raises(InputError, match="both mean 'recency'"):
        standard_columns(pd.DataFrame({"t_x": [1.0], "t.x": [1.0]}), "bgnbd")
    from payback.cli import app

    path = public_data / "sbg" / "sbg_cohorts.csv"
    out = CliRunner().invoke(
        app, ["ltv", "fit", "-m", "sbg", "--input", str(path), "--segment", "plan"]
    )
    assert out.exit_code != 0 and "no column 'plan'" in str(out.output) + str(out.exception)


def test_fit_table_fits_the_published_layouts_from_python(public_data):
    # what `payback ltv fit --input` does, as a library call: Hardie's column names
    cbs = pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv")
    fit = fit_table(cbs, "bgnbd")
    got = {"r": fit.r, "alpha": fit.alpha, "a": fit.a, "b": fit.b}
    assert got == pytest.approx(BGNBD_CDNOW, abs=6e-4)
    cohorts = pd.read_csv(public_data / "sbg" / "sbg_cohorts.csv")
    for cohort, published in SBG.items():
        part = cohorts[cohorts.cohort == cohort].drop(columns=["cohort"])
        sbg = fit_table(part, "SBG")
        assert {"alpha": sbg.alpha, "beta": sbg.beta} == pytest.approx(published, abs=6e-4)


def test_fit_table_names_the_argument_it_refuses():
    with pytest.raises(InputError, match=r"^unknown model 'weibull': expected one of bgnbd"):
        fit_table(pd.DataFrame({"x": [1]}), "weibull")
