"""The RFM rule table: every score cell maps to exactly one segment; overlaps and gaps
are refused naming the cells; a table can be given as R F M or R FM, from a file."""

from __future__ import annotations

import itertools

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from payback.errors import InputError
from payback.segments import default_rules, fm_score, parse_rules, read_rules

CELLS_3D = list(itertools.product(range(1, 6), repeat=3))


def test_the_default_table_covers_every_cell_once():
    table = default_rules()
    assert len(table.cells) == 125
    assert table.segments == (
        "champions", "loyal", "potential loyalists", "new", "promising", "need attention",
        "about to sleep", "can't lose", "at risk", "hibernating", "lost",
    )  # fmt: skip
    sizes = {s: sum(v == s for v in table.cells.values()) for s in table.segments}
    assert sizes == {
        "champions": 8, "loyal": 22, "potential loyalists": 20, "new": 5, "promising": 5,
        "need attention": 10, "about to sleep": 5, "can't lose": 8, "at risk": 26,
        "hibernating": 8, "lost": 8,
    }  # fmt: skip
    assert table.segment_of(5, 5, 5) == "champions"  # never relabelled "loyal"
    assert all(table.actions[s] for s in table.segments)


def test_an_overlap_names_its_cells_and_segments():
    text = "segment,recency,frequency,monetary\nbest,5,5,5\ngood,4-5,4-5,4-5\nrest,1-3,*,*\n"
    text += "rest,4-5,1-3,*\nrest,4-5,4-5,1-3\n"
    with pytest.raises(InputError) as info:
        parse_rules(text, source="mine.csv")
    assert str(info.value).startswith(
        "mine.csv: 1 cell(s) match two segments: R5 F5 M5 (best, good)."
    )


def test_a_gap_names_its_cells_never_others():
    text = "segment,recency,fm\nrecent,4-5,*\nold,1-2,*\nmiddle,3,1-4\n"
    with pytest.raises(InputError, match=r"1 cell\(s\) match no segment: R3 FM5\. .*no 'Others'"):
        parse_rules(text)


def test_many_gaps_are_listed_with_a_count():
    with pytest.raises(
        InputError, match=r"100 cell\(s\) match no segment: R1 F1 M1, .* and 88 more"
    ):
        parse_rules("segment,r,f,m\nrecent,5,*,*\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("segment,recency,frequency\nx,*,*\n", "not a mix"),
        ("segment,recency,fm,colour\nx,*,*,red\n", "unknown: \\['colour'\\]"),
        ("segment,recency,fm\nx,0-5,*\n", "outside 1-5"),
        ("segment,recency,fm\nx,5-4,*\n", "outside 1-5 or reversed"),
        ("segment,recency,fm\nx,high,*\n", "unparsable score range 'high'"),
        ("segment,recency,fm\n,*,*\n", "row 2: empty segment name"),
        ("segment,recency,fm,action\nx,1-2,*,a\nx,3-5,*,b\n", "row 3: segment 'x' has two"),
    ],
)
def test_malformed_tables_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        parse_rules(text)


def test_a_two_axis_table_uses_the_fm_mean_rounded_half_up(tmp_path):
    path = tmp_path / "rf.csv"
    path.write_text("segment,recency,fm,action\ntop,4-5,4-5,keep\nlow,*,1-3,\nlow,1-3,4-5,\n")
    table = read_rules(path)
    assert table.axes == ("recency", "fm") and table.source == str(path)
    assert table.segment_of(5, 3, 4) == "top"  # FM = (3 + 4 + 1) // 2 = 4
    assert table.segment_of(5, 3, 3) == "low"
    assert [fm_score(f, m) for f, m in [(1, 1), (1, 2), (2, 3), (5, 5)]] == [1, 2, 3, 5]
    with pytest.raises(InputError, match="no rule table at"):
        read_rules(tmp_path / "missing.csv")


@st.composite
def _partitions(draw):
    """A random valid table: each (R, F) pair split at a random M into two segments."""
    names = ["a", "b", "c", "d"]
    rows, owner = [], {}
    for r, f in itertools.product(range(1, 6), repeat=2):
        cut = draw(st.integers(1, 5))
        low, high = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        rows.append((low, r, f, f"1-{cut}"))
        for m in range(1, cut + 1):
            owner[(r, f, m)] = low
        if cut < 5:
            rows.append((high, r, f, f"{cut + 1}-5"))
            for m in range(cut + 1, 6):
                owner[(r, f, m)] = high
    return rows, owner


def _csv(rows) -> str:
    return "segment,recency,frequency,monetary\n" + "".join(
        f"{s},{r},{f},{m}\n" for s, r, f, m in rows
    )


@settings(max_examples=40, deadline=None)
@given(_partitions(), st.data())
def test_property_every_cell_maps_to_exactly_one_segment(partition, data):
    rows, owner = partition
    table = parse_rules(_csv(rows))
    assert all(table.segment_of(*c) == owner[c] for c in CELLS_3D)
    # drop a row: its cells are named as a gap
    i = data.draw(st.integers(0, len(rows) - 1))
    s, r, f, m = rows[i]
    lo, hi = (int(x) for x in m.split("-"))
    with pytest.raises(InputError, match=f"match no segment: R{r} F{f} M{lo}"):
        parse_rules(_csv(rows[:i] + rows[i + 1 :]))
    # the same cells again under another name: an overlap naming both segments
    clash = (s + "x", r, f, m)
    with pytest.raises(InputError, match=rf"R{r} F{f} M{hi} \({s}, {s}x\)"):
        parse_rules(_csv([*rows, clash]))
