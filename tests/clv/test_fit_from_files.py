"""Fits from files: the lifetimes/BTYD/pymc-marketing summary layouts as shipped (with
BTYD's ``custs`` as weights) and transaction files summarised on the way to a fit.

Golden values: Fader, Hardie & Shang (2010) BG/BB on the 1995 donations cohort
alpha=1.204, beta=0.750, gamma=0.657, delta=2.783, LL=-33,225.6 (11,104 donors);
Fader, Hardie & Lee (2005) BG/NBD on the CDNOW sample (weeks) r=0.243, alpha=4.414,
a=0.793, b=2.426.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

BGBB_DONATIONS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
BGNBD_CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _run(args):
    from payback.cli import app

    return CliRunner().invoke(app, ["ltv", *args])


def _fit(args):
    out = _run(["fit", *args, "--format", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def _estimates(doc):
    return {r["parameter"]: r["estimate"] for r in doc["rows"]}


@pytest.mark.parametrize(
    "name",
    [
        "donations.csv",  # lifetimes: frequency, recency, periods, weights
        "donationsSummary_rf_matrix.csv",  # BTYD: x, t.x, n.cal, custs, x.star
    ],
)
def test_donations_layouts_reproduce_the_published_bgbb_fit(public_data, name):
    doc = _fit(["--model", "bgbb", "--input", str(public_data / "donations" / name)])
    assert _estimates(doc) == pytest.approx(BGBB_DONATIONS, abs=6e-4)
    assert "-33,225.58" in doc["title"] and "11,104 customers" in doc["title"]


def test_custs_are_weights_not_rows(public_data):
    from payback.clv import fit_table

    rf = pd.read_csv(public_data / "donations" / "donationsSummary_rf_matrix.csv")
    weighted = fit_table(rf, "bgbb")
    assert weighted.n_customers == rf.custs.sum() == 11104
    assert weighted.log_likelihood == pytest.approx(-33225.6, abs=0.05)
    # the same fit as the lifetimes layout, row for row weights == custs
    lifetimes = pd.read_csv(public_data / "donations" / "donations.csv")
    assert fit_table(lifetimes, "bgbb").params == pytest.approx(weighted.params, rel=1e-9)


@pytest.fixture(scope="module")
def cdnow_csv(public_data, tmp_path_factory):
    """The CDNOW 1/10 sample as a transaction CSV with a header, dates as written
    (YYYYMMDD): what a user exports from a shop."""
    tx = pd.read_csv(
        public_data / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "cust", "date", "cds", "dollars"],
    )
    path = tmp_path_factory.mktemp("tx") / "cdnow_transactions.csv"
    tx.to_csv(path, index=False)
    return path


CDNOW_ARGS = [
    "--map",
    "customer_id=cust,time=date,revenue=dollars",
    "--date-format",
    "%Y%m%d",
    "--freq",
    "D",
    "--unit",
    "W",
    "--observation-end",
    "1997-09-30",
]


def test_transactions_fit_as_published(cdnow_csv):
    doc = _fit(["--transactions", str(cdnow_csv), *CDNOW_ARGS])
    assert _estimates(doc) == pytest.approx(BGNBD_CDNOW, abs=6e-4)
    assert "-9,582.43" in doc["title"] and "2,357 customers" in doc["title"]
    assert doc["period"] == "week"


def test_transactions_summary_is_the_btyd_summary(public_data, cdnow_csv):
    from payback.clv import summary_from_transactions

    got = summary_from_transactions(
        cdnow_csv,
        mapping={"customer_id": "cust", "time": "date", "revenue": "dollars"},
        date_format="%Y%m%d",
        unit="W",
        observation_end="1997-09-30",
    )
    cbs = pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv")
    m = got.merge(cbs, on="cust", validate="1:1")
    assert len(m) == 2357
    assert (m.frequency == m.x).all()
    assert m.recency.to_numpy() == pytest.approx(m["t.x"].to_numpy(), rel=1e-12)
    assert m["T"].to_numpy() == pytest.approx(m["T.cal"].to_numpy(), rel=1e-12)
    assert m.monetary_value.fillna(0.0).to_numpy() == pytest.approx(m["m.x"].to_numpy())


def test_summary_of_a_transaction_file_with_its_holdout(public_data, cdnow_csv):
    # `ltv summary -t`: BTYD's cdnowSummary$cbs, holdout purchases x.star included
    args = CDNOW_ARGS[:-2]  # without --observation-end 1997-09-30
    out = _run(["summary", "-t", str(cdnow_csv), *args, "--as-of", "1998-06-30",
                "--calibration-end", "1997-09-30", "--format", "csv"])  # fmt: skip
    assert out.exit_code == 0, out.output
    got = pd.read_csv(io.StringIO(out.stdout))
    cbs = pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv")
    m = got.merge(cbs, on="cust", validate="1:1")
    assert len(m) == 2357
    assert (m.frequency == m.x).all() and (m.frequency_holdout == m["x.star"]).all()
    assert m.recency.to_numpy() == pytest.approx(m["t.x"].to_numpy(), rel=1e-9)
    assert (m.duration_holdout == 39.0).all()


@pytest.mark.parametrize("cust", [1, 2, 4, 17, 1000, 2357])
def test_transactions_summary_by_hand(cdnow_csv, cust):
    # pandas, one customer at a time: distinct purchase days up to 1997-09-30
    from payback.clv import summary_from_transactions

    tx = pd.read_csv(cdnow_csv)
    tx["day"] = pd.to_datetime(tx.date.astype(str), format="%Y%m%d")
    mine = tx[(tx.cust == cust) & (tx.day <= "1997-09-30")]
    per_day = mine.groupby("day").dollars.sum().sort_index()
    first = per_day.index[0]
    expected = {
        "frequency": len(per_day) - 1,
        "recency": (per_day.index[-1] - first).days / 7,
        "T": (pd.Timestamp("1997-09-30") - first).days / 7,
    }
    got = summary_from_transactions(
        tx[["cust", "day", "dollars"]],
        mapping="customer_id=cust,time=day,revenue=dollars",
        unit="W",
        observation_end="1997-09-30",
    ).set_index("cust")
    row = got.loc[cust]
    assert {k: row[k] for k in expected} == pytest.approx(expected)
    if len(per_day) > 1:
        assert row.monetary_value == pytest.approx(per_day.iloc[1:].mean())
    else:
        assert pd.isna(row.monetary_value)


def test_parquet_transactions_fit_gamma_gamma(cdnow_csv, tmp_path):
    # Fader & Hardie (2013) Gamma-Gamma on the CDNOW calibration repeat buyers:
    # p = 6.25, q = 3.74, gamma = 15.44 (payback names gamma v)
    tx = pd.read_csv(cdnow_csv)
    tx["time"] = pd.to_datetime(tx.date.astype(str), format="%Y%m%d")
    tx = tx.rename(columns={"cust": "customer_id", "dollars": "revenue"})
    path = tmp_path / "cdnow.parquet"
    tx[["customer_id", "time", "revenue"]].to_parquet(path)
    doc = _fit(["-m", "gg", "-t", str(path), "--unit", "W", "--as-of", "1997-09-30"])
    got = _estimates(doc)
    assert got == pytest.approx({"p": 6.25, "q": 3.74, "v": 15.44}, abs=6e-3)


def test_missing_columns_name_the_file_the_columns_and_the_fix(cdnow_csv):
    out = _run(["fit", "--transactions", str(cdnow_csv)])
    text = str(out.output) + str(out.exception)
    assert out.exit_code != 0
    assert f"{cdnow_csv}: no column 'customer_id' for customer_id" in text
    assert "master_id, cust, date, cds, dollars" in text
    assert "--map customer_id=COLUMN" in text
    out = _run(["fit", "-t", str(cdnow_csv), "--map", "customer_id=cust,time=date,revenue=usd"])
    assert "--map revenue=usd: no column 'usd' for revenue" in str(out.output) + str(out.exception)
    # no value column: the count models fit, Gamma-Gamma says what it needs
    out = _run(
        [
            "fit",
            "-m",
            "gg",
            "-t",
            str(cdnow_csv),
            "--map",
            "customer_id=cust,time=date",
            "--date-format",
            "%Y%m%d",
        ]
    )
    assert "--map revenue=COLUMN" in str(out.output) + str(out.exception)


def test_a_transaction_file_given_as_a_summary_says_how_to_fit_it(cdnow_csv, capsys):
    """`--input` with one row per purchase: the error named payback.clv.summarize() and
    neither the file nor the way in; it now names both (as flags on the command line, as
    arguments in Python), and the way it gives fits Fader, Hardie & Lee's BG/NBD."""
    from payback.cli import main
    from payback.clv import read_summary_file
    from payback.errors import InputError

    assert main(["ltv", "fit", "--input", str(cdnow_csv)]) == 2
    text = " ".join(capsys.readouterr().err.split())
    assert f"{cdnow_csv}: no column frequency (or x), recency (or t_x, t.x), T (or T.cal)" in text
    assert "the file has columns master_id, cust, date, cds, dollars" in text
    assert "--transactions FILE, its columns named with --map customer_id=COLUMN" in text
    assert "summarize()" not in text
    with pytest.raises(InputError, match=r"monetary_value \(or zbar, m.x\) for the gg model"):
        read_summary_file(cdnow_csv, "gg")
    with pytest.raises(InputError, match="transaction file: transactions FILE"):
        read_summary_file(cdnow_csv, "bgnbd")
    fitted = _fit(["--transactions", str(cdnow_csv), *CDNOW_ARGS])
    assert _estimates(fitted) == pytest.approx(BGNBD_CDNOW, abs=6e-4)


