"""Every CLV read checks that the money of the confirmed orders is in one currency.

A store written through ``Store.write`` takes orders in any currency; ``ltv summary``,
``ltv cohorts``, ``ltv predict`` and the API must refuse to add EUR and USD together.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from payback.cli import main
from payback.clv import cohort_ltv, customer_summary, model_table, predict_ltv
from payback.errors import CurrencyError


def _orders(currencies, statuses=None):
    n = len(currencies)
    t = dt.datetime(2024, 1, 5)
    return pa.table(
        {
            "order_id": [str(i) for i in range(n)],
            "customer_id": ["a", "b", "a", "c"][:n],
            "time": [t + dt.timedelta(days=20 * i) for i in range(n)],
            "revenue": [100.0, 50.0, 70.0, 30.0][:n],
            "status": statuses or ["confirmed"] * n,
            "currency": currencies,
        }
    )


@pytest.fixture
def mixed(tmp_path):
    from payback.store import open_store

    path = tmp_path / "mixed.duckdb"
    with open_store(path) as store:
        store.write({"orders": _orders(["EUR", "USD", "EUR", "EUR"])})
    return str(path)


@pytest.mark.parametrize("command", [["summary"], ["cohorts"], ["predict"], ["fit"]])
def test_cli_refuses_mixed_currencies(mixed, capsys, command):
    assert main(["ltv", *command, "--db", mixed]) != 0
    err = capsys.readouterr().err
    assert "money in several currencies in the confirmed orders: EUR (3 rows), USD (1 row)" in err
    assert "payback import fx-rates" in err


def test_api_refuses_mixed_currencies(mixed):
    from payback.store import open_store

    with open_store(mixed, read_only=True) as store:
        for read in (
            lambda: store.execute(customer_summary(store)),
            lambda: cohort_ltv(store),
            lambda: predict_ltv(store),
            lambda: model_table(store, "gg"),
        ):
            with pytest.raises(CurrencyError, match=r"EUR \(3 rows\), USD \(1 row\)"):
                read()


def test_only_confirmed_orders_count_and_the_base_currency_must_match(store):
    # a cancelled USD order is not money the CLV adds: the EUR orders are read
    store.write({"orders": _orders(["EUR", "USD", "EUR"], ["confirmed", "cancelled", "confirmed"])})
    summary = store.execute(customer_summary(store))
    assert summary.set_index("customer_id").monetary_value.to_dict() == {"a": 70.0}
    # confirmed orders all in EUR in a USD store: refused, naming the base currency
    store.set_meta("base_currency", "USD")
    with pytest.raises(
        CurrencyError,
        match=r"EUR \(2 rows\) in the confirmed orders but the store.s base currency is USD",
    ):
        cohort_ltv(store)


# -- transaction files (`payback ltv summary|fit|check -t FILE`) ------------------------

CDNOW = ["--map", "customer_id=cust,time=date,revenue=dollars", "--date-format", "%Y%m%d",
         "--unit", "W", "--observation-end", "1997-09-30"]  # fmt: skip


@pytest.fixture(scope="module")
def cdnow_tx(public_data, tmp_path_factory):
    """The CDNOW 1/10 sample as a transaction CSV with a header (no currency column)."""
    import pandas as pd

    tx = pd.read_csv(
        public_data / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
        names=["master_id", "cust", "date", "cds", "dollars"],
    )  # fmt: skip
    path = tmp_path_factory.mktemp("tx") / "cdnow.csv"
    tx.to_csv(path, index=False)
    return path


def _with_currency(source, path, codes, column="currency"):
    import pandas as pd

    tx = pd.read_csv(source)
    tx[column] = codes(tx)
    tx.to_csv(path, index=False)
    return str(path)


def _ltv(capsys, *args):
    code = main(["ltv", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("command", "column"),
    [(["summary"], "currency"), (["fit", "-m", "gg"], "cur"), (["fit"], "currency"),
     (["check", "--calibration-end", "1997-06-30"], "currency")],
)  # fmt: skip
def test_a_transaction_file_in_two_currencies_is_refused(
    cdnow_tx, tmp_path, capsys, command, column
):
    """The CDNOW rows of customers above 2,000 in EUR (lower case in the file, read as
    ``payback import`` reads codes): the error names the file, each currency with its
    rows, the first EUR row (an editor's line: the header is line 1) and the fix."""
    import pandas as pd

    tx = pd.read_csv(cdnow_tx)
    euro = tx.cust > 2000
    first = int(euro.to_numpy().argmax()) + 2  # line of the first EUR row
    mixed = _with_currency(
        cdnow_tx, tmp_path / "mixed.csv", lambda t: ["eur" if e else "USD" for e in euro], column
    )
    args = [*command, "-t", mixed, *CDNOW]
    if column != "currency":
        args[args.index("customer_id=cust,time=date,revenue=dollars")] += f",currency={column}"
    code, out, err = _ltv(capsys, *args)
    assert code == 2 and not out
    assert (
        f"error: money in several currencies in {mixed}: USD ({(~euro).sum():,} rows), "
        f"EUR ({euro.sum():,} rows); the first EUR row is line {first} (column {column!r}); "
        f"money never mixes currencies: keep the rows of one currency (filter the file on "
        f"{column!r}), or convert the values to one currency first"
    ) in err
    assert (~euro).sum() + euro.sum() == 6_919 and first > 2


def test_one_currency_is_shown_and_changes_no_number(cdnow_tx, tmp_path, capsys):
    """With a currency column of one code: the same summary and Gamma-Gamma fit as without
    it (Fader & Hardie 2013: p 6.25, q 3.74, v 15.44), and the currency in the output."""
    import json

    usd = _with_currency(cdnow_tx, tmp_path / "usd.csv", lambda t: ["USD"] * len(t))
    code, plain, _ = _ltv(capsys, "fit", "-m", "gg", "-t", str(cdnow_tx), *CDNOW, "-f", "json")
    assert code == 0 and json.loads(plain)["currency"] is None
    code, out, _ = _ltv(capsys, "fit", "-m", "gg", "-t", usd, *CDNOW, "-f", "json")
    doc = json.loads(out)
    assert code == 0 and doc["currency"] == "USD"
    assert doc["rows"] == json.loads(plain)["rows"]
    got = {r["parameter"]: r["estimate"] for r in doc["rows"]}
    assert got == pytest.approx({"p": 6.25, "q": 3.74, "v": 15.44}, abs=6e-3)
    code, out, _ = _ltv(capsys, "summary", "-t", usd, *CDNOW)
    assert code == 0 and "money in USD" in out and "(2357 rows" in out
    code, out, _ = _ltv(capsys, "summary", "-t", usd, *CDNOW, "-f", "json")
    assert json.loads(out)["currency"] == "USD"
    code, out, _ = _ltv(capsys, "fit", "-t", usd, *CDNOW)  # BG/NBD: no money shown
    assert code == 0 and "money in" not in out


def test_the_api_reads_the_currency_and_names_a_frame_row():
    import pandas as pd

    from payback.clv import read_transactions, summary_from_transactions, transaction_summary
    from payback.errors import InputError

    tx = pd.DataFrame({"c": ["a", "a", "b", "b"], "t": ["2024-01-01", "2024-02-01",
                       "2024-01-03", "2024-03-01"], "v": [10.0, 20.0, 5.0, 9.0],
                       "currency": [" gbp", "GBP", "GBP", "EUR"]})  # fmt: skip
    one = tx.iloc[:3]
    frame, currency = transaction_summary(one, mapping="customer_id=c,time=t,revenue=v")
    assert currency == "GBP" and frame.monetary_value.tolist()[0] == 20.0
    _, roles = read_transactions(one, mapping="customer_id=c,time=t,revenue=v")
    assert roles["currency"] == "currency"
    with pytest.raises(CurrencyError, match=r"GBP \(3 rows\), EUR \(1 row\); the first EUR row"
                       r" is row 4 \(column 'currency'\)"):  # fmt: skip
        summary_from_transactions(tx, mapping="customer_id=c,time=t,revenue=v")
    with pytest.raises(InputError, match=r"column 'k' holds 'POUND', not an ISO 4217"):
        summary_from_transactions(
            one.assign(k=["GBP", "POUND", "GBP"]),
            mapping="customer_id=c,time=t,revenue=v,currency=k",
        )
    with pytest.raises(InputError, match=r"column 'currency' is empty in 1 row"):
        summary_from_transactions(
            one.assign(currency=["GBP", None, "GBP"]), mapping="customer_id=c,time=t,revenue=v"
        )
    with pytest.raises(InputError, match=r"--map currency=cur: no column 'cur' for currency"):
        summary_from_transactions(one, mapping="customer_id=c,time=t,revenue=v,currency=cur")


def test_the_store_summary_shows_its_currency(capsys, tmp_path):
    import json

    from payback.store import open_store

    path = tmp_path / "eur.duckdb"
    with open_store(path) as s:
        s.write({"orders": _orders(["EUR", "EUR", "EUR"])}, meta={"base_currency": "EUR"})
    code, out, _ = _ltv(capsys, "summary", "--db", str(path), "-f", "json")
    assert code == 0 and json.loads(out)["currency"] == "EUR"
