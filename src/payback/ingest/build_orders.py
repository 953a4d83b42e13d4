"""Orders built from a line-level file: ``payback import order-items FILE --build-orders``.

A shop export with one row per order line (UCI Online Retail: InvoiceNo, StockCode,
Quantity, UnitPrice, CustomerID, InvoiceDate, Country) is imported as ``order_items``
and, in the same command, summed into ``orders``:

- one order per order id; its customer, time (of its first line) and country are read
  from the lines (``--map customer_id=...,time=...,country=...``);
- gross revenue of an order = sum(quantity x unit price) over its lines with a unit
  price >= 0, in the store's base currency (the lines as imported);
- **adjustment lines** (a negative unit price, UCI "Adjust bad debt") are kept in
  ``order_items``, reported, and left out of every order's revenue;
- **cancellations** are the orders whose id starts with ``C`` (the UCI convention) or
  whose lines sum below zero. A cancellation does not name the sale it cancels, so it is
  matched by this rule (last in, first out): it reduces the revenue of the same
  customer's latest sale placed at or before it, the rest the sale before that, and so
  on. A sale reduced to zero becomes ``cancelled`` (revenue: what was ordered); a sale
  reduced in part stays ``confirmed`` with its net revenue. The cancellation itself is
  recorded as a ``returned`` order (revenue: the amount cancelled), which no metric
  counts. The part of a cancellation beyond the customer's earlier sales (goods bought
  before the file starts) reduces nothing and is reported. So the confirmed revenue is
  net: gross sales - the cancellations matched;
- lines without a customer id are kept in ``order_items`` and left out of ``orders``
  (an order needs a customer); their lines, orders and value are reported.

Events of one customer are ordered by time (parsed with ``--date-format`` or ISO), then
by file order.

Examples
--------
>>> import numpy as np
>>> net, matched = lifo_net(
...     np.array(["a", "a", "a", "b"]),
...     np.array([10.0, 5.0, 8.0, 3.0]),
...     np.array([False, False, True, True]),
... )
>>> net.tolist(), matched.tolist()     # 8 cancelled: 5 from the latest sale, 3 from the first
([7.0, 0.0, 0.0, 0.0], [0.0, 0.0, 8.0, 0.0])
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from payback.errors import DataError, InputError
from payback.ingest import ledger
from payback.ingest.options import parse_pairs, strftime_format
from payback.ingest.parsing import raw_sql
from payback.present.values import fixed
from payback.schema import ORDERS
from payback.store import Store

#: Columns of ``orders`` that ``--map`` may name in a line-level file.
ORDER_COLUMNS = ("customer_id", "time", "country")

_TOLERANCE = 1e-6  # money left below this is nothing (sums of float products)


@dataclass(frozen=True)
class BuiltOrders:
    """What ``--build-orders`` did: the two imports and how the lines became orders.

    Attributes
    ----------
    items, orders : ImportResult
        The ``order_items`` import and the ``orders`` import built from it.
    sales, cancellations : int
        Orders of customers that are sales / cancellations.
    fully_cancelled : int
        Sales reduced to zero (now ``cancelled``).
    gross_sales, cancelled_value, matched_value, net_revenue : float
        Revenue of the sales, value of the cancellations, the part of it matched to
        earlier sales, and gross_sales - matched_value (the confirmed revenue).
    unmatched_cancellations : int
        Cancellations with a part that no earlier sale of the customer could absorb.
    customerless_lines, customerless_orders : int
    customerless_value : float
        Lines, orders and value (sum of quantity x price) without a customer id.
    adjustment_lines : int
    adjustment_value : float
        Lines with a negative unit price and their value.
    zero_orders : int
        Sales whose lines sum to zero (free goods only): confirmed orders of revenue 0.
    warnings : tuple of str
    """

    items: Any
    orders: Any
    sales: int
    cancellations: int
    fully_cancelled: int
    gross_sales: float
    cancelled_value: float
    matched_value: float
    net_revenue: float
    unmatched_cancellations: int
    customerless_lines: int
    customerless_orders: int
    customerless_value: float
    adjustment_lines: int
    adjustment_value: float
    zero_orders: int
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """The text ``payback import order-items --build-orders`` prints."""
        cur = self.orders.currency or ""
        pairs = [
            ("sales", f"{self.sales:,} ({self.fully_cancelled:,} cancelled in full)"),
            ("cancellations", f"{self.cancellations:,} (recorded as returned orders)"),
            ("gross sales", f"{fixed(self.gross_sales, 2)} {cur}"),
            ("cancelled", f"{fixed(self.cancelled_value, 2)} {cur}"),
            ("matched to sales", f"{fixed(self.matched_value, 2)} {cur}"),
            ("net revenue", f"{fixed(self.net_revenue, 2)} {cur} (confirmed orders)"),
        ]
        width = max(len(label) for label, _ in pairs) + 2
        text = [self.items.summary(), self.orders.summary(), "Orders built from the lines"]
        text += [f"  {label:<{width}}{value}" for label, value in pairs]
        text += [f"warning: {w}" for w in self.warnings]
        return "\n".join(text)


def lifo_net(
    customer: np.ndarray, amount: np.ndarray, cancel: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Net revenue of sales after cancellations, last in, first out, per customer.

    The events are sorted by customer, then time. A cancellation of value c takes
    min(c, net of the latest sale still open) from that sale, then the sale before, ...

    Returns
    -------
    (net, matched) : arrays of float
        net: the sale's revenue after cancellations (0 for cancellations); matched: the
        part of each cancellation taken from earlier sales (0 for sales).
    """
    net = np.where(cancel, 0.0, amount).astype(float)
    matched = np.zeros(len(amount))
    stack: list[int] = []
    previous = None
    for i in range(len(amount)):  # one pass; the stack is one customer's open sales
        if customer[i] != previous:
            stack, previous = [], customer[i]
        if not cancel[i]:
            if net[i] > 0:
                stack.append(i)
            continue
        left = float(amount[i])
        while left > _TOLERANCE and stack:
            j = stack[-1]
            take = min(left, net[j])
            left -= take
            net[j] = 0.0 if take >= net[j] - _TOLERANCE else net[j] - take
            if net[j] == 0.0:
                stack.pop()
        matched[i] = amount[i] - max(left, 0.0)
    return net, matched


