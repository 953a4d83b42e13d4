"""A transaction file (`payback ltv fit|summary|check -t FILE`) with a value or a time the
summary cannot read is refused with its line, column, cell, how many rows are like it
and the fix.

Before, DuckDB's conversion error stopped the command with a Python traceback
("ConversionException: Could not convert string '29,33' to DOUBLE"): the CDNOW 1/10
sample as a European spreadsheet writes it (semicolons, decimal commas), a value with a
currency sign, a date that does not exist, or a `--date-format` that does not fit.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from payback.cli import main
from payback.clv import summary_from_transactions
from payback.errors import InputError

COLUMNS = "customer_id=customer,time=date,revenue=dollars"


@pytest.fixture(scope="module")
def sample(cdnow_sample) -> pd.DataFrame:
    """The CDNOW sample with its dates as shipped (YYYYMMDD) and dollars as text."""
    out = cdnow_sample.assign(date=cdnow_sample.date.dt.strftime("%Y%m%d"))
    return out.assign(dollars=out.dollars.map(lambda v: f"{v:.2f}"))


def _fit(capsys, path, *extra: str) -> tuple[int, str]:
    args = ["--map", COLUMNS, "--date-format", "%Y%m%d", "--freq", "D", "--unit", "W"]
    code = main(["ltv", "fit", "-t", str(path), *args, "--observation-end", "1997-09-30", *extra])
    out = capsys.readouterr()
    return code, " ".join(out.err.split()) + out.out


def test_decimal_commas_are_refused_by_line_and_column(sample, tmp_path, capsys):
    european = tmp_path / "cdnow_eu.csv"
    sample.assign(dollars=sample.dollars.str.replace(".", ",")).to_csv(
        european, sep=";", index=False
    )
    code, text = _fit(capsys, european, "--model", "gg")
    assert code == 2 and "Traceback" not in text
    first = sample.dollars.iloc[0].replace(".", ",")  # 29,33
    assert (
        f"{european}, line 2, column 'dollars': got '{first}', expected a number like 1234.56 "
        f"(6,919 row(s) like it). Fix: write numbers with a decimal point" in text
    )


def test_a_currency_sign_and_an_impossible_date_name_their_first_line(sample, tmp_path, capsys):
    rows = sample.copy()
    rows.loc[[10, 20], "dollars"] = ["$" + rows.dollars[10], "n/a"]
    signed = tmp_path / "signed.csv"
    rows.to_csv(signed, index=False)
    code, text = _fit(capsys, signed)
    assert code == 2
    assert f"line 12, column 'dollars': got '${sample.dollars[10]}'" in text
    assert "(2 row(s) like it)" in text
    dated = sample.copy()
    dated.loc[5, "date"] = "19971301"  # month 13
    path = tmp_path / "dated.csv"
    dated.to_csv(path, index=False)
    code, text = _fit(capsys, path)
    assert code == 2
    assert (
        f"{path}, line 7, column 'date': got '19971301', expected a time written %Y%m%d "
        "(1 row(s) like it). Fix: correct the cell, or give the format the file uses with "
        "--date-format" in text
    )


def test_iso_dates_without_a_format_and_a_wrong_format(sample, tmp_path):
    frame = sample.assign(date=pd.to_datetime(sample.date).dt.strftime("%Y-%m-%d"))
    frame.loc[3, "date"] = "1997-02-30"
    with pytest.raises(InputError, match=r"row 4, column 'date': got '1997-02-30', expected a "
                       r"date like 2024-03-31"):  # fmt: skip
        summary_from_transactions(frame, mapping=COLUMNS)
    with pytest.raises(InputError, match=r"got '19970101', expected a time written DD/MM/YYYY "
                       r"\(6,919 row\(s\) like it\)"):  # fmt: skip
        summary_from_transactions(sample, mapping=COLUMNS, date_format="DD/MM/YYYY")


def test_the_corrected_file_fits_the_published_bgnbd(sample, tmp_path, capsys):
    path = tmp_path / "cdnow.csv"
    sample.to_csv(path, index=False)
    code, text = _fit(capsys, path, "-f", "json")
    assert code == 0
    rows = {r["parameter"]: r["estimate"] for r in json.loads(text)["rows"]}
    # Fader, Hardie & Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426
    assert rows == pytest.approx({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, abs=6e-4)
