"""Currencies at import: the store's base currency and conversion with ``fx_rates``.

Money in a store is in one base currency. The first import carrying money sets it
(from the file's currency, ``--currency`` or, for ``fx-rates``, the rates' base). A
later file in another currency is converted row by row at the rate of the row's
date, or of the latest earlier date that has one (an as-of join):

    base amount = amount x rate        (rate = base units per 1 unit of the currency)

A row with no rate on or before its date stops the import with a
:class:`payback.errors.CurrencyError` naming the currency, the dates and the fix.
Tables without a date (``order_items``) use each currency's latest rate.

Examples
--------
>>> convert_amount(100.0, 1.1)
110.0
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from payback.errors import CurrencyError
from payback.ingest.parsing import ident, lit
from payback.schema import Table

#: The column dating each row, used to pick its exchange rate.
DATE_COLUMN = {
    "ad_stats": "date",
    "orders": "time",
    "costs": "date",
    "partner_claims": "time",
    "subscriptions": "start",
    "fx_rates": "date",
    "leads": "time",
}


def convert_amount(amount: float, rate: float) -> float:
    """An amount in base currency: ``amount x rate`` (the rule the SQL applies)."""
    return amount * rate


@dataclass(frozen=True)
class Conversion:
    """Rows converted from one currency, and the span of rate dates used."""

    currency: str
    rows: int
    first_rate_date: date | None
    last_rate_date: date | None
    dated: bool = True

    def describe(self, base: str) -> str:
        """One line for humans: ``converted 3 row(s) from EUR to USD at rates of ...``."""
        span = (
            f"rates of {self.first_rate_date} to {self.last_rate_date}"
            if self.first_rate_date != self.last_rate_date
            else f"the rate of {self.first_rate_date}"
        )
        undated = "" if self.dated else " (the latest rate: the rows have no date)"
        return f"converted {self.rows:,} row(s) from {self.currency} to {base} at {span}{undated}"


@dataclass(frozen=True)
class FxOutcome:
    """What the currency step decided."""

    base: str | None
    new_base: bool
    conversions: tuple[Conversion, ...]
    currencies: tuple[str, ...]


def _dated(table: Table) -> str | None:
    name = DATE_COLUMN.get(table.name)
    return name if name in table.column_names else None


def convert(con, store, table: Table, relation: str, *, file: str) -> tuple[FxOutcome, str]:
    """Convert the money of ``relation`` into the store's base currency.

    Returns the outcome and the relation holding the converted rows (``relation``
    itself when nothing needed converting, else the temporary ``_pb_converted``).

    Raises
    ------
    CurrencyError
        A file mixing currencies into a store without a base; a currency with no
        rate into the base; rows dated before the first rate.
    """
    date_col = _dated(table)
    day = f"CAST({ident(date_col)} AS DATE)" if date_col else "NULL"
    stats = con.execute(
        f"SELECT currency, count(*), min({day}), max({day}) FROM {relation} "
        f"WHERE currency IS NOT NULL GROUP BY currency ORDER BY currency"
    ).fetchall()
    currencies = tuple(s[0] for s in stats)
    base = store.base_currency
    new_base = False
    if base is None:
        if len(stats) > 1:
            raise CurrencyError(
                f"{file} holds money in {', '.join(currencies)} and the store has no base "
                f"currency yet: import an FX table first (`payback import fx-rates rates.csv` "
                f"with columns date,currency,rate,base_currency; its base becomes the store's), "
                f"or split the file by currency"
            )
        if not stats:
            return FxOutcome(None, False, (), ()), relation
        base, new_base = stats[0][0], True
    foreign = [s for s in stats if s[0] != base]
    if not foreign:
        return FxOutcome(base, new_base, (), currencies), relation
    fx = store.table("fx_rates")
    rates = store.to_pyarrow(
        fx.filter((fx.base_currency == base) & fx.currency.isin([s[0] for s in foreign]))
        .select("date", "currency", "rate")
        .order_by(["currency", "date"])
    )
    have = set(rates["currency"].to_pylist())
    for cur, rows, first, last in foreign:
        if cur not in have:
            try:
                store.check_currency(cur, source=file)
            except CurrencyError as e:
                dates = f" ({rows:,} row(s) in {cur}, dated {first} to {last})" if first else ""
                raise CurrencyError(f"{e}{dates}") from None
    con.register(
        "_pb_fx",
        rates.cast(
            pa.schema([("date", pa.date32()), ("currency", pa.string()), ("rate", pa.float64())])
        ),
    )
    money = [c for c in table.money_columns if c in _columns(con, relation)]
    if date_col:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _pb_rated AS SELECT r._row, r.currency, r._day, "
            f"fx.rate, fx.date AS rate_date FROM (SELECT _row, currency, {day} AS _day "
            f"FROM {relation} WHERE currency <> {lit(base)}) r ASOF LEFT JOIN _pb_fx fx "
            f"ON r.currency = fx.currency AND r._day >= fx.date"
        )
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _pb_rated AS SELECT r._row, r.currency, NULL AS _day, "
            f"fx.rate, fx.date AS rate_date FROM (SELECT _row, currency FROM {relation} "
            f"WHERE currency <> {lit(base)}) r LEFT JOIN (SELECT currency, arg_max(rate, date) "
            f"AS rate, max(date) AS date FROM _pb_fx GROUP BY currency) fx USING (currency)"
        )
    missing = con.execute(
        "SELECT currency, count(*), min(_day), max(_day) FROM _pb_rated WHERE rate IS NULL "
        "GROUP BY currency ORDER BY currency"
    ).fetchall()
    if missing:
        cur, rows, first, last = missing[0]
        span = con.execute(
            "SELECT min(date), max(date) FROM _pb_fx WHERE currency = ?", [cur]
        ).fetchone()
        raise CurrencyError(
            f"{file}: {rows:,} row(s) in {cur} dated {first} to {last} have no exchange rate on or "
            f"before their date: fx_rates holds {cur}->{base} from {span[0]} to {span[1]}. "
            f"Fix: import rates covering {first} or earlier (`payback import fx-rates "
            f"rates.csv`, rate = {base} per 1 {cur})"
        )
    select = []
    for c in _columns(con, relation):
        if c in money:
            select.append(f"r.{ident(c)} * coalesce(x.rate, 1) AS {ident(c)}")
        elif c == "currency":
            select.append(
                f"CASE WHEN x.rate IS NULL THEN r.currency ELSE {lit(base)} END AS currency"
            )
        else:
            select.append(f"r.{ident(c)}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _pb_converted AS SELECT {', '.join(select)} "
        f"FROM {relation} r LEFT JOIN _pb_rated x ON r._row = x._row"
    )
    conversions = tuple(
        Conversion(cur, int(n), first, last, dated=date_col is not None)
        for cur, n, first, last in con.execute(
            "SELECT currency, count(*), min(rate_date), max(rate_date) FROM _pb_rated "
            "GROUP BY currency ORDER BY currency"
        ).fetchall()
    )
    return FxOutcome(base, new_base, conversions, currencies), "_pb_converted"


def _columns(con, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()]
