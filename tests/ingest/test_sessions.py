"""``payback import sessions``: layouts recognised by header, attribution by the orders'
rules, goals from the config, clear errors, and the ledger (re-import, undo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from payback.errors import DataError
from payback.ingest import import_file, undo_import
from payback.ingest.goals import parse_goals
from payback.store import open_store

DATA = Path(__file__).resolve().parents[1] / "data" / "sessions"


@pytest.fixture
def store():
    with open_store(":memory:") as s:
        yield s


def _rows(store, where: str = "TRUE"):
    return store.backend.con.execute(
        f"SELECT session_id, platform, campaign, ad_group, keyword, goals, new_sessions, "
        f"bounces, sessions FROM sessions WHERE {where} ORDER BY session_id"
    ).fetchall()


@pytest.mark.parametrize("name,layout,rows", [
    ("ga4_events.csv", "ga4", 160), ("metrica_visits.tsv", "metrica", 140),
    ("ga4_ui_traffic.csv", "ga4-ui", 6), ("generic_sessions.csv", "generic", 60),
])  # fmt: skip
def test_each_layout_is_recognised_from_its_header(store, name, layout, rows):
    result = import_file(store, "sessions", DATA / name, goals=DATA / "goals.toml")
    assert (result.platform, result.rows_read, result.rows_in_store) == (layout, rows, rows)
    assert result.table == "sessions" and result.import_id == 1


def test_a_metrica_visit_is_attributed_like_an_order(store):
    result = import_file(store, "sessions", DATA / "metrica_visits.tsv", goals=DATA / "goals.toml")
    # the first visit: utm_source=google, utm_campaign=tea_search, utm_content=green_tea,
    # utm_term=green tea; goals [3003] -> add_to_cart
    first = _rows(store, "session_id = '20240301000000'")[0]
    assert first[1:6] == ("google", "tea_search", "green_tea", "green tea", "add_to_cart")
    # a Direct visit with only a yclid in the start URL is yandex's (the click-id rule)
    (n,) = store.backend.con.execute(
        "SELECT count(*) FROM sessions WHERE yclid IS NOT NULL AND platform = 'yandex' "
        "AND utm_source IS NULL").fetchone()  # fmt: skip
    assert n > 0
    assert any("3999" in w for w in result.warnings)  # the unmapped goal id is named


def test_ga4_events_group_into_sessions_with_their_goals_and_source(store):
    result = import_file(store, "sessions", DATA / "ga4_events.csv")
    assert any("1 event(s) without" in w for w in result.warnings)
    con = store.backend.con
    # auto-tagged Google Ads sessions: no UTM, GA4's campaign name, platform google
    (ads,) = con.execute(
        "SELECT count(*) FROM sessions WHERE gclid IS NOT NULL AND platform = 'google'"
    ).fetchone()
    assert ads > 0
    # google / organic is no campaign tag: no platform
    (organic,) = con.execute(
        "SELECT count(*) FROM sessions WHERE utm_medium = 'organic' OR utm_source = '(direct)'"
    ).fetchone()
    assert organic == 0
    goals = {g for (g,) in con.execute("SELECT DISTINCT unnest(string_split(goals, ',')) "
                                       "FROM sessions").fetchall()}  # fmt: skip
    assert goals == {"purchase", "sign_up", "add_to_cart", "phone_click"}


def test_reimport_replaces_and_undo_takes_back(store):
    import_file(store, "sessions", DATA / "generic_sessions.csv")
    again = import_file(store, "sessions", DATA / "generic_sessions.csv")
    assert again.rows_in_store == 60 and again.supersedes == ((1, 60),)
    undo_import(store, again.import_id)
    assert store.row_count("sessions") == 60  # the first import is back


def test_bad_cells_name_file_row_column_and_value(tmp_path, store):
    bad = tmp_path / "visits.csv"
    bad.write_text("session_id,time,page_views\ns1,2024-03-01 10:00:00,3\ns2,yesterday,2\n")
    with pytest.raises(DataError) as e:
        import_file(store, "sessions", bad)
    msg = str(e.value)
    assert "row 3" in msg and "'time'" in msg and "'yesterday'" in msg
    assert store.row_count("sessions") == 0
    dup = tmp_path / "dup.csv"
    dup.write_text("session_id,time\ns1,2024-03-01\ns1,2024-03-02\n")
    with pytest.raises(DataError, match="session 's1' is in rows 2, 3"):
        import_file(store, "sessions", dup)
    odd = tmp_path / "odd.csv"
    odd.write_text("visit,when\n1,2\n")
    with pytest.raises(DataError, match="fits no sessions layout"):
        import_file(store, "sessions", odd)


def test_a_bad_goals_file_names_the_file_and_what_is_wrong(tmp_path):
    with pytest.raises(DataError, match=r"goals.toml, row 2: not valid TOML"):
        parse_goals("[purchase]\nkind = macro\n", file="goals.toml")
    with pytest.raises(DataError, match=r"goal \[lead\]: kind.*got 'big'"):
        parse_goals('[lead]\nkind = "big"\n', file="goals.toml")


def test_a_nested_ga4_parquet_export_gives_the_sessions_of_the_flat_file(tmp_path, store):
    """The BigQuery export as Parquet keeps its records (``collected_traffic_source``,
    ``device``) and the ``event_params`` list: built here from the flat fixture, it must
    import to the very same sessions."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    flat = pd.read_csv(DATA / "ga4_events.csv", dtype=str)
    value = pa.struct([("string_value", pa.string()), ("int_value", pa.int64()),
                       ("float_value", pa.float64()), ("double_value", pa.float64())])  # fmt: skip
    params = []
    for row in flat.itertuples(index=False):
        p = []
        for k in ("ga_session_id", "ga_session_number", "engagement_time_msec"):
            v = getattr(row, k)
            if isinstance(v, str):
                p.append({"key": k, "value": {"int_value": int(float(v))}})
        for k in ("page_location", "session_engaged"):
            v = getattr(row, k)
            if isinstance(v, str):
                p.append({"key": k, "value": {"string_value": v}})
        params.append(p)
    records: dict[str, dict[str, list]] = {}
    for column in flat.columns:
        if "." in column:
            record, _, rest = column.partition(".")
            records.setdefault(record, {})[rest] = flat[column].where(flat[column].notna(), None)
    columns = {
        "event_date": flat.event_date,
        "event_timestamp": flat.event_timestamp.astype("int64"),
        "event_name": flat.event_name,
        "user_pseudo_id": flat.user_pseudo_id,
        "event_params": pa.array(
            params, type=pa.list_(pa.struct([("key", pa.string()), ("value", value)]))
        ),
    }
    for record, fields in records.items():
        nested: dict[str, dict[str, list]] = {}
        flat_fields = {}
        for name, values in fields.items():
            if "." in name:
                inner, _, leaf = name.partition(".")
                nested.setdefault(inner, {})[leaf] = pa.array(values.tolist(), pa.string())
            else:
                flat_fields[name] = pa.array(values.tolist(), pa.string())
        arrays = {**flat_fields, **{k: pa.StructArray.from_arrays(list(v.values()), list(v))
                                    for k, v in nested.items()}}  # fmt: skip
        columns[record] = pa.StructArray.from_arrays(list(arrays.values()), list(arrays))
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table(columns), path)
    assert "manual_campaign" in str(pq.read_schema(path))  # records nested two deep
    nested_result = import_file(store, "sessions", path)
    assert nested_result.platform == "ga4" and nested_result.rows_read == 160
    from_parquet = _rows(store)
    with open_store(":memory:") as other:
        import_file(other, "sessions", DATA / "ga4_events.csv")
        assert from_parquet == _rows(other)


def test_options_of_other_kinds_are_refused_not_ignored(store):
    from payback.errors import InputError

    with pytest.raises(InputError, match=r"--map, --currency do\(es\) not apply to sessions"):
        import_file(store, "sessions", DATA / "generic_sessions.csv", mapping="time=when",
                    currency="USD")  # fmt: skip
