"""Shared fixtures: paths to the public data sets and a throw-away store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: ../shared/data beside the checkout (CI has it too); PAYBACK_SHARED_DATA overrides.
SHARED_DATA = Path(os.environ.get("PAYBACK_SHARED_DATA", ROOT.parent / "shared" / "data"))
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.fail(f"public data sets not found at {SHARED_DATA} (set PAYBACK_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def store(tmp_path):
    from payback.store import open_store

    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()
