"""The report's CLV section names the count model it used.

On UCI Online Retail BG/NBD runs off (no drop-out identified) and the prediction and the
model check fit its boundary, the NBD (tests/clv/test_bgnbd_fixed.py); the section still
said "the repeat purchases BG/NBD and Gamma-Gamma expect" and "Model check: BG/NBD fitted
to 2011-08-07". Store: the UCI test lines imported with `--build-orders` (115 customers).
"""

from __future__ import annotations

import pytest
from tests.segments.conftest import import_uci

from payback.clv import predict_ltv
from payback.report.clv_section import build_clv_section, calibration_check
from payback.store import open_store


@pytest.fixture(scope="module")
def uci_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("uci") / "uci.duckdb")
    import_uci(db)
    return db


def test_the_section_names_the_boundary_model_it_fitted(uci_db):
    with open_store(uci_db, read_only=True) as store:
        assert predict_ltv(store, horizon_months=12).model == "nbd"
        checked, cut = calibration_check(store)
        section = build_clv_section(store)
    assert checked.notes["model"] == "NBD" and str(cut) == "2011-08-07"
    (check,) = [f for f in section.figures if f.id == "fig-calibration"]
    assert check.title == "Model check: NBD fitted to 2011-08-07, predicted vs actual after"
    assert "(first order plus the repeat purchases NBD and Gamma-Gamma expect)" in section.intro
    assert "BG/NBD" not in section.intro + check.title