def test_a_summary_from_a_european_spreadsheet_reads_or_names_its_cell(public_data, tmp_path):
    """BTYD's cdnowSummary$cbs saved with semicolons fits as published (it was a pandas
    ParserError traceback); a decimal comma or `n/a` in a column the model reads is
    named by its line (`n/a` was read as NaN and reported as "row 1 (0-based): got nan")."""
    from payback.clv import fit_table, read_summary_file
    from payback.errors import InputError

    cbs = pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv")
    semi = tmp_path / "cbs_semicolons.csv"
    cbs.to_csv(semi, sep=";", index=False)
    fit = fit_table(read_summary_file(semi, "bgnbd"), "bgnbd")
    assert fit.params == pytest.approx(BGNBD_CDNOW, abs=6e-4)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    comma = tmp_path / "cbs_decimal_comma.csv"
    cbs.astype(str).apply(lambda c: c.str.replace(".", ",")).to_csv(comma, sep=";", index=False)
    x = str(cbs.x[0]).replace(".", ",")  # x is written 2.0 in the file: every x has a comma
    with pytest.raises(InputError, match=rf"line 2, column 'x': got '{x}', expected a number "
                       r"like 12.5 \(2,357 row\(s\) like it\)"):  # fmt: skip
        read_summary_file(comma, "bgnbd")
    cbs.astype(object).assign(x=["n/a", *cbs.x[1:]]).to_csv(tmp_path / "na.csv", index=False)
    with pytest.raises(InputError, match=r"line 2, column 'x': got 'n/a', expected a number"):
        read_summary_file(tmp_path / "na.csv", "bgnbd")


