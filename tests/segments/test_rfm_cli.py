"""``payback segments rfm`` and ``rules`` from the command line: files for a CRM, JSON,
and a refused rule table as one clear error line."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq

from payback.cli import main


def test_members_export_to_parquet_and_csv(demo, tmp_path, capsys):
    db = demo[0]
    target = tmp_path / "members.parquet"
    argv = ["segments", "rfm", "--db", db, "--customers", "--no-predict", "-f", "parquet"]
    assert main([*argv, "-o", str(target)]) == 0
    members = pq.read_table(target).to_pandas()
    confirmed = demo[1][demo[1].status == "confirmed"]
    assert len(members) == confirmed.customer_id.nunique()
    assert set(members.columns) >= {"customer_id", "r", "f", "m", "segment"}
    meta = json.loads(pq.read_schema(target).metadata[b"payback"])
    assert meta["currency"] == "USD"
    csv_file = tmp_path / "members.csv"
    assert main([*argv[:-2], "-f", "csv", "-o", str(csv_file)]) == 0
    assert pd.read_csv(csv_file).segment.tolist() == members.segment.tolist()


def test_json_summary_has_the_segments_and_as_of(demo, capsys):
    assert main(["segments", "rfm", "--db", demo[0], "--no-predict", "-f", "json",
                 "--as-of", "2025-06-30"]) == 0  # fmt: skip
    payload = json.loads(capsys.readouterr().out)
    assert payload["as_of"] == "2025-06-30"
    segments = [r["segment"] for r in payload["rows"]]
    assert segments[:3] == ["champions", "loyal", "potential loyalists"]
    assert payload["units"]["revenue_share"] == "rate"
    assert sum(r["customers"] for r in payload["rows"][:-1]) == payload["rows"][-1]["customers"]


def test_an_overlapping_rule_table_is_one_error_line(demo, tmp_path, capsys):
    rules = tmp_path / "bad.csv"
    rules.write_text("segment,recency,fm\nrecent,3-5,*\nold,1-3,*\n")
    assert main(["segments", "rfm", "--db", demo[0], "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {rules}: 5 cell(s) match two segments: R3 FM1 (recent, old)")
    assert main(["segments", "rules", "--rules", str(rules)]) == 2


def test_bad_breakpoints_name_the_flag(demo, capsys):
    assert main(["segments", "rfm", "--db", demo[0], "--frequency-breaks", "3,2,1,0"]) == 2
    assert "--frequency-breaks must be 4 increasing numbers" in capsys.readouterr().err


def test_rules_prints_the_built_in_table(capsys):
    assert main(["segments", "rules"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("segment,recency,frequency,monetary,action\nchampions,4-5,4-5,4-5,")
