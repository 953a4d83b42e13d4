"""Speed measures of the importer that must not regress silently.

The parse statement grows linearly with the columns (each expression written once: the
old nested form repeated the raw text of a number cell dozens of times and DuckDB spent
more time planning than running it), and small files run on one DuckDB thread with the
connection's own setting restored afterwards.
"""

from __future__ import annotations

import pytest

from payback.errors import PaybackError
from payback.ingest import import_file
from payback.ingest import stage as stage_module


class _Recorder:
    """A DuckDB connection that remembers the statements it runs."""

    def __init__(self, con):
        self.con, self.statements = con, []

    def execute(self, sql, *args):
        self.statements.append(sql)
        return self.con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.con, name)


def test_the_parse_statement_is_linear_in_the_columns(store, data, monkeypatch):
    seen = []
    original = stage_module.parse

    def recording_parse(con, *args, **kwargs):
        recorder = _Recorder(con)
        checks = original(recorder, *args, **kwargs)
        seen.extend(s for s in recorder.statements if "_pb_parsed AS" in s)
        return checks

    monkeypatch.setattr(stage_module, "parse", recording_parse)
    import_file(store, "ads", data / "google_ads_keywords.csv")
    (statement,) = seen
    # 12 columns, 6 of them numbers: 6,711 characters (the nested form had 18,271)
    assert len(statement) < 8_000
    for header in ("Day", "Impr.", "Clicks", "Cost", "Conversions", "Conv. value"):
        assert statement.count(f'NULLIF(trim("{header}")') == 1  # the raw text, once


def test_small_files_run_on_one_thread_and_restore_the_setting(store, data, tmp_path):
    con = store.backend.con
    con.execute("SET threads = 2")
    import_file(store, "ads", data / "google_ads_keywords.csv")
    assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("date,platform,campaign,impressions,clicks,cost,currency\nx,g,c,1,1,1,USD\n")
    with pytest.raises(PaybackError):
        import_file(store, "ads", bad)
    assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 2
