"""Repeat buyers without spend: counted, reported, left out of Gamma-Gamma, never blocking.

CDNOW master's customer 10244 bought for $15.96 on 1997-02-07 and for $0.00 on
1997-03-07 (tests/data/cdnow/CDNOW_master_customer_10244.txt): one repeat purchase with
a mean repeat spend of 0, which the Gamma-Gamma density cannot take. Added to the CDNOW
1/10 sample (2,357 customers), it must not block the other customers nor move the
published fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from payback.cli import main
from payback.clv import fit_bgnbd, fit_gamma_gamma, fit_table, predict_ltv, zero_spend_note
from payback.errors import InputError


@pytest.fixture(scope="module")
def cdnow_db(cdnow_orders, tmp_path_factory):
    from payback.store import open_store

    path = tmp_path_factory.mktemp("cdnow") / "cdnow.duckdb"
    with open_store(path) as store:
        store.write({"orders": pa.Table.from_pandas(cdnow_orders, preserve_index=False)})
    return str(path)


def test_published_fit_unmoved_by_a_buyer_without_spend(public_data):
    cbs = pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv")  # BTYD: cust, x, m.x
    repeat = cbs[cbs.x > 0]
    assert len(repeat) == 946
    free = pd.DataFrame({"cust": [10244], "x": [1], "t.x": [28.0], "T.cal": [38.0], "m.x": [0.0]})
    fit = fit_table(pd.concat([cbs, free], ignore_index=True), "gg")
    # Fader & Hardie (2013): p = 6.25, q = 3.74, gamma = 15.44
    assert (round(fit.p, 2), round(fit.q, 2), round(fit.v, 2)) == (6.25, 3.74, 15.44)
    assert fit.n_customers == 946 and fit.n_zero_spend == 1
    assert fit.params == fit_table(cbs, "gg").params
    # his expected spend: the population mean shrunk by one repeat purchase at 0
    spend = float(fit.expected_spend(1, 0.0))
    assert spend == pytest.approx(fit.p * fit.v / (fit.p + fit.q - 1))
    assert spend < fit.mean_spend


def test_the_store_predicts_for_every_customer_and_names_him(cdnow_db):
    from payback.clv import compress, customer_summary
    from payback.store import open_store

    with open_store(cdnow_db, read_only=True) as store:
        result = predict_ltv(store, horizon_months=12)
        summary = store.execute(customer_summary(store))
    assert len(result.customers.frame) == 2358 == summary.customer_id.nunique()
    assert result.customers.frame.clv.notna().all()
    (warning,) = result.warnings
    assert "1 repeat buyer(s)" in warning and "customer 10244" in warning
    count_fit, spend_fit = result.fits["pooled"]
    # independently: the Gamma-Gamma fit on the repeat buyers with positive spend only
    positive = summary[(summary.frequency > 0) & (summary.monetary_value > 0)]
    alone = fit_gamma_gamma(positive.frequency, positive.monetary_value)
    assert spend_fit.params == pytest.approx(alone.params, rel=1e-9)
    assert spend_fit.n_zero_spend == 1 and spend_fit.n_customers == len(positive)
    assert count_fit.params == pytest.approx(fit_bgnbd(compress(summary)).params, rel=1e-9)
    him = result.customers.frame.set_index("customer_id").loc["10244"]
    p, q, v = spend_fit.p, spend_fit.q, spend_fit.v
    assert him.frequency == 1 and him.monetary_value == 0
    assert him.expected_spend == pytest.approx(p * v / (p + q - 1), rel=1e-12)


def test_cli_predict_and_fit_report_him(cdnow_db, capsys):
    assert main(["ltv", "predict", "--db", cdnow_db, "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert "customer 10244" in out.err and "left out of the Gamma-Gamma fit" in out.err
    frame = pd.read_csv(pd.io.common.StringIO(out.out))
    assert frame.customers.tolist() == [2358]
    assert main(["ltv", "fit", "--model", "gg", "--db", cdnow_db, "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert "1 repeat buyer(s)" in out.err and "customer 10244" in out.err


def test_errors_name_the_customer_in_plain_numbers():
    table = pd.DataFrame(
        {
            "customer_id": ["a", "10244", "b"],
            "frequency": [1, 2, 0],
            "monetary_value": [5.0, np.nan, np.nan],
        }
    )
    with pytest.raises(InputError) as e:
        fit_gamma_gamma(table)
    text = str(e.value)
    assert "customer '10244' (row 1)" in text and "got nan" in text
    assert "np.float64" not in text
    histories = pd.DataFrame(
        {
            "customer_id": ["x", "y", "z"],
            "frequency": [1.0, 2.0, 1.0],
            "recency": [3.0, 9.0, 8.0],
            "T": [5.0, 7.0, 6.0],
        }
    )
    with pytest.raises(InputError, match=r"customer 'y' \(row 1\) and 1 more \('z'\): got 9, "):
        fit_bgnbd(histories)


def test_note_is_none_without_such_buyers():
    table = pd.DataFrame({"customer_id": ["a"], "frequency": [1], "monetary_value": [3.0]})
    assert zero_spend_note(table) is None


def test_no_buyer_with_spend_says_so():
    with pytest.raises(InputError, match=r"positive spend \(1 of them without spend\)"):
        fit_gamma_gamma([1.0, 0.0], [0.0, 0.0])
