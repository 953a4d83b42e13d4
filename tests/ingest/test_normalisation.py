"""What the importer changes in text values (docs/import.md, "What the importer changes").

Filters elsewhere compare exactly, so the stored spelling is part of the contract:
platform, status and kind lower-cased; currency codes upper-cased; the rest as written,
trimmed.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from payback.ingest import import_file

DOC = Path(__file__).resolve().parents[2] / "docs" / "import.md"


def _rows(store, table, *columns):
    t = store.table(table)
    return [tuple(r) for r in store.execute(t.select(*columns)).itertuples(index=False)]


def test_orders_store_the_documented_spelling(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,time,revenue,status,currency,utm_source,utm_medium,"
        "utm_campaign,platform,device,country\n"
        " O1 ,C1,2024-10-01,10,Confirmed, usd,Google,CPC,Brand_Sale,,Mobile,DE\n"
        "O2,C1,2024-10-01,10,RETURNED,USD,,,,Facebook Ads,Desktop, de \n"
        "O3,C2,2024-10-01,10,pending,USD,Email Newsletter,,,,,\n"
    )
    import_file(store, "orders", path)
    columns = (
        "order_id",
        "status",
        "currency",
        "utm_source",
        "utm_medium",
        "campaign",
        "platform",
        "device",
        "country",
    )
    assert sorted(_rows(store, "orders", *columns)) == [
        ("O1", "confirmed", "USD", "Google", "CPC", "Brand_Sale", "google", "Mobile", "DE"),
        ("O2", "returned", "USD", None, None, None, "meta", "Desktop", "de"),
        ("O3", "pending", "USD", "Email Newsletter", None, None, "email_newsletter", None, None),
    ]


def test_leads_and_rates_store_the_documented_spelling(store, tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,time,kind,status,contact\nL1,2024-10-01,Form,VALID, A@B.com \n")
    import_file(store, "leads", leads)
    assert _rows(store, "leads", "kind", "status", "contact") == [("form", "valid", "A@B.com")]
    rates = tmp_path / "rates.csv"
    rates.write_text("date,currency,rate,base_currency\n2024-10-01,eur,1.1,usd\n")
    import_file(store, "fx-rates", rates)
    assert _rows(store, "fx_rates", "currency", "base_currency") == [("EUR", "USD")]


def test_the_page_lists_exactly_the_changed_columns():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## What the importer changes in text", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (`.+?) \| (.+?) \|$", section, re.M))
    changed = {
        "lower": {c for k, v in rows.items() if v.startswith("lower") for c in _names(k)},
        "upper": {c for k, v in rows.items() if v.startswith("upper") for c in _names(k)},
    }
    assert changed == {
        "lower": {"platform", "status", "kind"},
        "upper": {"currency", "base_currency"},
    }


def _names(cell: str) -> list[str]:
    return re.findall(r"`(\w+)`", re.sub(r"\([^)]*\)", "", cell))


def test_ad_cells_are_trimmed_in_padded_columns_and_kept_in_clean_ones(store, tmp_path):
    """A column with a padded cell is trimmed cell by cell (a padded ``--`` is missing, a
    padded number or date parses); the columns without one (ad group, currency) are
    staged as written (:func:`payback.ingest.parsing.edge_spaces`): the same stored values."""
    path = tmp_path / "google.csv"
    path.write_text(
        "Day,Campaign,Ad group,Keyword,Currency code,Impr.,Clicks,Cost\n"
        '2024-10-01, Brand ,G1, -- ,usd,"1,200",3,1.50\n'
        " 2024-10-02 ,Brand,G1,kw,USD, 7 , 2,2.00 \n"
        "2024-10-03,Generic,G 2,kw 2,USD,5,1,0.25\n"
    )
    import_file(store, "ads", path, platform="google")
    columns = ("date", "campaign", "ad_group", "keyword", "currency", "impressions", "clicks")
    rows = sorted(_rows(store, "ad_stats", *columns, "cost"), key=lambda r: str(r[0]))
    assert [(str(r[0])[:10], *r[1:]) for r in rows] == [
        ("2024-10-01", "Brand", "G1", None, "USD", 1200, 3, 1.5),
        ("2024-10-02", "Brand", "G1", "kw", "USD", 7, 2, 2.0),
        ("2024-10-03", "Generic", "G 2", "kw 2", "USD", 5, 1, 0.25),
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(alphabet="a ,\t-", max_size=4)), max_size=10),
    st.integers(0, 10),
    st.integers(0, 10),
)
def test_edge_spaces_says_whether_a_cell_starts_or_ends_with_a_space(cells, start, stop):
    """:func:`payback.ingest.parsing.edge_spaces` on slices of a column (a byte scan tells
    columns without any space first): True exactly when a cell of the slice starts or
    ends with ' ' (not a tab; a null cell has none)."""
    import pyarrow as pa

    from payback.ingest.parsing import edge_spaces

    whole = pa.array(cells, pa.string())
    parts = [whole.slice(0, start), whole.slice(start, stop)]  # slices share the buffers
    shown = cells[:start] + cells[start : start + stop]
    expected = any(c is not None and (c[:1] == " " or c[-1:] == " ") for c in shown)
    assert edge_spaces(pa.chunked_array(parts, pa.string())) == expected
    assert edge_spaces(pa.chunked_array(parts, pa.string()).cast(pa.large_string())) == expected
