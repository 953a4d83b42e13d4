"""Transaction files straight to a customer summary: what ``payback ltv fit
--transactions FILE`` fits, like lifetimes' ``summary_data_from_transaction_data``.

A CSV or Parquet file (or a frame in hand) with one row per transaction is read by
DuckDB, its columns named with ``--map`` as ``payback import`` does
(``customer_id=cust,time=date,revenue=amount``), and summarised by
:func:`payback.clv.summary.summary_expr`, the one home of the summary rule (purchases
merged per period, first purchase out of frequency and monetary value):

- ``frequency`` = purchase periods - 1, ``recency`` = last - first purchase period,
  ``T`` = observation end - first purchase period, ``monetary_value`` = mean value of
  the repeat purchase periods (missing without a repeat purchase).

Money is in one currency, as in the store: a ``currency`` column (or ``--map
currency=COLUMN``) holding several codes is refused by the store's one rule
(:func:`payback.store_currency.single_currency`), naming the file, each currency with its
rows, the first row of the second one and the fix; with one code, the summary carries it
(:func:`transaction_summary`).

>>> import pandas as pd
>>> tx = pd.DataFrame({"cust": ["a", "a", "b"], "day": ["2024-01-01", "2024-01-08",
...                    "2024-01-03"], "amount": [10.0, 30.0, 5.0]})
>>> summary_from_transactions(tx, mapping="customer_id=cust,time=day,revenue=amount",
...     observation_end="2024-01-15")[["cust", "frequency", "recency", "T", "monetary_value"]]
  cust  frequency  recency     T  monetary_value
0    a        1.0      7.0  14.0            30.0
1    b        0.0      0.0  12.0             NaN
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.clv.summary import summary_expr
from payback.errors import InputError
from payback.ingest.options import parse_pairs, strftime_format

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

ibis = lazy_module("ibis")

__all__ = ["COLUMNS", "read_transactions", "summary_from_transactions", "transaction_summary"]

#: The columns a transaction file gives, by their ``--map`` names; ``revenue`` is optional
#: (without it the summary has no ``monetary_value``), and so is ``currency`` (the code of
#: each row's money; without it the money's currency is not known).
COLUMNS = ("customer_id", "time", "revenue", "currency")

_OPTIONAL = ("revenue", "currency")

_EXAMPLE = "--map customer_id=cust,time=date,revenue=amount"


def _source_table(source: Any) -> tuple[ir.Table, str]:
    """``source`` as an Ibis table on DuckDB, and how errors name it."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path}: no such file")
        con = ibis.duckdb.connect()
        parquet = path.suffix.lower() == ".parquet"
        try:
            return (con.read_parquet(path) if parquet else con.read_csv(path)), str(path)
        except Exception as exc:  # DuckDB's sniffer and Parquet reader errors
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(
                f"{path}: could not read it as {'Parquet' if parquet else 'CSV'} ({first}); "
                f"expected one row per transaction with a header line, comma, semicolon, "
                f"tab or | separated, one kind of line ending"
            ) from None
    if isinstance(source, ibis.expr.types.Table):
        return source, "the transactions"
    frame = source
    if hasattr(frame, "to_pandas") and not hasattr(frame, "iloc"):
        frame = frame.to_pandas()
    return ibis.memtable(frame), "the transactions"


def read_transactions(
    source: Any,
    *,
    mapping: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
) -> tuple[ir.Table, dict[str, str | None]]:
    """A transaction file or frame as an Ibis table, with the column of each role.

    Parameters
    ----------
    source : path, pandas.DataFrame, pyarrow.Table or ibis.Table
        CSV (any suffix but ``.parquet``) or Parquet file, read by DuckDB; or a table.
    mapping : mapping or "canon=source,..."
        Which column is ``customer_id``, ``time`` and ``revenue`` (default: columns of
        those names). ``revenue`` is optional when unmapped and absent.
    date_format : str, optional
        How ``time`` is written when it is not ISO: ``%Y%m%d`` (CDNOW's 19970101),
        ``DD/MM/YYYY`` ... (as ``payback import --date-format``).

    Returns
    -------
    (ibis.Table, dict)
        The table (``time`` parsed with ``date_format`` when given) and
        ``{"customer_id": column, "time": column, "revenue": column or None,
        "currency": column or None}``.

    Raises
    ------
    payback.errors.InputError
        A missing file; a mapped or required column the file lacks (the message names
        the file, the columns found and the ``--map`` fix); an unknown ``--map`` name;
        a row without a customer, time, value or currency; a time ``date_format`` cannot
        read; a currency cell that is not an ISO 4217 code.
    payback.errors.CurrencyError
        Money in several currencies (each with its rows, the first row of the second
        one, and the fix).
    """
    table, roles, _ = _read(source, mapping=mapping, date_format=date_format)
    return table, roles


