"""Fixtures of the import tests: the fixture folder, and helpers summing a store table and
catching an import's error."""

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


def error_message(store, kind: str, path, **options) -> str:
    """The message of the PaybackError an import of ``path`` raises (the test fails if none)."""
    from payback.errors import PaybackError
    from payback.ingest import import_file

    with pytest.raises(PaybackError) as e:
        import_file(store, kind, path, **options)
    return str(e.value)
