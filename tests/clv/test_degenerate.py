"""Degenerate fits are never used: UCI Online Retail, where no count model is identified.

tests/data/online_retail/online_retail_customer_summary.csv.gz is the daily summary of
the whole UCI file's confirmed orders (4,339 customers; README there). Its customers
show almost no drop-out: BG/NBD's a and b run off to infinity, MBG/NBD stops with
se(a)/a = 6.7, Pareto/NBD at a saddle. The rule (payback.clv._optim.DEGENERATE_RULE)
flags each; on CDNOW the published fits pass it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from payback.cli import main
from payback.clv import fit_table, predict_ltv
from payback.errors import DegenerateFitError


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        # so flat that rounding decides the trust region's path: to the edge, or to
        # a = 0.0034 (se(a)/a = 3.0; nll 14.249731, below the edge's limit 14.249759)
        ("bgnbd", "a, b ran off to 0 or infinity|near-singular information, se(a)/a = 3.0"),
        ("mbgnbd", "near-singular information, se(a)/a = 6.67"),
    ],
)
def test_uci_fits_are_flagged(uci, model, reason):
    assert len(uci) == 4339
    with pytest.raises(DegenerateFitError) as e:
        fit_table(uci, model)
    assert any(one in e.value.reason for one in reason.split("|"))
    assert "Not used" in str(e.value) and "penalizer" in str(e.value)
    # where it stopped: the purchase process is identified (r, alpha as in the NBD limit)
    assert e.value.params["r"] == pytest.approx(0.83, abs=0.01)
    assert e.value.params["alpha"] == pytest.approx(69, abs=1)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto"])
def test_published_cdnow_fits_pass_the_rule(public_data, model):
    fit = fit_table(pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv"), model)
    assert max(fit.standard_errors[n] / v for n, v in fit.params.items()) < 0.6


def test_predict_refuses_and_lists_the_alternatives(uci_db, capsys):
    # (one test: the alternatives include Pareto/NBD, slow on this flat likelihood)
    # MBG/NBD's degeneracy (a near 0, near-singular) is not the BG/NBD boundary a, b ->
    # infinity that predict replaces by its boundary model (test_bgnbd_fixed.py): it stops
    assert main(["ltv", "predict", "--db", uci_db, "--model", "mbgnbd"]) != 0
    text = capsys.readouterr().err
    assert "degenerate and not used" in text and "Tried instead" in text
    assert "Pareto/NBD by day (model pareto, freq D): degenerate, the likelihood is flat" in text
    # BG/NBD runs off along a, b -> infinity with a/(a+b) fixed; where the optimiser stops
    # on that ridge decides whether a is past the 18-log-units rule too (a=6.4e4, b=1.1e9)
    bgnbd = next(line for line in text.splitlines() if "(model bgnbd, freq D)" in line)
    assert "BG/NBD by day (model bgnbd, freq D): degenerate, " in bgnbd
    assert "b ran off to 0 or infinity" in bgnbd
    for tried in ("model mbgnbd, freq W", "model mbgnbd, freq M"):
        assert tried in text


def test_predict_with_a_penalizer_is_that_fit(uci, uci_db, capsys):
    import json

    from payback.store import open_store

    args = ["ltv", "predict", "--db", uci_db, "--penalizer", "0.0001", "--format", "json"]
    assert main(args) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    with open_store(uci_db, read_only=True) as store:
        api = predict_ltv(store, penalizer=0.0001)
    count_fit = api.fits["pooled"][0]
    assert count_fit.penalizer == 0.0001
    # the same fit as on the summary file itself
    alone = fit_table(uci, "bgnbd", penalizer=0.0001)
    assert count_fit.params == pytest.approx(alone.params, rel=1e-6)
    by_source = api.by_source.frame
    assert row["predicted_ltv"] == pytest.approx(by_source.predicted_ltv.iloc[0], rel=1e-9)
    assert np.isfinite(api.customers.frame.clv.astype(float)).all()
