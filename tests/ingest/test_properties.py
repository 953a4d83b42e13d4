"""Property tests: number parsing, URL parsing and import totals against Python itself."""

from __future__ import annotations

import csv
import io
import re
import urllib.parse

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payback.ingest import import_file
from payback.ingest.attribution import url_param_sql
from payback.ingest.parsing import lit, number_sql
from payback.store import open_store

CON = duckdb.connect()


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_plain_and_us_thousands_numbers_parse_to_the_same_value(x):
    plain = repr(round(x, 2))
    grouped = f"{round(x, 2):,.2f}"
    got = CON.execute(f"SELECT {number_sql(lit(plain))}, {number_sql(lit(grouped))}").fetchone()
    assert got[0] == pytest.approx(float(plain))
    assert got[1] == pytest.approx(float(grouped.replace(",", "")))


@given(st.text(alphabet="0123456789,.", min_size=1, max_size=12))
def test_a_number_parses_only_when_python_agrees(text):
    got = CON.execute(f"SELECT {number_sql(lit(text))}").fetchone()[0]
    plain = re.fullmatch(r"[0-9]+(\.[0-9]*)?|\.[0-9]+", text)
    grouped = re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", text)
    expected = float(text.replace(",", "")) if plain or grouped else None
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


_value = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


@given(source=_value, campaign=_value, term=_value)
def test_url_parameters_decode_like_urllib(source, campaign, term):
    query = urllib.parse.urlencode(
        {"utm_source": source, "utm_campaign": campaign, "utm_term": term}
    )
    url = f"https://shop.example/p?{query}#frag"
    got = CON.execute(
        "SELECT "
        + ", ".join(url_param_sql(lit(url), p) for p in ("utm_source", "utm_campaign", "utm_term"))
    ).fetchone()
    parsed = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    for value, name in zip(got, ("utm_source", "utm_campaign", "utm_term"), strict=True):
        expected = parsed[name][0].strip(" \t\r\n") or None
        assert value == expected


_row = st.tuples(
    st.integers(1, 28),  # day
    st.sampled_from(["Brand", "Generic", "Retargeting"]),
    st.integers(0, 10**6),  # impressions
    st.integers(0, 10**4),  # clicks (capped by impressions below)
    st.decimals(0, 10**6, places=2, allow_nan=False, allow_infinity=False),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_row, min_size=1, max_size=40))
def test_import_totals_equal_the_sum_of_the_rows_and_twice_is_once(rows, tmp_path_factory):
    folder = tmp_path_factory.mktemp("prop")
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Day", "Campaign", "Keyword", "Currency code", "Impr.", "Clicks", "Cost"])
    for i, (day, campaign, impressions, clicks, cost) in enumerate(rows):
        w.writerow(
            [
                f"2024-10-{day:02d}",
                campaign,
                f"kw{i}",
                "USD",
                f"{impressions:,}",
                min(clicks, impressions),
                f"{cost:,}",
            ]
        )
    path = folder / "google.csv"
    path.write_text("Report\nAll time\n" + out.getvalue(), encoding="utf-8")
    with open_store(folder / "s.duckdb") as store:
        for _ in range(2):
            result = import_file(store, "ads", path)
            t = store.table("ad_stats")
            got = store.execute(t.aggregate(c=t.cost.sum(), i=t.impressions.sum()))
            assert result.rows_in_store == len(rows)
            assert got["c"][0] == pytest.approx(float(sum(r[4] for r in rows)))
            assert got["i"][0] == sum(r[2] for r in rows)