def build_orders_import(
    store: Store,
    path: str | Path,
    *,
    mapping: Mapping[str, str] | str | Iterable[str] | None = None,
    date_format: str | None = None,
    **options: Any,
) -> BuiltOrders:
    """Import a line-level file as ``order_items`` and build its ``orders`` (rule above).

    Parameters
    ----------
    store : Store
    path : str or Path
        The line-level file.
    mapping : mapping or "canon=source,..."
        ``--map`` of the lines, which also names the orders' ``customer_id``, ``time``
        and ``country`` columns found in the lines.
    date_format : str, optional
        Format of the time column when not ISO.
    **options
        Other options of :func:`payback.ingest.import_file`.

    Raises
    ------
    payback.errors.DataError
        No customer or time column, or an order whose lines name two customers (nothing
        is imported then).
    """
    from payback.ingest.api import import_file

    path = Path(path)
    pairs = parse_pairs(mapping, option="--map")
    order_map = {k: v for k, v in pairs.items() if k in ORDER_COLUMNS}
    item_map = {k: v for k, v in pairs.items() if k not in ORDER_COLUMNS}
    con = store.backend.con
    _order_heads(con, path, order_map, item_map, date_format)
    try:
        items = import_file(
            store, "order-items", path, mapping=item_map, date_format=date_format, **options
        )
        return _build(con, store, path, items, date_format, options)
    finally:
        for name in ("_bo_heads", "_bo_amounts"):
            con.execute(f"DROP TABLE IF EXISTS temp.{name}")


