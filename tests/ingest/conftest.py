"""Fixtures of the import tests: the fixture folder and a helper summing a store table."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


@pytest.fixture(scope="session")
def data() -> Path:
    """tests/data/ingest: export files written to the layouts of issue 2."""
    return DATA


def totals(store, table: str, *columns: str) -> dict[str, float]:
    """Sum of each column of a store table (None when the table is empty)."""
    t = store.table(table)
    return store.execute(t.aggregate(**{c: t[c].sum() for c in columns})).iloc[0].to_dict()
