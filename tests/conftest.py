"""Shared fixtures: the public data sets shipped in tests/data and a throw-away store."""

from __future__ import annotations

from pathlib import Path

import pytest

#: tests/data: the project's own fixtures (ingest/) and copies of public data sets
#: (cdnow/, donations/, sbg/, ads/, leads/, online_retail/), each with a README.md
#: naming its origin and licence. A plain clone has everything the tests read.
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def public_data() -> Path:
    """tests/data, laid out as ../shared/data is (cdnow/, sbg/, ads/ ...)."""
    return TEST_DATA


@pytest.fixture
def store(tmp_path):
    from payback.store import open_store

    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()
