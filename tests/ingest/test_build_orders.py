"""``payback import order-items FILE --build-orders``: the orders of a line-level file.

On a documented subset of UCI Online Retail (tests/data/online_retail/
online_retail_build_orders.csv.gz: 115 whole customer histories, 83 customer-less
invoices, the three "A" adjustment invoices) every order's status and revenue equal an
independent pandas recomputation of the rule of payback.ingest.build_orders (sums per
invoice, cancellations taken last in, first out from the customer's earlier sales).
"""

from __future__ import annotations

import pandas as pd
import pytest

from payback.cli import main
from payback.errors import DataError, InputError
from payback.ingest.build_orders import build_orders_import

MAP = (
    "order_id=InvoiceNo,product_id=StockCode,product_name=Description,quantity=Quantity,"
    "price=UnitPrice,customer_id=CustomerID,time=InvoiceDate,country=Country"
)


@pytest.fixture
def lines_file(public_data):
    return public_data / "online_retail" / "online_retail_build_orders.csv.gz"


@pytest.fixture
def lines(lines_file):
    frame = pd.read_csv(lines_file, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    frame["value"] = frame["Quantity"] * frame["UnitPrice"]
    frame["pos"] = range(len(frame))
    return frame


def expected_orders(lines: pd.DataFrame) -> pd.DataFrame:
    """Status and revenue of each order with a customer, recomputed in pandas."""
    known = lines[lines["CustomerID"].notna()]
    priced = known.assign(value=known["value"].where(known["UnitPrice"] >= 0, 0.0))
    inv = priced.groupby("InvoiceNo").agg(
        customer=("CustomerID", "first"),
        when=("InvoiceDate", "min"),
        pos=("pos", "min"),
        amount=("value", "sum"),
    )
    inv["cancel"] = inv.index.str.startswith("C") | (inv["amount"] < 0)
    inv["amount"] = inv["amount"].abs()
    inv = inv.sort_values(["customer", "when", "pos"])
    status, revenue = {}, {}
    for _, events in inv.groupby("customer", sort=False):
        open_sales: list[list] = []  # [invoice, remaining], latest last
        for invoice, row in events.iterrows():
            if not row["cancel"]:
                status[invoice], revenue[invoice] = "confirmed", row["amount"]
                if row["amount"] > 0:
                    open_sales.append([invoice, row["amount"]])
                continue
            status[invoice], revenue[invoice] = "returned", row["amount"]
            due = row["amount"]
            while due > 1e-9 and open_sales:
                sale = open_sales[-1]
                cut = min(due, sale[1])
                sale[1] -= cut
                due -= cut
                revenue[sale[0]] = sale[1]
                if sale[1] <= 1e-9:
                    open_sales.pop()
                    status[sale[0]], revenue[sale[0]] = "cancelled", inv.at[sale[0], "amount"]
    return pd.DataFrame({"status": status, "revenue": revenue})


def test_orders_equal_a_pandas_recomputation(store, lines_file, lines):
    result = build_orders_import(store, lines_file, mapping=MAP, currency="GBP")
    expected = expected_orders(lines)
    got = store.execute(store.table("orders")).set_index("order_id").sort_index()
    assert len(got) == len(expected) == 463 == result.orders.rows_in_store
    expected = expected.loc[got.index]
    assert (got["status"] == expected["status"]).all()
    assert got["revenue"].to_numpy() == pytest.approx(expected["revenue"].to_numpy(), abs=1e-6)
    assert (got["currency"] == "GBP").all()
    assert (got["country"] == lines.groupby("InvoiceNo")["Country"].first().loc[got.index]).all()
    # the confirmed revenue is net: gross sales - the cancellations matched to them
    confirmed = got.loc[got["status"] == "confirmed", "revenue"].sum()
    assert confirmed == pytest.approx(result.net_revenue)
    assert result.net_revenue == pytest.approx(result.gross_sales - result.matched_value)
    assert round(result.gross_sales, 2) == 174_673.27
    assert round(result.net_revenue, 2) == 169_993.54
    assert (result.sales, result.cancellations, result.fully_cancelled) == (404, 59, 1)
    assert result.items.rows_in_store == len(lines) == 12_130


def test_customerless_lines_and_adjustments_are_reported(store, lines_file, lines):
    result = build_orders_import(store, lines_file, mapping=MAP, currency="GBP")
    no_customer = lines[lines["CustomerID"].isna()]
    assert result.customerless_lines == len(no_customer) == 2_591
    assert result.customerless_orders == no_customer["InvoiceNo"].nunique() == 83
    adjust = lines[lines["UnitPrice"] < 0]
    assert result.adjustment_lines == len(adjust) == 2
    assert result.adjustment_value == pytest.approx(adjust["value"].sum())  # -22,124.12
    positive = no_customer[no_customer["UnitPrice"] >= 0]
    assert result.customerless_value == pytest.approx(positive["value"].sum())
    warnings = "\n".join(result.warnings)
    assert "2,591 line(s) of 83 order(s) (56,436.23 GBP) have no customer id" in warnings
    assert "2 adjustment line(s) with a negative unit price (-22,124.12 GBP" in warnings
    # every line is kept in order_items (customer-less and adjustments too)
    assert store.execute(store.table("order_items").count()) == len(lines)


def test_importing_again_replaces_the_orders(store, lines_file):
    build_orders_import(store, lines_file, mapping=MAP, currency="GBP")
    again = build_orders_import(store, lines_file, mapping=MAP, currency="GBP")
    assert again.orders.rows_in_store == 463
    assert again.items.rows_in_store == 12_130
    assert again.orders.supersedes  # the first built orders were taken out


def test_undoing_the_lines_undoes_the_orders_built_from_them(store, lines_file):
    """The orders import records the lines import it was built from; taking the lines back
    takes its orders back too (they were left active, orders without their lines)."""
    from payback.ingest.ledger import BUILT_FROM, get_import, undo_import

    built = build_orders_import(store, lines_file, mapping=MAP, currency="GBP")
    lines_id, orders_id = built.items.import_id, built.orders.import_id
    options = get_import(store, orders_id).options
    assert options[BUILT_FROM] == lines_id and options["build_orders"] == str(lines_file)
    undone = undo_import(store, lines_id)
    assert (undone.rows_removed, undone.rows_in_store) == (12_130, 0)
    assert [(d.record.id, d.rows_removed, d.rows_in_store) for d in undone.derived] == [
        (orders_id, 463, 0)
    ]
    assert get_import(store, orders_id).state == "undone"
    assert store.execute(store.table("orders").count()) == 0
    lines = undone.summary().splitlines()
    assert lines[0] == f"Undid import {lines_id} (order-items from {lines_file.name})"
    built = next(i for i, line in enumerate(lines) if line.startswith(f"Undid import {orders_id}"))
    assert lines[built].endswith(f"(built from import {lines_id}'s rows)")
    assert lines[built + 1].split() == ["rows", "removed", "463"]


def test_undoing_the_built_orders_alone_keeps_the_lines(store, lines_file):
    from payback.ingest.ledger import undo_import

    built = build_orders_import(store, lines_file, mapping=MAP, currency="GBP")
    undone = undo_import(store, built.orders.import_id)
    assert undone.derived == ()
    assert store.execute(store.table("order_items").count()) == 12_130
    assert store.execute(store.table("orders").count()) == 0


def test_order_lines_imported_as_orders_point_to_build_orders(store, lines_file):
    from payback.ingest import import_file

    with pytest.raises(DataError) as e:
        import_file(store, "orders", lines_file, currency="GBP")
    text = str(e.value)
    assert "missing required column(s) 'order_id', 'customer_id', 'time', 'revenue'" in text
    assert "the file looks like order lines (a row per product: 'Quantity', 'UnitPrice')" in text
    assert "payback import order-items FILE --build-orders --map order_id=" in text
    assert store.execute(store.table("orders").count()) == 0


def test_no_customer_column_is_an_error_naming_the_fix(store, lines_file):
    items_only = MAP.split(",customer_id")[0]
    with pytest.raises(DataError, match="no column for customer_id, time") as e:
        build_orders_import(store, lines_file, mapping=items_only, currency="GBP")
    assert "--map order_id=InvoiceNo,customer_id=CustomerID" in str(e.value)
    assert store.execute(store.table("order_items").count()) == 0  # nothing imported


def test_two_customers_in_one_order_is_an_error(store, tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,UnitPrice,CustomerID,InvoiceDate,Country\n"
        "1,A,a,1,2.0,7,2011-01-01 10:00,UK\n1,B,b,1,3.0,8,2011-01-01 10:00,UK\n"
    )
    with pytest.raises(DataError, match="order '1' has lines of customers '7' and '8'") as e:
        build_orders_import(store, path, mapping=MAP, currency="GBP")
    assert "row 2, column 'CustomerID'" in str(e.value)  # the order's first line


def test_cli_builds_orders_and_rejects_other_kinds(tmp_path, lines_file, capsys):
    db = str(tmp_path / "shop.duckdb")
    args = ["import", "order-items", str(lines_file), "--db", db, "--currency", "GBP"]
    assert main([*args, "--map", MAP, "--build-orders"]) == 0
    out = capsys.readouterr().out
    assert "net revenue       169,993.54 GBP (confirmed orders)" in out
    assert "rows now in orders   463" in out
    with pytest.raises(InputError, match="use it with `payback import order-items`"):
        from payback.ingest.build_orders import check_kind

        check_kind("orders")


def test_order_lines_alone_say_orders_are_missing(tmp_path, lines_file, capsys):
    db = ["--db", str(tmp_path / "lines.duckdb")]
    items_map = MAP.split(",customer_id")[0]
    args = ["import", "order-items", str(lines_file), "--currency", "GBP", "--map", items_map]
    assert main([*args, *db]) == 0
    capsys.readouterr()
    hint = "the store has 12,130 order line(s) but no orders"
    build = "payback import order-items FILE --build-orders --map order_id=..."
    assert main(["metrics", *db]) == 0
    assert hint in capsys.readouterr().err
    assert main(["ltv", "cohorts", *db]) == 0
    err = capsys.readouterr().err
    assert hint in err and build in err
    assert main(["ltv", "predict", *db]) == 2
    assert f"error: {hint}" in capsys.readouterr().err