def _order_heads(con, path: Path, order_map, item_map, date_format) -> None:
    """TEMP TABLE ``_bo_heads``: one row per order id of the file (customer, first line's
    time and country, parsed time, first row); checks one customer per order."""
    from payback.ingest.platforms import GENERIC, detect_layout, resolve_columns
    from payback.ingest.readers import peek_file, read_csv, read_parquet
    from payback.schema import ORDER_ITEMS

    peek = peek_file(path)
    if peek.format == "parquet":
        raw = read_parquet(path)
    else:
        found = detect_layout(
            peek.lines, kind="order-items", mapping=item_map, table=ORDER_ITEMS, file=str(path)
        )
        raw = read_csv(path, peek, header_index=found.header_index, delimiter=found.delimiter)
    id_plan = resolve_columns(
        ORDER_ITEMS,
        GENERIC,
        raw.columns,
        mapping=item_map,
        set_values={},
        file=str(path),
        require=False,
    )
    plan = resolve_columns(
        ORDERS,
        GENERIC,
        raw.columns,
        mapping=order_map,
        set_values={},
        file=str(path),
        require=False,
    )
    missing = [c for c in ("customer_id", "time") if c not in plan.sources]
    if "order_id" not in id_plan.sources or missing:
        raise DataError(
            f"--build-orders needs each line's order id, customer and time; the file has no "
            f"column for {', '.join(missing or ['order_id'])}",
            file=str(path),
            expected=f"one of its columns: {', '.join(raw.columns)}",
            fix="name them in --map, e.g. --map order_id=InvoiceNo,customer_id=CustomerID,"
            "time=InvoiceDate,country=Country",
        )
    types = {f.name: f.type for f in raw.table.schema}

    def text(source) -> str:
        return raw_sql(source.column, types[source.column], GENERIC.null_tokens)

    oid = text(id_plan.sources["order_id"])
    cust = text(plan.sources["customer_id"])
    time = text(plan.sources["time"])
    country = text(plan.sources["country"]) if "country" in plan.sources else "NULL"
    parsed = f"TRY_CAST({time} AS TIMESTAMP)"
    if date_format:
        parsed = f"try_strptime({time}, '{strftime_format(date_format)}')"
    con.register("_pb_lines_src", raw.table)
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _bo_heads AS
            SELECT oid AS order_id, min(cust) AS customer_id, count(DISTINCT cust) AS n_cust,
                   max(cust) AS other_cust,
                   arg_min(time, _row) AS time, min(parsed) AS parsed,
                   arg_min(country, _row) AS country, min(_row) AS first_row,
                   count(*) AS lines, count(*) FILTER (cust IS NULL) AS lines_without
            FROM (SELECT {oid} AS oid, {cust} AS cust, {time} AS time, {country} AS country,
                         {parsed} AS parsed, _row FROM _pb_lines_src)
            WHERE oid IS NOT NULL GROUP BY oid"""
        )
    finally:
        con.unregister("_pb_lines_src")
    two = con.execute(
        "SELECT order_id, first_row, customer_id, other_cust FROM _bo_heads WHERE n_cust > 1 "
        "ORDER BY first_row"
    ).fetchall()
    if two:
        oid, _, one, other = two[0]
        raise DataError(
            f"order {oid!r} has lines of customers {one!r} and {other!r}: an order belongs "
            f"to one customer (the row is the order's first line)",
            file=str(path),
            row=int(two[0][1]),
            column=plan.sources["customer_id"].column,
            fix="check the order id and customer columns (--map order_id=...,customer_id=...)",
            more=len(two) - 1,
        )


def _build(con, store: Store, path: Path, items, date_format, options) -> BuiltOrders:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _bo_amounts AS
        SELECT h.*, coalesce(a.amount, 0) AS amount, coalesce(a.adjust_lines, 0) AS adjust_lines,
               coalesce(a.adjust_value, 0) AS adjust_value,
               h.order_id LIKE 'C%' OR coalesce(a.amount, 0) < 0 AS cancel
        FROM _bo_heads h LEFT JOIN (
            SELECT order_id,
                   coalesce(sum(quantity * price) FILTER (price >= 0), 0) AS amount,
                   count(*) FILTER (price < 0) AS adjust_lines,
                   coalesce(sum(quantity * price) FILTER (price < 0), 0) AS adjust_value
            FROM main.order_items WHERE order_id IN (SELECT order_id FROM _bo_heads)
            GROUP BY order_id) a USING (order_id)"""
    )
    without = con.execute(
        "SELECT coalesce(sum(lines_without), 0), count(*) FILTER (customer_id IS NULL), "
        "coalesce(sum(amount) FILTER (customer_id IS NULL), 0), "
        "coalesce(sum(adjust_lines), 0), coalesce(sum(adjust_value), 0), "
        "arg_min(order_id, first_row) FILTER (adjust_lines > 0) FROM _bo_amounts"
    ).fetchone()
    frame = con.execute(
        "SELECT order_id, customer_id, time, country, amount, cancel FROM _bo_amounts "
        "WHERE customer_id IS NOT NULL ORDER BY customer_id, parsed NULLS LAST, first_row"
    ).to_arrow_table()
    cancel = frame["cancel"].to_numpy(zero_copy_only=False)
    amount = np.abs(frame["amount"].to_numpy(zero_copy_only=False))
    net, matched = lifo_net(frame["customer_id"].to_numpy(zero_copy_only=False), amount, cancel)
    full = ~cancel & (amount > 0) & (net == 0)
    status = np.where(cancel, "returned", np.where(full, "cancelled", "confirmed"))
    revenue = np.where(cancel | full, amount, net)
    base = store.base_currency or items.currency
    orders_table = pa.table(
        {
            "order_id": frame["order_id"],
            "customer_id": frame["customer_id"],
            "time": frame["time"],
            "revenue": pa.array(np.round(revenue, 6)),
            "status": pa.array(status),
            "currency": pa.array([base] * frame.num_rows, pa.string()),
            "country": frame["country"],
        }
    )
    orders = _import_orders(store, path, orders_table, date_format, options)
    if orders.import_id is not None and items.import_id is not None:
        # undoing the lines undoes these orders (payback imports undo)
        ledger.record_built_from(
            store,
            orders.import_id,
            items.import_id,
            build_orders=str(path),
            **({"date_format": date_format} if date_format else {}),
        )
    unmatched = int(((amount - matched) > 0.005)[cancel].sum())
    gross = float(amount[~cancel].sum())
    result = BuiltOrders(
        items=items,
        orders=orders,
        sales=int((~cancel).sum()),
        cancellations=int(cancel.sum()),
        fully_cancelled=int(full.sum()),
        gross_sales=gross,
        cancelled_value=float(amount[cancel].sum()),
        matched_value=float(matched.sum()),
        net_revenue=gross - float(matched.sum()),
        unmatched_cancellations=unmatched,
        customerless_lines=int(without[0]),
        customerless_orders=int(without[1]),
        customerless_value=float(without[2]),
        adjustment_lines=int(without[3]),
        adjustment_value=float(without[4]),
        zero_orders=int((~cancel & (amount == 0)).sum()),
    )
    return replace(result, warnings=tuple(_warnings(result, without[5], base or "")))


