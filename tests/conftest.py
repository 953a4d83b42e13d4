"""Shared fixtures: the public data sets shipped in tests/data and a throw-away store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check results, not speed (speed is measured in benchmarks/): no per-example
# deadline, which fails at random on a loaded machine (CI's cores shared by two workers).
settings.register_profile("payback", deadline=None)
settings.load_profile("payback")

# Compiled metric plans are not kept across processes here (payback.metrics.plans: each test
# compiles its own, and nothing is written to the user's cache folder);
# tests/metrics/test_plan_cache.py turns the plan files on in a folder of its own.
os.environ["PAYBACK_CACHE_DIR"] = ""

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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``-n auto --dist loadgroup`` in pyproject.toml) the tests of one
    file run on one worker, and every Spark test shares one worker (one local Spark or
    Spark Connect server at a time: Connect's port and the JVM's memory are per machine),
    as do the browser tests (one chromium, one server). A test that names its own
    ``xdist_group`` keeps it (the Spark Connect comparison: its own JVM in a child process,
    on a free port, minutes long, beside the other Spark tests).

    pytest-xdist 3.8 names a test's group by appending ``@group`` to ``item._nodeid``,
    which pytest 9 no longer reads (the node id is ``item._id``): every test was its own
    group, so the Spark tests ran on both workers (a JVM and a demo shop each) and the
    Connect child started whenever its first test came up. :func:`_name_groups` appends
    the group as xdist means to."""
    for item in items:
        if any(m.args for m in item.iter_markers("xdist_group")):
            continue
        if item.get_closest_marker("spark"):
            group = "spark"
        elif item.get_closest_marker("browser"):
            group = "browser"
        else:
            group = item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
    if getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
        _name_groups(items)


def _name_groups(items) -> None:
    """``nodeid@group`` for every test whose node id lacks it (what xdist's scheduler
    groups by)."""
    import dataclasses

    for item in items:
        if "@" in item.nodeid:
            continue
        names = sorted({str(m.args[0]) for m in item.iter_markers("xdist_group") if m.args})
        nodeid = f"{item.nodeid}@{'_'.join(names)}"
        if not hasattr(item, "_id"):  # pytest 8
            item._nodeid = nodeid
            continue
        named = dataclasses.replace(item._id)
        object.__setattr__(named, "_str_cache", nodeid)
        item._id = named
