"""A metric query is compiled once per store version (payback.metrics.plans): the next
identical request runs the same SQL without Ibis, and gives the same result; a new store
version, a newly registered metric or another request compiles again."""

from __future__ import annotations

import gc
import json
import weakref

import pandas as pd
import pytest

from payback.errors import CurrencyError
from payback.metrics import CATALOGUE, Metric, compute_metrics, engine, plans, register_metric
from payback.store import open_store

from .conftest import arrow_rows


@pytest.fixture
def compiles(monkeypatch) -> list[tuple]:
    """The requests compiled (each call of the engine's Ibis build and compile)."""
    plans.clear()
    seen: list[tuple] = []
    real = engine._compile

    def spy(store, request, totals):
        seen.append(request)
        return real(store, request, totals)

    monkeypatch.setattr(engine, "_compile", spy)
    return seen


@pytest.fixture
def shop(tmp_path):
    """A store file: 200 EUR of ads on campaign c1 bringing 40 orders, 10 organic orders."""
    paid = [{"revenue": 10.0} for _ in range(40)]
    organic = [{"order_id": f"x{i}", "revenue": 10.0, "platform": None, "campaign": None}
               for i in range(10)]  # fmt: skip
    store = open_store(tmp_path / "shop.duckdb")
    store.write(
        {
            "ad_stats": arrow_rows("ad_stats", [{"clicks": 100, "cost": 200.0}]),
            "orders": arrow_rows("orders", paid + organic),
        },
        meta={"base_currency": "EUR"},
    )
    yield store
    store.close()


def test_a_repeated_query_is_compiled_once_and_gives_the_same_result(shop, compiles):
    first = compute_metrics(shop, by="campaign", metrics="cost,orders,cpo,drr")
    again = compute_metrics(shop, by="campaign", metrics="cost,orders,cpo,drr")
    assert len(compiles) == 1
    pd.testing.assert_frame_equal(again.frame, first.frame)
    assert again.reasons == first.reasons
    assert (again.totals, again.currency) == ({"cost": 200.0, "orders": 50, "cpo": 5.0,
                                               "drr": 0.5}, "EUR")  # fmt: skip
    pd.testing.assert_frame_equal(again.cell_reasons, first.cell_reasons)
    assert first.cell_reasons["cpo"].tolist()[1] == "no ad statistics match this row"


def test_another_request_is_compiled_anew(shop, compiles):
    compute_metrics(shop, by="campaign", metrics="cpo")
    by_platform = compute_metrics(shop, by="platform", metrics="cpo")
    filtered = compute_metrics(shop, by="campaign", metrics="cpo", where={"campaign": "c2"})
    assert len(compiles) == 3
    assert by_platform.frame["cpo"].tolist()[:1] == [5.0]
    assert filtered.warnings == (
        "--where campaign=c2 matches no row of the ad statistics or the orders; values there: c1",
    )
    again = compute_metrics(shop, by="campaign", metrics="cpo", where={"campaign": "c2"})
    assert (len(compiles), again.warnings) == (3, filtered.warnings)


def test_a_new_store_version_is_compiled_and_counted_again(shop, compiles):
    assert compute_metrics(shop, by=(), metrics="cpo").totals == {"cpo": 5.0}
    shop.write({"ad_stats": arrow_rows("ad_stats", [{"campaign": "c2", "cost": 50.0}])})
    assert compute_metrics(shop, by=(), metrics="cpo").totals == {"cpo": 6.25}  # 250 / 40
    assert len(compiles) == 2


def test_a_metric_registered_later_is_known_to_a_repeated_request(shop, compiles):
    compute_metrics(shop, by=(), metrics="cost,orders")
    register_metric(
        Metric("cost_per_order_x2", "CPOx2", "cost / orders x 2", "money", True, "test",
               kind="ratio", numerator="cost", denominator="orders", scale=2.0)
    )  # fmt: skip
    try:
        r = compute_metrics(shop, by=(), metrics="cost,orders,cost_per_order_x2")
        assert r.totals["cost_per_order_x2"] == 10.0  # 200 / 40 x 2
        compute_metrics(shop, by=(), metrics="cost,orders")  # the catalogue changed
        assert len(compiles) == 3
    finally:
        del CATALOGUE["cost_per_order_x2"]


def test_money_in_two_currencies_is_refused_on_every_call(shop, compiles):
    shop.write({"ad_stats": arrow_rows("ad_stats", [{"campaign": "us", "cost": 1.0,
                                                     "currency": "USD"}])})  # fmt: skip
    for _ in range(2):
        with pytest.raises(CurrencyError, match=r"ad_stats: EUR; ad_stats: USD"):
            compute_metrics(shop, by=(), metrics="cost")
    assert len(compiles) == 1


def test_the_cache_holds_no_connection_of_a_closed_store(tmp_path, compiles):
    store = open_store(tmp_path / "s.duckdb")
    store.write({"orders": arrow_rows("orders", [{"revenue": 7.0}])})
    assert compute_metrics(store, by=(), metrics="revenue").totals == {"revenue": 7.0}
    backend = weakref.ref(store.backend)
    store.close()
    del store
    gc.collect()
    assert backend() is None
    with open_store(tmp_path / "s.duckdb", read_only=True) as again:
        for _ in range(2):  # closing checkpointed the file: compiled once more, then kept
            assert compute_metrics(again, by=(), metrics="revenue").totals == {"revenue": 7.0}
    assert len(compiles) == 2