def _import_orders(store: Store, path: Path, table: pa.Table, date_format, options):
    """Import the built orders through the ordinary orders import (checks, attribution,
    ledger): from a CSV in a temporary folder, so that the same lines give the same file
    and a second import replaces the first."""
    from payback.ingest.api import import_file

    keep = {k: v for k, v in options.items() if k == "progress"}
    with tempfile.TemporaryDirectory(prefix="payback-orders-") as folder:
        csv = Path(folder) / f"{path.name.split('.')[0]}.orders.csv"
        con = store.backend.con
        con.register("_pb_built", table)
        try:
            con.execute(f"COPY (SELECT * FROM _pb_built) TO '{csv}' (HEADER)")
        finally:
            con.unregister("_pb_built")
        result = import_file(store, "orders", csv, date_format=date_format, **keep)
    return replace(result, file=f"{path} (orders built from its lines)")


def _warnings(r: BuiltOrders, adjust_example: str | None, cur: str) -> list[str]:
    out = []
    if r.customerless_lines:
        out.append(
            f"{r.customerless_lines:,} line(s) of {r.customerless_orders:,} order(s) "
            f"({fixed(r.customerless_value, 2)} {cur}) have no customer id: they are in "
            f"order_items but not in orders (an order needs a customer)"
        )
    if r.adjustment_lines:
        out.append(
            f"{r.adjustment_lines:,} adjustment line(s) with a negative unit price "
            f"({fixed(r.adjustment_value, 2)} {cur}, e.g. order {adjust_example!r}) are in "
            f"order_items but in no order's revenue"
        )
    if r.unmatched_cancellations:
        rest = r.cancelled_value - r.matched_value
        out.append(
            f"{r.unmatched_cancellations:,} cancellation(s) exceed the customer's earlier "
            f"sales in the file by {fixed(rest, 2)} {cur} in total (goods bought before the file "
            f"starts): that part reduces no revenue"
        )
    if r.zero_orders:
        out.append(
            f"{r.zero_orders:,} sale(s) sum to 0 (free goods only): confirmed orders of revenue 0"
        )
    return out


def orders_missing_note(store: Store) -> str | None:
    """What to say when a store has order lines but no orders (metrics, cohorts and CLV
    read ``orders``): how to build them. None otherwise.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"order_items": pa.table({"order_id": ["1"], "line": [1],
    ...     "product_id": ["p"], "quantity": [1.0], "price": [2.0], "currency": ["EUR"]})})
    >>> print(orders_missing_note(store))  # doctest: +ELLIPSIS
    the store has 1 order line(s) but no orders: ... --build-orders ...
    """
    if store.row_count("orders") or not store.row_count("order_items"):
        return None
    return (
        f"the store has {store.row_count('order_items'):,} order line(s) but no orders: "
        f"metrics, cohorts and customer value read orders. Build them from the lines: "
        f"payback import order-items FILE --build-orders --map "
        f"order_id=...,customer_id=...,time=... (docs/import.md)"
    )


def check_kind(kind: str) -> None:
    if kind != "order-items":
        raise InputError(
            f"--build-orders builds orders from order lines: use it with "
            f"`payback import order-items`, not {kind}"
        )


__all__ = [
    "ORDER_COLUMNS",
    "BuiltOrders",
    "build_orders_import",
    "check_kind",
    "lifo_net",
    "orders_missing_note",
]
