"""The one currency of a table's money: money never mixes currencies.

:func:`check_single_currency` asks the currencies the store recorded for the table at
import (:meth:`payback.store.Store.currencies`, no query) and counts the rows' codes only
when those do not settle it. Every CLV read of the confirmed orders goes through it
(:func:`payback.clv.cohorts.confirmed_orders`); the metrics engine checks the sides it
sums the same way. :func:`single_currency` is the rule on rows counted per currency, also
for a transaction file read without a store (:mod:`payback.clv.transactions`).
Re-exported by :mod:`payback.store`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from payback.errors import CurrencyError

if TYPE_CHECKING:
    from payback.store import Store


def check_single_currency(
    store: Store, table: str, *, rows: Any = None, what: str | None = None
) -> str | None:
    """The one currency of a table's money; CurrencyError when it holds several, or one
    that is not the store's base currency.

    The fast question is the table's currencies as the store recorded them
    (:meth:`Store.currencies`, no query): one code, the base currency (or no base yet),
    settles it.
    Otherwise the distinct codes of ``rows`` (default: the whole table) are counted.

    Parameters
    ----------
    store : Store
    table : str
        The table whose ``currency`` column is asked (``orders``, ``costs`` ...).
    rows : ibis.Table, optional
        The rows that are aggregated (e.g. the confirmed orders), a subset of ``table``.
    what : str, optional
        What those rows are, for the message (default ``table 'orders'``).

    Raises
    ------
    CurrencyError
        Naming each currency with its number of rows, and the fix.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": ["1", "2", "3"], "customer_id": ["a", "b", "c"],
    ...     "time": [dt.datetime(2024, 1, 1)] * 3, "revenue": [10.0, 20.0, 5.0],
    ...     "status": ["confirmed"] * 3, "currency": ["EUR", "USD", "EUR"]})})
    >>> check_single_currency(store, "orders")
    Traceback (most recent call last):
    ...
    payback.errors.CurrencyError: money in several currencies in table 'orders': EUR (2 rows), ...
    """
    import ibis

    t = store.table(table)
    base = store.base_currency
    held = store.currencies(table)
    if len(held) <= 1 and (not held or base is None or held[0] == base):
        return held[0] if held else base
    subset = t if rows is None else rows
    counted = store.to_pyarrow(
        subset.group_by("currency").aggregate(n=ibis._.count()).order_by("currency")
    ).to_pylist()
    found = {r["currency"]: r["n"] for r in counted if r["currency"] is not None}
    return single_currency(found, what or f"table {table!r}", base=base)


#: The fix when a store's money is in several currencies.
STORE_FIX = (
    "money never mixes currencies. Import the orders with `payback import` after an FX "
    "table (`payback import fx-rates FILE`), which converts them to the base currency, "
    "or keep each currency in its own store (--db)"
)


def single_currency(
    found: Mapping[str, int],
    label: str,
    *,
    base: str | None = None,
    fix: str = STORE_FIX,
    detail: str = "",
) -> str | None:
    """The one currency of rows counted per currency code: the rule behind
    :func:`check_single_currency`, for any rows (a transaction file too).

    Parameters
    ----------
    found : mapping of str to int
        Each currency code and its number of rows, in the order to list them.
    label : str
        What the rows are, for the message (``the confirmed orders``, a file name).
    base : str, optional
        The currency the money must be in (the store's base currency); None: any one.
    fix : str
        What to do, for the message.
    detail : str
        Said after the list of currencies (e.g. where the second currency starts).

    Returns
    -------
    str or None
        The one code (``base`` when there are no rows).

    Raises
    ------
    CurrencyError
        Several codes, or one that is not ``base``: each code with its rows, and ``fix``.

    Examples
    --------
    >>> single_currency({"GBP": 3}, "tx.csv")
    'GBP'
    >>> single_currency({"EUR": 2, "USD": 1}, "a.csv", fix="filter it")
    Traceback (most recent call last):
    ...
    payback.errors.CurrencyError: money in several currencies in a.csv: EUR (2 rows), ...; filter it
    """
    listed = ", ".join(f"{c} ({n:,} row{'s' * (n != 1)})" for c, n in found.items())
    if len(found) > 1:
        raise CurrencyError(f"money in several currencies in {label}: {listed}{detail}; {fix}")
    only = next(iter(found), None)
    if only is not None and base is not None and only != base:
        raise CurrencyError(
            f"money in {listed} in {label} but the store's base currency is {base}; {fix}"
        )
    return only if only is not None else base
