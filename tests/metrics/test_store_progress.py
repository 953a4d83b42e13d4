"""open_store switches DuckDB's progress bar off: long queries print nothing (DuckDB's Python
client draws it on standard output, the CLI's own progress goes to stderr)."""

from __future__ import annotations

import subprocess
import sys

import pytest

#: a query made to report progress at once (progress_bar_time = 0 would show the bar)
_QUERY = (
    "con.execute('SET progress_bar_time = 0'); "
    "con.execute('SELECT count(*) FROM range(30000000) t(x) WHERE x % 7 = 3').fetchall()"
)


def _printed_by(setup: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"{setup}; {_QUERY}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("read_only", [False, True])
def test_a_store_query_prints_no_progress_bar(tmp_path, read_only):
    db = tmp_path / "s.duckdb"
    from payback.store import open_store

    open_store(db).close()  # create the file, so it can also be opened read-only
    setup = (
        "from payback.store import open_store; "
        f"con = open_store({str(db)!r}, read_only={read_only}).backend.con"
    )
    assert _printed_by(setup) == ""


def test_plain_duckdb_would_print_one():  # the check above can fail
    assert "100%" in _printed_by("import duckdb; con = duckdb.connect(':memory:')")
