"""The report's cohort triangle heatmap: the cells of payback.clv.cohort_triangle, small
cohorts blank, the first cohort named as holding earlier buyers."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from payback.clv import cohort_triangle
from payback.report.clv_triangle import TRIANGLE_MONTHS, triangle_figure
from payback.store import open_store


def test_heatmap_cells_are_the_triangle(demo_db):
    with open_store(demo_db, read_only=True) as store:
        table = cohort_triangle(store, max_months=TRIANGLE_MONTHS, min_customers=5)
        tiny = cohort_triangle(store, max_months=TRIANGLE_MONTHS)  # every cohort under 30
    heat = triangle_figure(table, "USD").data[0]
    rows = table.frame[~table.frame.cohort.isin(["all", "observed share"])]
    months = [c for c in rows.columns if re.fullmatch(r"m\d+", c)]
    z = np.array(heat.z, dtype=float)
    assert z.shape == (len(rows), len(months))
    expected = rows[months].astype(float).to_numpy()
    small = rows.flag.str.contains("small").to_numpy()
    assert (~small).sum() >= 3  # cells to compare
    assert np.allclose(z[~small], expected[~small], equal_nan=True)
    assert np.isnan(z[small]).all()  # small cohorts are not drawn
    # the demo shop's customers are all new: its first month is not flagged left-censored
    assert "includes earlier buyers" not in heat.y[0]
    assert list(heat.x) == [int(m[1:]) for m in months]
    # a triangle whose every cohort is too small: a message, not a blank heatmap
    empty = triangle_figure(tiny, "USD")
    assert not empty.data and "too small" in empty.layout.annotations[0].text


def test_small_cohorts_stay_blank():
    frame = pd.DataFrame(
        {
            "cohort": ["2024-01", "2024-02", "all", "observed share"],
            "customers": [40, 3, 43, 43],
            "flag": ["left-censored", "small", "", ""],
            "m0": [10.0, 20.0, 10.7, 1.0],
            "m1": [15.0, None, 15.0, 0.93],
        }
    )

    class Triangle:  # the Table's frame is all the figure reads
        pass

    t = Triangle()
    t.frame = frame
    heat = json.loads(triangle_figure(t, "EUR").to_json())["data"][0]
    assert heat["z"][0] == [10.0, 15.0]
    assert heat["z"][1] == [None, None]
    assert heat["y"] == ["2024-01 (first month: includes earlier buyers)", "2024-02 (3)"]
