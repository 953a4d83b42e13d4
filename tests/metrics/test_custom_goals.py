"""A goal of the user's own goals config: recorded in the store at import, its metrics
(goal_<name>, cr_<name>, cost_per_<name>) work in later runs like the standard four."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from payback.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "sessions"
GOALS = """
[purchase]
kind = "macro"
metrica = [3001]

[basket]
kind = "micro"
metrica = [3003]
"""


@pytest.fixture(scope="module", autouse=True)
def _forget_the_goal():
    """The catalogue is global: the basket goal's side and metrics go when the tests end."""
    yield
    from payback.metrics.catalogue import CATALOGUE
    from payback.metrics.sides import PART_SIDE, PARTS, SIDES

    for name in ("goal_basket", "cr_basket", "cost_per_basket"):
        CATALOGUE.pop(name, None)
    SIDES.pop("goal_basket", None)
    PARTS.pop("goal_basket", None)
    PART_SIDE.pop("goal_basket", None)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("goals")
    (folder / "goals.toml").write_text(GOALS)
    db = folder / "visits.duckdb"
    code = main(["import", "sessions", str(DATA / "metrica_visits.tsv"), "--goals",
                 str(folder / "goals.toml"), "--db", str(db)])  # fmt: skip
    assert code == 0
    return db


def test_the_store_remembers_the_goals(store_path):
    from payback.store import open_store

    with open_store(store_path, read_only=True) as store:
        assert json.loads(store.meta("session_goals")) == {"basket": "micro", "purchase": "macro"}


def test_a_goal_of_your_own_has_its_metrics(store_path, capsys):
    code = main(["metrics", "--db", str(store_path), "--by", "platform", "--metrics",
                 "sessions,goal_basket,cr_basket", "--format", "json", "--no-totals"])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    rows = json.loads(out.out)["rows"]
    got = {r["platform"]: (r["goal_basket"], r["cr_basket"], r["sessions"]) for r in rows}
    # independently: visits whose ym:s:goalsID list holds 3003, per ad engine of the file
    raw = pd.read_csv(DATA / "metrica_visits.tsv", sep="\t", dtype=str)
    basket = raw["ym:s:goalsID"].fillna("[]").str.strip("[]").str.split(",")
    raw["basket"] = basket.map(lambda ids: "3003" in [i.strip() for i in ids])
    total = sum(g for g, _, _ in got.values())
    assert total == int(raw["basket"].sum()) > 0
    for goal, rate, sessions in got.values():  # CR = sessions reaching it / sessions
        assert rate == pytest.approx(goal / sessions)


def test_the_goals_are_read_once_per_store_version(tmp_path, monkeypatch):
    """Every metrics plan registers the store's goals; their meta row is read once per
    store version (payback.cache.per_store_version), again after the store changes."""
    from payback.metrics.sides import SIDES
    from payback.metrics.visits import GOALS_META, register_store_goals
    from payback.store import Store, open_store

    reads = []
    meta = Store.meta
    monkeypatch.setattr(Store, "meta", lambda self, key: reads.append(key) or meta(self, key))
    with open_store(tmp_path / "s.duckdb") as store:
        store.set_meta(GOALS_META, json.dumps({"purchase": "macro"}))
        for _ in range(3):
            register_store_goals(store)
        assert reads.count(GOALS_META) == 1
        store.set_meta(GOALS_META, json.dumps({"basket": "micro", "purchase": "macro"}))
        register_store_goals(store)
        register_store_goals(store)
        assert reads.count(GOALS_META) == 2
        assert SIDES["goal_basket"].name == "goal_basket"
