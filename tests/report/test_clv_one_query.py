"""The report's model check and its CLV fit read the orders in one statement (issue 16):
the check's weekly summary to the cut and the fit's daily histories by platform come from
one join and aggregation, and each holds the numbers it holds when computed alone."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

import payback.cache
import payback.clv.cohorts as cohorts
import payback.clv.histories as histories
from payback.cache import QueryCache
from payback.clv import customer_summary
from payback.clv.histories import HISTORY, customer_expr, customer_histories, histories_expr
from payback.report import clv_section
from payback.store import open_store


@pytest.fixture
def fresh_memo(monkeypatch):
    monkeypatch.setattr(payback.cache, "_PER_VERSION", QueryCache(maxsize=64))


def _calibration_rows(rows):
    columns = list(clv_section.CALIBRATION_HISTORY)
    return rows.group_by(columns).aggregate(weights=rows.count().cast("float64"))


def test_check_and_fit_histories_are_one_statement_with_each_ones_numbers(
    demo_db, fresh_memo, monkeypatch
):
    with open_store(demo_db, read_only=True) as store:
        statements = []
        for name in ("execute", "to_pyarrow"):
            real = getattr(store, name)

            def run(expr, _real=real, **kwargs):
                statements.append(expr)
                return _real(expr, **kwargs)

            monkeypatch.setattr(store, name, run)
        cut = "2025-04-30"
        check = histories.histories_beside(store, "platform", "D", ("W", cut), _calibration_rows)
        assert len(statements) == 1  # the check's summary and the fit's histories
        made = []
        monkeypatch.setattr(histories, "customer_expr", lambda *a: made.append(a))
        kept = customer_histories(store, "platform", None, "D")  # kept: no query
        assert not made and len(statements) == 1
        monkeypatch.undo()
        # each alone, as before: the same rows and numbers
        summary = customer_summary(store, freq="W", calibration_end=cut)
        alone = store.execute(_calibration_rows(summary))
        columns = list(clv_section.CALIBRATION_HISTORY)
        pd.testing.assert_frame_equal(
            check.sort_values(columns, ignore_index=True),
            alone.sort_values(columns, ignore_index=True),
            check_exact=True,
        )
        each = store.execute(customer_expr(store, "platform", None, "D"))
        fit = store.execute(histories_expr(customer_expr(store, "platform", None, "D")))
    fit = fit.sort_values(list(HISTORY), na_position="last", kind="mergesort", ignore_index=True)
    pd.testing.assert_frame_equal(kept, fit, check_exact=False, rtol=1e-12)
    counts = ["source", "frequency", "recency", "T", "weights"]
    pd.testing.assert_frame_equal(kept[counts], fit[counts], check_exact=True)
    assert kept.weights.sum() == len(each) == 377  # every customer with a confirmed order
    week = (pd.to_datetime(each.first_purchase) - pd.Timestamp("1970-01-01")).dt.days.add(3) // 7
    cut_week = ((pd.Timestamp(cut) - pd.Timestamp("1970-01-01")).days + 3) // 7
    assert check.weights.sum() == (week <= cut_week).sum() > 200  # bought by the cut's week
    np.testing.assert_allclose(
        kept.first_order_revenue.sum(), each.first_order_revenue.sum(), rtol=1e-12
    )


def test_the_report_check_runs_the_fit_histories_and_cells_query(demo_db, fresh_memo, monkeypatch):
    """The section asks for the check first: the fit then finds its histories kept, the
    cohort curves their cells; the cells equal those computed alone."""
    calls = []
    real = histories._together
    monkeypatch.setattr(histories, "_together", lambda *a: calls.append(a) or real(*a))
    with open_store(demo_db, read_only=True) as store:
        made = []
        real_expr = histories.customer_expr
        monkeypatch.setattr(histories, "customer_expr", lambda *a: made.append(a) or real_expr(*a))
        section = clv_section.build_clv_section(store)
        kept, _ = cohorts._cells(store)
        monkeypatch.undo()
        alone = store.execute(cohorts.cell_expr(store)[0])
    assert section is not None and len(calls) == 1 and len(calls[0]) == 4  # store + 3
    # one join of the orders with the first orders for the three (the cells' other join
    # is with their sizes)
    union = ibis.union(*(e.select(x=e[e.columns[1]].cast("string")) for e in calls[0][1:]))
    assert ibis.to_sql(union, dialect="duckdb").upper().count("INNER JOIN") == 1
    # the fit's daily histories by platform were not asked for by themselves
    assert all(args[1:4] != ("platform", None, "D") for args in made)
    keys = [*cohorts.CELL_KEYS, "acquisition_month", "months_since_acquisition"]
    got = kept.sort_values(keys, ignore_index=True)
    want = alone.sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
    counts = ["active_customers", "orders", "orders_without_cogs", "last_order"]
    pd.testing.assert_frame_equal(got[keys + counts], want[keys + counts], check_exact=True)
    assert got.active_customers.sum() > 377 and got.orders.sum() > 800