def _read(
    source: Any, *, mapping: Mapping[str, str] | str | None, date_format: str | None
) -> tuple[ir.Table, dict[str, str | None], str | None]:
    """:func:`read_transactions`, and the one currency of the money (None without a
    currency column)."""
    pairs = parse_pairs(mapping, option="--map")
    unknown = sorted(set(pairs) - set(COLUMNS))
    if unknown:
        raise InputError(
            f"--map {unknown[0]!r}: a transaction file has the columns "
            f"{', '.join(COLUMNS)}; e.g. {_EXAMPLE}"
        )
    table, where = _source_table(source)
    found = list(table.columns)
    roles: dict[str, str | None] = {}
    for canon in COLUMNS:
        name = pairs.get(canon, canon)
        if name in found:
            roles[canon] = name
        elif canon in _OPTIONAL and canon not in pairs:
            roles[canon] = None
        else:
            given = f"--map {canon}={name}: " if canon in pairs else ""
            single = (
                " (one column: a file without a header line, or separated by spaces? "
                "expected a header line and , ; tab or | between the columns)"
                if len(found) == 1
                else ""
            )
            raise InputError(
                f"{where}: {given}no column {name!r} for {canon}; the file has columns "
                f"{', '.join(found)}{single}. Name the file's column with --map "
                f"{canon}=COLUMN (e.g. {_EXAMPLE})"
            )
    used = [c for c in roles.values() if c is not None]
    nulls = table.aggregate(**{c: table[c].isnull().sum() for c in used}).execute()
    for col in used:
        count = int(nulls[col].iloc[0])
        if count:
            raise InputError(
                f"{where}: column {col!r} is empty in {count:,} row(s); every transaction "
                f"needs a customer, a time and (with revenue) a value. Fill or remove them"
            )
    currency = None if roles["currency"] is None else _one_currency(table, roles, where, source)
    fmt = strftime_format(date_format)
    _check_cells(table, roles, where, source, fmt, date_format)
    if fmt is not None:
        time = roles["time"]
        raw = table[time].cast("string")
        table = table.mutate(**{time: raw.as_timestamp(fmt)})
    return table, roles, currency


def _row(source: Any, position: int) -> str:
    """A row as a person finds it: a file's line as an editor shows it (the header is line
    1), a frame's row counted from 1 (``position`` counts from 0)."""
    return f"line {position + 2}" if isinstance(source, (str, Path)) else f"row {position + 1}"


def _check_cells(
    table: ir.Table,
    roles: dict[str, str | None],
    where: str,
    source: Any,
    fmt: str | None,
    date_format: str | None,
) -> None:
    """Refuse a value or time the summary cannot read (a decimal comma, ``$12``,
    ``n/a``, ``2024-13-01``, a time not in ``--date-format``), naming its row, column
    and cell, how many rows are like it, and the fix; before, DuckDB's conversion error
    stopped the command with a traceback."""

    @ibis.udf.scalar.builtin
    def try_strptime(text: str, pattern: str) -> dt.datetime:
        """DuckDB's ``try_strptime``: NULL where the text does not fit the format."""

    checks = []
    value = roles["revenue"]
    if value is not None and not table[value].type().is_numeric():
        text = table[value].cast("string")
        checks.append((value, text.try_cast("float64").isnull(), "a number like 1234.56",
                       "write numbers with a decimal point and nothing else (29.33, not "
                       "29,33, $29.33 or 1,029.33), or fix the cell"))  # fmt: skip
    time = roles["time"]
    if fmt is not None:
        raw = table[time].cast("string")
        checks.append((time, try_strptime(raw, fmt).isnull(), f"a time written {date_format}",
                       "correct the cell, or give the format the file uses with "
                       "--date-format"))  # fmt: skip
    elif not table[time].type().is_temporal():
        raw = table[time].cast("string")
        checks.append((time, raw.try_cast("timestamp").isnull(),
                       "a date like 2024-03-31 (or 2024-03-31 10:15:00)",
                       "correct the cell, or give the file's format with --date-format "
                       "(e.g. %Y%m%d, DD/MM/YYYY)"))  # fmt: skip
    for column, bad, expected, fix in checks:
        rows = table.mutate(_pos=ibis.row_number(), _cell=table[column].cast("string"))
        rows = rows.filter(bad)
        found = rows.aggregate(n=rows.count(), first=rows._pos.min()).execute()
        count = int(found["n"].iloc[0])
        if not count:
            continue
        first = int(found["first"].iloc[0])
        cell = rows.filter(rows._pos == first).select("_cell").limit(1).execute()
        raise InputError(
            f"{where}, {_row(source, first)}, column {column!r}: got {cell['_cell'].iloc[0]!r}, "
            f"expected {expected} ({count:,} row(s) like it). Fix: {fix}"
        )


