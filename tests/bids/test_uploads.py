"""Upload files match the documented layouts byte for byte, and read back (round trip)."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.conftest import TEST_DATA

from payback.bids import read_bids, write_upload
from payback.bids.uploads import MICROSOFT_COLUMNS
from payback.errors import InputError

FIXTURES = TEST_DATA / "bids"


def _rows(platform: str) -> pd.DataFrame:
    return pd.DataFrame({
        "platform": [platform, platform, platform, "other"],
        "campaign": ["Brand"] * 4, "ad_group": ["Brand"] * 4,
        "keyword": ["payback tea", "tea shop", "held", "elsewhere"],
        "match_type": ["Exact match", "Phrase", "Broad", "Exact"],
        "keyword_id": ["123", "124", "125", "9"], "ad_group_id": ["45"] * 4,
        "new_bid": [0.42, 0.30, 0.50, 1.0], "action": ["raise", "pause", "hold", "lower"],
    })  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "platform", "fixture", "count"),
    [
        ("google-editor", "google", "google_editor.csv", 2),
        ("microsoft-bulk", "microsoft", "microsoft_bulk.csv", 2),
        ("yandex-commander", "yandex", "yandex_commander.tsv", 1),
    ],
)
def test_the_file_is_the_documented_layout(tmp_path, fmt, platform, fixture, count):
    path = tmp_path / fixture
    assert write_upload(_rows(platform), fmt, path) == count
    assert path.read_bytes() == (FIXTURES / fixture).read_bytes()


def test_microsoft_header_is_the_keyword_record_and_name_holds_the_version():
    lines = (FIXTURES / "microsoft_bulk.csv").read_text().splitlines()
    header, version = lines[0].split(","), lines[1].split(",")
    assert header[0] == "Type" and len(header) == 21 == len(MICROSOFT_COLUMNS)
    assert version[0] == "Format Version" and version[header.index("Name")] == "6.0"


@pytest.mark.parametrize(
    ("fixture", "platform", "ids"),
    [
        ("google_editor.csv", "google", [None, None]),
        ("microsoft_bulk.csv", "microsoft", ["123", "124"]),
        ("yandex_commander.tsv", "yandex", ["123"]),
    ],
)
def test_read_back(fixture, platform, ids):
    bids = read_bids(FIXTURES / fixture)
    assert bids["platform"].eq(platform).all()
    assert bids["keyword"].tolist() == ["payback tea", "tea shop"][: len(ids)]
    assert bids["bid"].iloc[0] == 0.42
    if len(ids) > 1:  # the paused row carries no bid: no change
        assert pd.isna(bids["bid"].iloc[1])
    assert bids.get("keyword_id", pd.Series([None] * len(ids))).tolist() == ids


def test_round_trip_keeps_bids_ids_and_match_types(tmp_path):
    rows = _rows("microsoft").iloc[:1]
    path = tmp_path / "bulk.csv"
    write_upload(rows, "microsoft-bulk", path)
    back = read_bids(path)
    assert back[["keyword", "bid", "keyword_id", "ad_group_id", "match_type"]].values.tolist() == [
        ["payback tea", 0.42, "123", "45", "Exact"]
    ]


def test_payback_csv_reads_its_new_bid(tmp_path):
    path = tmp_path / "recs.csv"
    path.write_text("platform,campaign,ad_group,keyword,bid,new_bid\ngoogle,C,G,k,1.0,1.3\n")
    assert read_bids(path)[["platform", "bid"]].values.tolist() == [["google", 1.3]]


def test_errors_name_the_file_row_and_fix(tmp_path):
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"x.csv: not a bids file: expected .*Max CPC.*got a, b"):
        read_bids(other)
    bad = tmp_path / "g.csv"
    bad.write_text("Campaign,Ad group,Keyword,Criterion Type,Max CPC\nC,G,k,Exact,lots\n")
    with pytest.raises(InputError, match=r"g.csv, row 2, column bid: 'lots' is not a number"):
        read_bids(bad)
    with pytest.raises(InputError, match="unknown upload format 'adwords'"):
        write_upload(_rows("google"), "adwords")