def test_an_in_memory_store_is_never_cached(make_store, compiles):
    store = make_store(orders=[{"revenue": 3.0}])
    for _ in range(2):
        assert compute_metrics(store, by=(), metrics="revenue").totals == {"revenue": 3.0}
    assert len(compiles) == 2


# -- across processes: the plan files (payback.metrics.plans.Disk) -------------------------------
@pytest.fixture
def plan_files(tmp_path, monkeypatch):
    """Plans kept on disk in a folder of this test (the suite runs with them off)."""
    monkeypatch.setenv("PAYBACK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "plans"


def _as_new_process():
    """What a new process starts with: no plan in memory (the files stay)."""
    plans.clear()


def test_a_new_process_runs_the_sql_of_the_plan_file(shop, compiles, plan_files):
    first = compute_metrics(shop, by="campaign", metrics="cost,orders,cpo,drr")
    assert len(compiles) == 1 and len(list(plan_files.glob("*.json"))) == 1
    _as_new_process()
    again = compute_metrics(shop, by="campaign", metrics="cost,orders,cpo,drr")
    assert len(compiles) == 1  # read from the file: no Ibis build, no compile
    pd.testing.assert_frame_equal(again.frame, first.frame)
    pd.testing.assert_frame_equal(again.cell_reasons, first.cell_reasons)
    assert again.totals == {"cost": 200.0, "orders": 50, "cpo": 5.0, "drr": 0.5}
    # a filtered request keeps its own filters and period (they are not in the file)
    where = {"campaign": "c1"}
    filtered = compute_metrics(shop, by=(), metrics="orders", where=where, start="2024-01-01")
    _as_new_process()
    assert compute_metrics(shop, by=(), metrics="orders", where=where, start="2024-01-01").totals \
        == filtered.totals == {"orders": 40}  # fmt: skip
    assert len(compiles) == 2


def test_a_changed_store_code_or_registry_compiles_afresh(shop, compiles, plan_files, monkeypatch):
    compute_metrics(shop, by=(), metrics="cpo")
    shop.write({"ad_stats": arrow_rows("ad_stats", [{"campaign": "c2", "cost": 50.0}])})
    _as_new_process()
    assert compute_metrics(shop, by=(), metrics="cpo").totals == {"cpo": 6.25}  # 250 / 40
    assert len(compiles) == 2  # a new store version: another file
    monkeypatch.setattr(plans, "_code_stamp", lambda: "payback's source edited")
    _as_new_process()
    compute_metrics(shop, by=(), metrics="cpo")
    assert len(compiles) == 3
    name = "cost_per_order_x2_files"
    register_metric(
        Metric(name, "CPOx2", "cost / orders x 2", "money", True, "test",
               kind="ratio", numerator="cost", denominator="orders", scale=2.0)
    )  # fmt: skip
    try:
        _as_new_process()
        compute_metrics(shop, by=(), metrics="cpo")
        assert len(compiles) == 4  # the registry's content changed
    finally:
        CATALOGUE.pop(name)
    assert len(list(plan_files.glob("*.json"))) == 4


def test_a_corrupt_or_foreign_plan_file_is_ignored_and_written_again(shop, compiles, plan_files):
    expected = compute_metrics(shop, by="campaign", metrics="cpo").frame
    (path,) = plan_files.glob("*.json")
    good = path.read_text()
    bad = ["{not json", '{"format": 1, "plan": {"by": ["campaign"]}}', '{"format": 99}', ""]
    bad.append(good.replace('"metrics": ["cpo"]', '"metrics": ["cpc"]'))  # another request
    for n, text in enumerate(bad, start=2):
        path.write_text(text)
        _as_new_process()
        pd.testing.assert_frame_equal(compute_metrics(shop, by="campaign", metrics="cpo").frame,
                                      expected)  # fmt: skip
        assert len(compiles) == n  # compiled afresh ...
        assert json.loads(path.read_text())["plan"]["metrics"] == ["cpo"]  # ... and rewritten


def test_plan_files_can_be_turned_off(shop, compiles, tmp_path, monkeypatch):
    monkeypatch.setenv("PAYBACK_CACHE_DIR", "")
    compute_metrics(shop, by=(), metrics="cpo")
    _as_new_process()
    compute_metrics(shop, by=(), metrics="cpo")
    assert len(compiles) == 2
    assert plans.cache_dir() is None


def test_content_tells_functions_apart_by_code_and_closure():
    def summing(column):
        return lambda t: getattr(t, column).sum()

    assert plans.content(summing("cost")) == plans.content(summing("cost"))
    assert plans.content(summing("cost")) != plans.content(summing("clicks"))
    assert plans.content(lambda t: t.cost.sum()) != plans.content(lambda t: t.cost.max())
    with pytest.raises(TypeError, match="no stable description of a object"):
        plans.content(object())
