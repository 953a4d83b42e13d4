"""A required column the file lacks: the error suggests only what can work.

Headers are suggested only when genuinely close to the missing name (or one of its
aliases) and not already feeding another column; ``--set`` is never suggested for an
id (every row would get the same one).
"""

from __future__ import annotations

from payback.ingest.platforms import close_columns

from .conftest import error_message as _error


def test_a_missing_id_gets_no_set_and_no_far_fetched_column(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,email,time,revenue,status,currency\nO1,a@b.c,2024-10-01,10,confirmed,USD\n"
    )
    assert _error(store, "orders", path) == (
        f"{path}: missing required column(s) 'customer_id' for orders (generic file); found "
        "'order_id', 'email', 'time', 'revenue', 'status', 'currency'; nothing close to "
        "'customer_id'. Fix: rename the column(s) or map them: --map customer_id=COLUMN; "
        "customer_id identifies each row, so it must come from the file (not --set)"
    )


def test_a_close_free_column_is_suggested_but_not_one_already_mapped(store, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("order_id,product,quantity,price,currency\nO1,P1,1,9.5,EUR\n")
    head = (
        f"{path}: missing required column(s) 'product_id' for order-items (generic file); "
        "found 'order_id', 'product', 'quantity', 'price', 'currency'; "
    )
    fix = (
        ". Fix: rename the column(s) or map them: --map product_id=product; product_id "
        "identifies each row, so it must come from the file (not --set)"
    )
    assert _error(store, "order-items", path) == head + "closest to 'product_id': 'product'" + fix
    # 'product' feeds product_name: it is not offered for product_id
    assert _error(
        store, "order-items", path, mapping={"product_name": "product"}
    ) == head + "nothing close to 'product_id'" + fix.replace("=product;", "=COLUMN;")


def test_an_ads_report_without_date_may_set_one(store, tmp_path):
    path = tmp_path / "ads.csv"
    path.write_text("platform,campaign,impressions,clicks,cost,currency\nmeta,A,10,1,1,USD\n")
    assert _error(store, "ads", path).endswith(
        "nothing close to 'date'. Fix: rename the column(s) or map them: --map date=COLUMN; "
        "for a value the file lacks (one date, the platform, the currency) use --set "
        "date=VALUE"
    )


def test_close_columns_needs_a_genuinely_close_name():
    assert close_columns(["customer_id"], ["order_id", "partner_id", "client"]) == []
    assert close_columns(["customer_id", "client_id"], ["Customer-ID", "clientid"]) == [
        "Customer-ID",
        "clientid",
    ]
    # a ratio of at least 0.7, or a header starting with the name; best first
    assert close_columns(["revenue"], ["revenue_total_gross", "region", "Revenues"]) == [
        "Revenues",
        "revenue_total_gross",
    ]
