"""Imports and the Python API side by side with another process (issue 9, items 8-9).

A second process holds the store's file lock (as an import writing, or ``payback
serve`` reading, does): ``payback import`` waits up to ``--lock-timeout`` seconds, then
fails with a one-line error naming the holder's PID (exit 2, no traceback); with a longer
wait it imports once the holder lets go. Two imports started at once both end cleanly.
A full disk during the write is a clear error and leaves the store as it was.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from payback.cli import main
from payback.errors import DiskFullError, StoreLockedError
from payback.ingest import import_file, list_imports
from payback.store import Store, open_store

SRC = str(Path(__file__).resolve().parents[2] / "src")

# holds the store open for writing for argv[2] seconds; says "ready" once it holds it
HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


@contextmanager
def held(path: Path, seconds: float):
    """Another process holding ``path``'s write lock for ``seconds`` (from when it yields)."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout.readline().strip() == "ready"
        try:
            yield proc
        finally:
            proc.kill()  # a long hold ends with the test


def _rows(path: Path, table: str) -> int:
    with open_store(path, read_only=True) as store:
        return store.backend.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_import_waits_a_bounded_time_then_names_the_holder(tmp_path, data, capsys):
    db = tmp_path / "s.duckdb"
    open_store(db).close()
    # the holds are long and the bounds loose: on a loaded machine (CI, 2 cores shared)
    # a process start or a retry pause takes far longer than on a quiet one
    with held(db, 6.0) as holder:
        started = time.monotonic()
        code = main(["import", "ads", str(data / "google_ads_keywords.csv"), "--db", str(db),
                     "--lock-timeout", "0.3"])  # fmt: skip
        waited = time.monotonic() - started
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith(f"error: the store {db} is locked by another process: ")
        assert f"(PID {holder.pid})" in err
        assert re.search(r"gave up after waiting \d+\.\d s", err) and "--lock-timeout" in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert 0.3 <= waited < 5.0  # bounded: it did not wait for the holder's 6 s
        # a wait longer than the hold: the import runs once the holder lets go
        code = main(["import", "ads", str(data / "google_ads_keywords.csv"), "--db", str(db),
                     "--lock-timeout", "20"])  # fmt: skip
        assert code == 0, capsys.readouterr().err
        assert holder.poll() is not None  # it ran after the holder had finished
    assert _rows(db, "ad_stats") == 6


def test_the_python_api_fails_at_once_with_wait_zero(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    open_store(db).close()
    with held(db, 6.0) as holder:
        with pytest.raises(StoreLockedError) as caught:
            open_store(db, read_only=True, wait=0)
        assert caught.value.pid == holder.pid and caught.value.waited < 2.0
        assert "without waiting (wait 0)" in str(caught.value)
        monkeypatch.setenv("PAYBACK_LOCK_TIMEOUT", "0.2")
        with pytest.raises(StoreLockedError) as caught:
            open_store(db)
        assert 0.2 <= caught.value.waited < 4.0
        monkeypatch.setenv("PAYBACK_LOCK_TIMEOUT", "soon")
        with pytest.raises(Exception, match="PAYBACK_LOCK_TIMEOUT='soon': expected a number"):
            open_store(db)


def test_the_dashboard_never_waits_for_the_lock(tmp_path, monkeypatch):
    from payback.server.pool import StoreBusy, run_task

    db = tmp_path / "s.duckdb"
    open_store(db).close()
    monkeypatch.setenv("PAYBACK_LOCK_TIMEOUT", "60")  # imports would wait a minute
    with held(db, 10.0):
        started = time.monotonic()
        with pytest.raises(StoreBusy, match="the store is being written"):
            run_task(db, lambda store: "never run")
        assert time.monotonic() - started < 8  # answered 503 at once, not after 60 s


def test_two_imports_at_once_both_end_cleanly(tmp_path, data):
    db = tmp_path / "new.duckdb"  # neither finds the store: the first creates it
    run = "import sys; from payback.cli import main; raise SystemExit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", run, "import", kind, str(data / name), "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for kind, name in (("ads", "google_ads_keywords.csv"), ("leads", "leads.csv"))
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err, err
        assert proc.returncode == 0, err  # one waited for the other's lock
    with open_store(db, read_only=True) as store:
        assert sorted(r.kind for r in list_imports(store)) == ["ads", "leads"]
    assert _rows(db, "ad_stats") == 6 and _rows(db, "leads") == 8


def test_a_full_disk_is_a_clear_error_and_changes_nothing(tmp_path, data, monkeypatch):
    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        import_file(store, "leads", data / "leads.csv")
    before = _rows(db, "leads"), _rows(db, "_payback_imports")
    begin = Store.transaction

    class Full:
        """The connection, with every INSERT failing as DuckDB fails on a full disk."""

        def __init__(self, raw):
            self.raw = raw

        def execute(self, sql, *args, **kwargs):
            if sql.lstrip().upper().startswith("INSERT"):
                raise duckdb.IOException(
                    f'IO Error: Could not write file "{db}.wal": No space left on device'
                )
            return self.raw.execute(sql, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.raw, name)

    @contextmanager
    def transaction(self):
        with begin(self) as raw:
            yield Full(raw)

    monkeypatch.setattr(Store, "transaction", transaction)
    with pytest.raises(DiskFullError) as caught, open_store(db) as store:
        import_file(store, "ads", data / "google_ads_keywords.csv")
    message = str(caught.value)
    assert "no space left on device" in message
    assert "nothing was imported (the transaction was rolled back)" in message
    assert f"free space on the disk holding the folder {tmp_path}" in message
    monkeypatch.setattr(Store, "transaction", begin)
    assert (_rows(db, "leads"), _rows(db, "_payback_imports")) == before
    assert _rows(db, "ad_stats") == 0