def test_an_unreadable_file_is_named(public_data):
    # CDNOW_sample.txt as shipped: no header, CRLF endings, runs of spaces
    path = public_data / "cdnow" / "CDNOW_sample.txt"
    out = _run(["fit", "-t", str(path)])
    text = str(out.output) + str(out.exception)
    assert out.exit_code != 0 and "Traceback" not in text
    assert f"{path}: no column 'customer_id'" in text and "without a header line" in text


def test_python_refuses_unknown_roles_and_empty_cells():
    from payback.clv import summary_from_transactions
    from payback.errors import InputError

    tx = pd.DataFrame({"c": ["a", None], "t": ["2024-01-01", "2024-01-02"]})
    with pytest.raises(InputError, match=r"--map 'amount': a transaction file has the columns"):
        summary_from_transactions(tx, mapping="customer_id=c,time=t,amount=v")
    with pytest.raises(InputError, match=r"column 'c' is empty in 1 row"):
        summary_from_transactions(tx, mapping="customer_id=c,time=t")


def test_the_pymc_marketing_bgbb_layout_one_row_per_donor(public_data, tmp_path):
    # pymc-marketing's BetaGeoBetaBinom data: customer_id, frequency, recency, T (the
    # opportunities), one row per customer; the donations expanded to their 11,104 donors
    d = pd.read_csv(public_data / "donations" / "donations.csv")
    donors = d.loc[d.index.repeat(d.weights), ["frequency", "recency", "periods"]]
    donors = donors.rename(columns={"periods": "T"}).reset_index(drop=True)
    donors.insert(0, "customer_id", range(len(donors)))
    path = tmp_path / "donors.parquet"
    donors.to_parquet(path)
    doc = _fit(["--model", "bgbb", "--input", str(path)])
    assert _estimates(doc) == pytest.approx(BGBB_DONATIONS, abs=6e-4)
    assert "-33,225.58" in doc["title"] and "11,104 customers" in doc["title"]


def test_a_file_and_the_store_give_one_summary(cdnow_orders, store, tmp_path):
    # the same purchases imported as the store's orders and written as a file: one rule
    import pyarrow as pa

    from payback.clv import customer_summary, summary_from_transactions

    store.write({"orders": pa.Table.from_pandas(cdnow_orders, preserve_index=False)})
    from_store = store.execute(customer_summary(store, freq="W").order_by("customer_id"))
    path = tmp_path / "orders.csv"
    cdnow_orders[["customer_id", "time", "revenue"]].to_csv(path, index=False)
    from_file = summary_from_transactions(path, freq="W")
    from_file["customer_id"] = from_file.customer_id.astype(str)
    assert len(from_file) == len(from_store) == 2358
    columns = ["frequency", "recency", "T", "monetary_value"]
    pd.testing.assert_frame_equal(
        from_file.set_index("customer_id")[columns],
        from_store.set_index("customer_id")[columns],
        check_index_type=False,
    )
