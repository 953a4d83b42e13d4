"""payback.present.Table: a result frame with the units, reasons and currency of its
columns, which every output (table, CSV, JSON, Parquet) reads instead of DataFrame.attrs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from payback.output import write_frame
from payback.present import Table


@pytest.fixture
def table() -> Table:
    frame = pd.DataFrame(
        {
            "cohort": [dt.date(2024, 1, 1), dt.date(2024, 2, 1), None],
            "customers": pd.array([2, 1, 3], dtype="Int64"),
            "cac": pd.array([12.5, None, 20.0 / 3], dtype="Float64"),
            "retention": [0.5, 0.25, 0.4],
            "is_total": [False, False, True],
        }
    )
    return Table(
        frame,
        units={"customers": "count", "cac": "money", "retention": "rate"},
        reasons={"cac": "no new customers in 1 row(s)"},
        currency="EUR",
        date_formats={"cohort": "%Y-%m"},
        notes={"basis": {"cac": "ad cost"}},
    )


def test_the_mappings_are_read_only_copies():
    units = {"cac": "money"}
    t = Table(pd.DataFrame({"cac": [1.0]}), units=units)
    units["cac"] = "count"  # the caller's dict changes; the table's does not
    assert dict(t.units) == {"cac": "money"}
    with pytest.raises(TypeError):
        t.units["cac"] = "rate"  # type: ignore[index]
    assert (dict(t.reasons), t.currency, dict(t.date_formats), dict(t.notes)) == ({}, None, {}, {})


def test_a_table_pickles_with_its_meaning(table):
    import pickle

    back = pickle.loads(pickle.dumps(table))
    assert back.frame.equals(table.frame)
    assert dict(back.units) == dict(table.units) and dict(back.reasons) == dict(table.reasons)
    assert (back.currency, dict(back.date_formats)) == ("EUR", {"cohort": "%Y-%m"})
    assert dict(back.notes) == {"basis": {"cac": "ad cost"}}


def test_rename_carries_units_reasons_date_formats_and_basis(table):
    shown = table.rename({"cac": "cost_per_customer", "cohort": "month"})
    assert list(shown.frame.columns) == [
        "month", "customers", "cost_per_customer", "retention", "is_total",
    ]  # fmt: skip
    assert shown.units["cost_per_customer"] == "money" and "cac" not in shown.units
    assert dict(shown.reasons) == {"cost_per_customer": "no new customers in 1 row(s)"}
    assert dict(shown.date_formats) == {"month": "%Y-%m"}
    assert dict(shown.notes["basis"]) == {"cost_per_customer": "ad cost"}
    assert shown.currency == "EUR"
    assert list(table.frame.columns)[2] == "cac"  # the original is unchanged


def test_select_keeps_only_what_the_kept_columns_mean(table):
    part = table.select(["cohort", "customers"])
    assert list(part.frame.columns) == ["cohort", "customers"]
    assert dict(part.units) == {"customers": "count"}
    assert dict(part.reasons) == {} and dict(part.date_formats) == {"cohort": "%Y-%m"}


def test_with_frame_and_with_reasons(table):
    head = table.with_frame(table.frame.head(1))
    assert len(head.frame) == 1 and dict(head.units) == dict(table.units)
    more = table.with_reasons({"retention": "no customer", "cac": "other"})
    assert dict(more.reasons) == {"cac": "other", "retention": "no customer"}
    assert dict(table.reasons) == {"cac": "no new customers in 1 row(s)"}


def test_csv_shows_the_date_formats_and_raw_values(table):
    buf = io.StringIO()
    write_frame(table, "csv", stream=buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert rows[0] == ["cohort", "customers", "cac", "retention", "is_total"]
    assert rows[1] == ["2024-01", "2", "12.5", "0.5", "False"]
    assert rows[2][:3] == ["2024-02", "1", ""]  # missing is empty, the rate a fraction


def test_json_holds_units_reasons_and_currency(table):
    buf = io.StringIO()
    write_frame(table, "json", stream=buf, title="cohorts")
    doc = json.loads(buf.getvalue())
    assert doc["units"] == {"customers": "count", "cac": "money", "retention": "rate"}
    assert doc["reasons"] == {"cac": "no new customers in 1 row(s)"}
    assert doc["currency"] == "EUR" and doc["title"] == "cohorts"
    assert [r["cohort"] for r in doc["rows"]] == ["2024-01", "2024-02", None]
    assert doc["rows"][1]["cac"] is None


def test_parquet_keeps_the_dates_and_holds_units_reasons_and_currency(table, tmp_path):
    path = tmp_path / "t.parquet"
    write_frame(table, "parquet", path)
    back = pq.read_table(path)
    meta = json.loads(back.schema.metadata[b"payback"])
    assert meta == {
        "units": {"customers": "count", "cac": "money", "retention": "rate"},
        "reasons": {"cac": "no new customers in 1 row(s)"},
        "currency": "EUR",
    }
    assert back.schema.field("cohort").type == pa.date32()  # a date, not the shown text
    assert back.column("cac").to_pylist()[:2] == [12.5, None]


def test_the_table_shows_money_percent_the_currency_and_the_reason(table):
    buf = io.StringIO()
    write_frame(table, "table", stream=buf)
    text = buf.getvalue()
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines()]
    rows = [r for r in rows if len(r) == 4]
    assert rows[0] == ["2024-01", "2", "12.50", "50.0 %"]
    assert rows[1] == ["2024-02", "1", "–", "25.0 %"]
    assert rows[2] == ["Total", "3", "6.67", "40.0 %"]
    assert "money in EUR" in text and "– cac: no new customers in 1 row(s)" in text


def test_units_given_to_write_frame_override_the_tables(table):
    buf = io.StringIO()
    write_frame(table, "json", stream=buf, units={"cac": "ratio"}, reasons={})
    doc = json.loads(buf.getvalue())
    assert doc["units"] == {"cac": "ratio"} and doc["reasons"] == {}
    assert doc["currency"] == "EUR"


def test_ceilings_table_renames_carry_units_and_reasons():
    from payback.economics.ceilings import Ceilings, VerdictRules
    from payback.economics.summaries import TABLE_COLUMNS, ceilings_table

    columns = ["campaign", "platform", *TABLE_COLUMNS, "is_total", "total_kind", "aov"]
    frame = pd.DataFrame({c: [None] for c in columns})
    t = Table(
        frame,
        units={"new_customers": "count", "marginal_cpo": "money", "aov": "money"},
        reasons={"payback_months": "never paid back", "aov": "no orders"},
        currency="USD",
    )
    result = Ceilings(
        table=t, by="campaign", rules=VerdictRules(), horizon_months=12,
        other_costs_per_customer=None,
    )  # fmt: skip
    shown = ceilings_table(result)
    assert result.frame is t.frame
    assert "ceiling" in shown.frame.columns and "marginal_cpo" not in shown.frame.columns
    assert dict(shown.units) == {"new": "count", "ceiling": "money"}  # aov is not shown
    assert dict(shown.reasons) == {"payback": "never paid back"}
    assert shown.currency == "USD"


def test_metrics_result_table_is_the_frame_with_catalogue_units():
    from payback.metrics import compute_metrics
    from payback.store import open_store

    store = open_store(":memory:")
    store.write(
        {
            "orders": pa.table(
                {
                    "order_id": ["1", "2"],
                    "customer_id": ["a", "b"],
                    "time": [dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 7)],
                    "revenue": [100.0, 50.0],
                    "status": ["confirmed"] * 2,
                    "currency": ["EUR"] * 2,
                }
            )
        },
        meta={"base_currency": "EUR"},
    )
    result = compute_metrics(store, by="month", metrics="orders,revenue,aov,cpo")
    t = result.table
    assert t.frame is result.frame
    assert dict(t.units) == {"orders": "count", "revenue": "money", "aov": "money", "cpo": "money"}
    assert dict(t.reasons) == dict(result.reasons) and "cpo" in t.reasons
    assert t.currency == "EUR" and dict(t.date_formats) == {"month": "%Y-%m"}
    buf = io.StringIO()
    write_frame(t, "json", stream=buf)
    doc = json.loads(buf.getvalue())
    rows = {r["month"] or r["total_kind"]: r for r in doc["rows"]}
    assert rows["2024-01"]["aov"] == 100.0 and rows["2024-02"]["aov"] == 50.0
    assert rows["all"]["aov"] == 75.0  # (100 + 50) / 2