def _one_currency(table: ir.Table, roles: dict[str, str | None], where: str, source: Any) -> str:
    """The one ISO 4217 code of the currency column (codes read as ``payback import``
    reads them: trimmed, upper case), by the store's rule
    (:func:`payback.store_currency.single_currency`); the second currency's first row
    (as an editor shows a file: the header is line 1) is named."""
    from payback.ingest.currencies import is_currency
    from payback.store_currency import single_currency

    column = roles["currency"]
    code = table[column].cast("string").strip().upper()
    counted = (
        table.mutate(_code=code, _pos=ibis.row_number())
        .group_by("_code")
        .aggregate(n=ibis._.count(), first=ibis._._pos.min())
        .order_by("first")
        .execute()
    )
    bad = [c for c in counted["_code"] if not is_currency(c)]
    if bad:
        raise InputError(
            f"{where}: column {column!r} holds {', '.join(map(repr, bad[:3]))}, not an ISO "
            f"4217 currency code; write the three-letter code of each row's money (GBP, "
            f"EUR, USD ...)"
        )
    found = dict(zip(counted["_code"], counted["n"].astype(int), strict=True))
    detail = ""
    if len(counted) > 1:
        second, first = counted["_code"].iloc[1], int(counted["first"].iloc[1])
        detail = f"; the first {second} row is {_row(source, first)} (column {column!r})"
    fix = (
        f"money never mixes currencies: keep the rows of one currency (filter the file on "
        f"{column!r}), or convert the values to one currency first (`payback import orders` "
        f"after `payback import fx-rates` converts them), and fit each currency on its own"
    )
    return single_currency(found, where, fix=fix, detail=detail)


def summary_from_transactions(
    source: Any,
    *,
    mapping: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
    freq: str = "D",
    unit: str | None = None,
    observation_end: Any = None,
    calibration_end: Any = None,
) -> pd.DataFrame:
    """Per-customer ``frequency, recency, T, monetary_value`` of a transaction file.

    The summary is :func:`payback.clv.summary.summary_expr` run in DuckDB on
    :func:`read_transactions` (one row per customer, sorted by customer).

    Parameters
    ----------
    source, mapping, date_format
        As :func:`read_transactions`.
    freq : {"D", "W", "M"}
        Period in which purchases are merged.
    unit : {"D", "W", "M"}, optional
        Unit of recency and T (default ``freq``; ``freq="D", unit="W"`` gives weeks of 7
        days, the CDNOW convention).
    observation_end, calibration_end : date or str, optional
        Last day observed (default: the last transaction); calibration split (adds the
        holdout columns).

    Returns
    -------
    pandas.DataFrame
        The customer column under its own name, ``first_purchase, frequency, recency,
        T`` (+ ``monetary_value`` with a revenue column) (+ holdout columns).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "time": [20240101, 20240301, 20240105],
    ...                    "revenue": [5.0, 7.5, 9.0]})
    >>> summary_from_transactions(tx, date_format="%Y%m%d", freq="M")[
    ...     ["customer_id", "frequency", "recency", "T", "monetary_value"]]
       customer_id  frequency  recency    T  monetary_value
    0            1        1.0      2.0  2.0             7.5
    1            2        0.0      0.0  2.0             NaN
    """
    frame, _ = transaction_summary(
        source,
        mapping=mapping,
        date_format=date_format,
        freq=freq,
        unit=unit,
        observation_end=observation_end,
        calibration_end=calibration_end,
    )
    return frame


def transaction_summary(
    source: Any,
    *,
    mapping: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
    **options: Any,
) -> tuple[pd.DataFrame, str | None]:
    """:func:`summary_from_transactions` and the one currency of its money.

    Parameters
    ----------
    source, mapping, date_format
        As :func:`read_transactions`.
    **options
        ``freq``, ``unit``, ``observation_end``, ``calibration_end``: as
        :func:`summary_from_transactions`.

    Returns
    -------
    (pandas.DataFrame, str or None)
        The summary, and the ISO code of the file's currency column (None without one).

    Raises
    ------
    payback.errors.CurrencyError
        The file's money is in several currencies (:func:`read_transactions`).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1], "time": ["2024-01-01", "2024-02-01"],
    ...                    "revenue": [5.0, 7.5], "currency": ["gbp", "GBP"]})
    >>> frame, currency = transaction_summary(tx)
    >>> currency, frame.monetary_value.tolist()
    ('GBP', [7.5])
    """
    unknown = set(options) - {"freq", "unit", "observation_end", "calibration_end"}
    if unknown:
        raise TypeError(f"transaction_summary() got unexpected options {sorted(unknown)}")
    table, roles, currency = _read(source, mapping=mapping, date_format=date_format)
    customer = roles["customer_id"]
    unit = options.get("unit")
    expr = summary_expr(
        table,
        customer_col=customer,
        time_col=roles["time"],
        value_col=roles["revenue"],
        freq=options.get("freq", "D").upper(),
        unit=unit.upper() if unit else None,
        observation_end=options.get("observation_end"),
        calibration_end=options.get("calibration_end"),
    )
    return expr.order_by(customer).execute(), currency
