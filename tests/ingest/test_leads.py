"""Leads: statuses, duplicates from the contact key within a window, Olist leads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from payback.errors import DataError, ValidationErrors
from payback.ingest import import_file


def _status(store):
    t = store.table("leads")
    return store.execute(t.order_by("lead_id")).set_index("lead_id")["status"].to_dict()


def test_statuses_are_kept_without_a_window(store, data):
    result = import_file(store, "leads", data / "leads.csv")
    assert result.duplicates_marked == 0
    assert _status(store) == {
        "A1": "valid",
        "A2": "valid",
        "A3": "failed",
        "A4": "spam",
        "A5": "valid",
        "A6": "valid",
        "A7": "duplicate",
        "A8": "valid",
    }


def test_dedupe_window_marks_the_later_lead_of_a_contact(store, data):
    result = import_file(store, "leads", data / "leads.csv", dedupe_window="24h")
    # A2 is A1's phone 30 minutes later; A6 is A5's e-mail 25 hours later (outside 24h);
    # A3 is a failed call and stays failed; A8 comes 3 days after A3.
    assert result.duplicates_marked == 1
    assert "1 lead(s) marked duplicate: the same contact came within 24h before" in result.warnings
    status = _status(store)
    assert (status["A2"], status["A3"], status["A6"], status["A8"]) == (
        "duplicate",
        "failed",
        "valid",
        "valid",
    )


def test_a_wider_window_catches_more(store, data):
    result = import_file(store, "leads", data / "leads.csv", dedupe_window="3d")
    status = _status(store)
    # A6 (e-mail, case differs) and A8 (same phone, 70h after the failed A3) now too
    assert (status["A2"], status["A6"], status["A8"]) == ("duplicate",) * 3
    assert result.duplicates_marked == 3


def test_dedupe_is_idempotent_and_sees_stored_leads(store, data, tmp_path):
    import_file(store, "leads", data / "leads.csv", dedupe_window="24h")
    again = import_file(store, "leads", data / "leads.csv", dedupe_window="24h")
    assert again.duplicates_marked == 1  # the file's own leads are not compared with themselves
    later = tmp_path / "later.csv"
    later.write_text(
        "lead_id,time,kind,status,contact\nB1,2024-10-04 09:00:00,call,valid,"
        "(555) 010-0001\nB2,2024-10-04 09:10:00,form,valid,new@example.com\n"
    )
    result = import_file(store, "leads", later, dedupe_window="24h")
    # B1 has digits 5550100001, not A8's 15550100001: different contacts
    assert result.duplicates_marked == 0
    later.write_text(
        "lead_id,time,kind,status,contact\nB1,2024-10-04 09:00:00,call,valid,+1 555 010 0001\n"
    )
    result = import_file(store, "leads", later, dedupe_window="24h")
    assert result.duplicates_marked == 1  # A8 (stored) came an hour before
    assert _status(store)["B1"] == "duplicate"


def test_unknown_status_lists_the_allowed_values(store, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        "lead_id,time,kind,status\nX1,2024-10-01,call,Valid\nX2,2024-10-01,call,"
        "qualified\nX3,2024-10-01,fax,valid\n"
    )
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "leads", path)
    assert str(e.value) == (
        f"{path}: 2 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 3, column 'status': unknown status: got 'qualified', expected one of "
        "valid, failed, duplicate, spam. Fix: use one of these values (case does not matter), "
        "or translate the file's words with --status-map WORD=STATUS (e.g. "
        "paid=confirmed,refunded=returned)\n"
        f"  - {path}, row 4, column 'kind': unknown kind: got 'fax', expected one of call, form, "
        "email, chat, signup, trial_order, other. Fix: use one of these values (case does not "
        "matter)"
    )
    assert store.row_count("leads") == 0


OLIST_MAP = "lead_id=mql_id,time=first_contact_date,utm_medium=origin"


def test_olist_leads_with_day_first_dates(store, public_data):
    path = public_data / "leads" / "olist_marketing_qualified_leads_dataset.csv"
    result = import_file(
        store, "leads", path, mapping=OLIST_MAP, set_values="kind=form,status=valid"
    )
    frame = pd.read_csv(path)
    days = pd.to_datetime(frame["first_contact_date"], format="%d-%m-%Y")
    assert result.rows_read == result.rows_in_store == len(frame) == 8000
    assert result.date_min == days.min().to_pydatetime()
    assert result.date_max == days.max().to_pydatetime()
    t = store.table("leads")
    stored = store.execute(t.group_by("utm_medium").aggregate(n=t.count())).set_index("utm_medium")[
        "n"
    ]
    expected = frame["origin"].value_counts()
    for origin, n in expected.items():
        assert stored[origin] == n
    first = store.execute(t.filter(t.lead_id == frame["mql_id"][0]).time)[0]
    assert first == pd.Timestamp(2018, 2, 1)  # "01-02-2018" is 1 February


def test_ambiguous_dates_are_an_error_that_says_so(store, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        "lead_id,time,kind,status\nX1,01-02-2018,form,valid\nX2,03-04-2018,form,valid\n"
    )
    with pytest.raises(DataError) as e:
        import_file(store, "leads", path)
    assert str(e.value) == (
        f"{path}, column 'time': ambiguous date format: got '01-02-2018', expected dates that "
        "read one way only; these fit DD-MM-YYYY or MM-DD-YYYY. Fix: give the format with "
        "--date-format DD-MM-YYYY (or MM-DD-YYYY)"
    )
    result = import_file(store, "leads", path, date_format="MM-DD-YYYY")
    assert result.date_min == dt.datetime(2018, 1, 2)
