"""Which export layout a file is, and how its columns map into the canonical tables.

The layouts themselves (:class:`Layout`: the header names that identify an export, which
header feeds which canonical column, the tokens that mean "empty", the unit of money, the
rows around the data that are not data) are :mod:`payback.ingest.layouts`, re-exported
here. ``--platform auto`` tries them in the order of :data:`LAYOUTS` on the first lines
of the file (:func:`detect_layout`); a file that matches none is read as ``generic``:
canonical column names (or their common aliases), plus ``--map canon=source`` and
``--set canon=value`` (:func:`resolve_columns`).

Examples
--------
>>> detect_layout(["Keyword report", "All time",
...                "Day,Campaign,Ad group,Keyword,Impr.,Clicks,Cost,Currency code"],
...               kind="ads").layout.name
'google'
>>> detect_layout(["TimePeriod,CampaignName,Impressions,Clicks,Spend"], kind="ads").layout.name
'microsoft'
>>> detect_layout(["date,campaign,clicks"], kind="ads").layout.name
'generic'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from payback.errors import DataError, InputError
from payback.ingest.layouts import (  # re-exported: the layouts themselves live there
    GENERATED,
    GENERIC,
    GENERIC_ALIASES,
    GOOGLE,
    LAYOUTS,
    META,
    MICROSOFT,
    YANDEX,
    Layout,
    key,
    norm,
)
from payback.ingest.options import closest
from payback.ingest.readers import best_delimiter, split_line
from payback.schema import Table

__all__ = [
    "CLOSE",
    "GENERATED",
    "GENERIC",
    "GENERIC_ALIASES",
    "GOOGLE",
    "LAYOUTS",
    "META",
    "MICROSOFT",
    "YANDEX",
    "Detected",
    "Layout",
    "Plan",
    "Source",
    "close_columns",
    "detect_layout",
    "identifies",
    "key",
    "kind_layouts",
    "missing_columns_error",
    "norm",
    "resolve_columns",
]


def kind_layouts(kind: str) -> dict[str, Layout]:
    """The layouts of an import kind besides the ad platforms': the partner networks'
    files for ``partner-claims`` (:mod:`payback.ingest.partner_layouts`)."""
    if kind == "partner-claims":
        from payback.ingest.partner_layouts import PARTNER_LAYOUTS

        return PARTNER_LAYOUTS
    return {}


@dataclass(frozen=True)
class Detected:
    """The layout found in a file, its header line and delimiter."""

    layout: Layout
    header_index: int
    delimiter: str


def _first_header(lines: Sequence[str], wanted: Sequence[str]) -> int | None:
    want = {norm(w) for w in wanted}
    for i, line in enumerate(lines[:40]):
        fields = {norm(f) for f in split_line(line, best_delimiter(line))}
        if want <= fields:
            return i
    return None


def detect_layout(
    lines: Sequence[str],
    *,
    kind: str,
    platform: str = "auto",
    mapping: Mapping[str, str] | None = None,
    table: Table | None = None,
    file: str | None = None,
) -> Detected:
    """Find the layout and header line of a text file from its first lines.

    Parameters
    ----------
    lines : sequence of str
        The first lines of the file, decoded.
    kind : str
        The import kind; platform layouts apply to ``ads`` only.
    platform : str
        ``auto``, a layout name, or ``generic``.
    mapping : mapping, optional
        ``--map`` pairs: a generic header line must hold all their source names.

    Raises
    ------
    DataError
        When a named platform's layout is not found; the message lists its headers.
    """
    extra = kind_layouts(kind)
    if platform not in (*LAYOUTS, *extra, "auto"):
        names = ", ".join([*LAYOUTS, *extra])
        raise InputError(f"--platform {platform!r}: expected one of auto, {names}")
    candidates: list[Layout] = []
    if extra and platform != "generic":
        candidates = [lay for lay in extra.values() if platform in ("auto", lay.name)]
    elif kind == "ads" and platform != "generic":
        candidates = [
            LAYOUTS[platform] if platform != "auto" else layout
            for layout in (GOOGLE, META, MICROSOFT, YANDEX)
            if platform in ("auto", layout.name)
        ]
    elif platform not in ("auto", "generic"):
        raise InputError(
            f"--platform {platform} applies to ads imports only; for {kind} set the "
            f"platform of every row with --set platform={platform} or map a column"
        )
    for i, line in enumerate(lines[:40]):
        delimiter = best_delimiter(line)
        fields = split_line(line, delimiter)
        for layout in candidates:
            if layout.matches(fields):
                return Detected(layout, i, delimiter)
    if platform not in ("auto", "generic"):
        layout = {**LAYOUTS, **extra}[platform]
        raise DataError(
            f"not a {layout.label}: none of the first {min(len(lines), 40)} line(s) is its "
            f"header ({', '.join(layout.headers)})",
            file=file,
            expected=f"a header line with at least {', '.join(layout.needs)}",
            fix="use --platform auto, or --platform generic with --map canon=source",
        )
    index = _first_header(lines, list((mapping or {}).values())) if mapping else None
    if index is None and table is not None:
        names = set(table.column_names)
        for i, line in enumerate(lines[:40]):
            if {key(f) for f in split_line(line, best_delimiter(line))} & names:
                index = i
                break
    index = index or 0
    while index < len(lines) - 1 and not lines[index].strip():
        index += 1
    return Detected(GENERIC, index, best_delimiter(lines[index]) if lines else ",")


@dataclass(frozen=True)
class Source:
    """Where a canonical column comes from: a file column or a constant.

    ``origin`` says why (``--map``, ``--set``, ``layout``, ``name``, ``header``).
    ``period_end`` is set when the date comes from a one-day reporting period.
    """

    canon: str
    column: str | None = None
    constant: str | None = None
    origin: str = ""
    period_end: str | None = None

    @property
    def label(self) -> str:
        """How errors name this source: the file's header, or the option that set it."""
        if self.constant is None:
            return self.column or self.canon
        if self.origin in ("--set", "--currency"):
            return f"{self.origin} {self.canon}" if self.origin == "--set" else "--currency"
        return f"{self.canon} ({self.origin})"

    @property
    def describe(self) -> str:
        """The header, or the constant and where it came from: ``'google' (layout)``."""
        if self.constant is None:
            return self.column or ""
        return f"{self.constant!r} ({self.origin})"


@dataclass(frozen=True)
class Plan:
    """The source of every canonical column found, and notes about choices made."""

    sources: dict[str, Source]
    notes: tuple[str, ...] = ()


def _find(columns: Sequence[str], names: Sequence[str]) -> str | None:
    by_norm = {norm(c): c for c in reversed(columns)}
    for name in names:
        if name in by_norm:
            return by_norm[name]
    return None


def _find_key(columns: Sequence[str], names: Sequence[str]) -> str | None:
    by_key = {key(c): c for c in reversed(columns)}
    for name in names:
        if name in by_key:
            return by_key[name]
    return None


def resolve_columns(
    table: Table,
    layout: Layout,
    columns: Sequence[str],
    *,
    mapping: Mapping[str, str],
    set_values: Mapping[str, str],
    file: str,
    require: bool = True,
    set_origin: Mapping[str, str] | None = None,
) -> Plan:
    """Decide the source of each canonical column: ``--map`` > ``--set`` > layout > name.

    Raises
    ------
    DataError
        For a ``--map`` source the file does not have, or missing required columns;
        the message lists the file's columns and the closest names.
    """
    sources: dict[str, Source] = {}
    notes: list[str] = []
    for canon, source in mapping.items():
        found = source if source in columns else _find(columns, [norm(source)])
        if found is None:
            near = closest(source, columns)
            raise DataError(
                f"--map {canon}={source}: the file has no column {source!r}",
                file=file,
                expected=f"one of its columns: {', '.join(columns)}",
                fix=(f"did you mean {', '.join(repr(n) for n in near)}?" if near else None)
                or "check the spelling of the header",
            )
        sources[canon] = Source(canon, column=found, origin="--map")
    aliases = GENERIC_ALIASES.get(table.name, {})
    for col in table.columns:
        canon = col.name
        if canon in sources:
            continue
        found = None
        origin = "layout"
        if layout.columns.get(canon):
            found = _find(columns, layout.columns[canon])
        if found is None and canon == "cost" and layout.currency_header:
            found = next(
                (c for c in columns if re.fullmatch(layout.currency_header, norm(c))), None
            )
        if found is None and layout.name == "generic":
            found = _find_key(columns, (canon, *aliases.get(canon, ())))
            origin = "name"
        if canon in set_values:
            if found is not None:
                notes.append(f"--set {canon}={set_values[canon]} replaces the file's {found!r}")
            origin = (set_origin or {}).get(canon, "--set")
            sources[canon] = Source(canon, constant=set_values[canon], origin=origin)
        elif found is not None:
            sources[canon] = Source(canon, column=found, origin=origin)
    if layout.platform and "platform" not in sources:
        sources["platform"] = Source("platform", constant=layout.platform, origin="layout")
    if layout.currency_header and "currency" not in sources and "cost" in sources:
        cost_col = sources["cost"].column or ""
        m = re.fullmatch(layout.currency_header, norm(cost_col))
        if m:
            sources["currency"] = Source("currency", constant=m.group(1).upper(), origin="header")
    if layout.period and "date" not in sources:
        start, end = (_find(columns, [p]) for p in layout.period)
        if start is not None:
            sources["date"] = Source("date", column=start, origin="period", period_end=end)
    generated = GENERATED.get(table.name, ())
    missing = [c for c in table.required_columns if c.name not in (*sources, *generated)]
    if missing and require:
        used = [s.column for s in sources.values() if s.column]
        raise missing_columns_error(
            table, layout, columns, [c.name for c in missing], file, used=used
        )
    return Plan(sources, tuple(notes))


#: How alike (difflib ratio of the names as identifiers) a header must be to be suggested.
CLOSE = 0.7


def close_columns(names: Sequence[str], columns: Sequence[str], n: int = 3) -> list[str]:
    """The columns genuinely close to any of ``names``: a ratio >= :data:`CLOSE`, or a
    header that starts with the name (``Revenue total`` for ``revenue``).

    Names and headers are compared as identifiers (:func:`key`), best match first.

    Examples
    --------
    >>> close_columns(["status"], ["order_id", "state", "Revenue total"])
    ['state']
    >>> close_columns(["customer_id", "customer"], ["order_id", "email"])
    []
    """
    scored: dict[str, float] = {}
    for column in columns:
        k = key(column)
        for name in names:
            ratio = difflib.SequenceMatcher(None, key(name), k).ratio()
            if ratio >= CLOSE or (k.startswith(key(name)) and key(name)):
                scored[column] = max(scored.get(column, 0.0), ratio)
    return sorted(scored, key=lambda c: -scored[c])[:n]


def identifies(table: Table, canon: str) -> bool:
    """Whether a column identifies rows (an ``*_id``, or a one-column key), so that one
    value for every row makes no sense. (The dimensions of a longer key, such as an ad
    row's date and platform, may be one value for a whole report.)
    """
    return canon.endswith("_id") or tuple(table.key) == (canon,)


def _settable(table: Table, canon: str) -> bool:
    """Whether one value for every row (``--set``) can make sense: a label, not an id,
    an amount or a time."""
    return not identifies(table, canon) and table.column(canon).dtype in ("string", "date")


def _quoted(header: str) -> str:
    """A header as typed in a shell option: quoted when it holds a blank or a comma."""
    return f"'{header}'" if re.search(r"[\s,=']", header) else header


def _order_lines(columns: Sequence[str]) -> str | None:
    """The quantity and unit-price columns of a file of order lines, named (None unless
    both are there): an orders import of such a file is told of ``--build-orders``.

    >>> _order_lines(["InvoiceNo", "Quantity", "UnitPrice", "CustomerID"])
    "'Quantity', 'UnitPrice'"
    >>> _order_lines(["order_id", "revenue"]) is None
    True
    """
    quantity = close_columns(["quantity", "qty"], columns)
    price = close_columns(["price", *GENERIC_ALIASES["order_items"]["price"]], columns)
    if not quantity or not price:
        return None
    return f"{quantity[0]!r}, {price[0]!r}"


def missing_columns_error(
    table: Table,
    layout: Layout,
    columns: Sequence[str],
    missing: Sequence[str],
    file: str,
    used: Sequence[str] = (),
) -> DataError:
    """The error for required columns the file lacks: what was found, what is closest.

    Only headers not already feeding another column (``used``) are suggested, and only
    when they are genuinely close (:func:`close_columns`). ``--set`` is suggested only
    for a column where one value for all rows can make sense (a date, a platform, a
    status), never for an id.
    """
    if len(columns) == 1 and len(columns[0].split()) > 1:
        return DataError(
            f"the file seems separated by spaces: its header is one column {columns[0]!r}",
            file=file,
            expected="fields separated by commas, tabs, semicolons or pipes",
            fix="convert it first, e.g. `sed -E 's/^ +//; s/ +/,/g' in.txt > out.csv` (when "
            "no value holds a space), then import out.csv",
        )
    free = [c for c in columns if c not in used]
    hints = []
    maps = []
    for canon in missing:
        aliases = (
            *layout.columns.get(canon, ()),
            *GENERIC_ALIASES.get(table.name, {}).get(canon, ()),
        )
        near = close_columns([canon, *aliases], free)
        hints.append(
            f"closest to {canon!r}: {', '.join(repr(n) for n in near)}"
            if near
            else f"nothing close to {canon!r}"
        )
        maps.append(f"{canon}={_quoted(near[0]) if near else 'COLUMN'}")
    names = ", ".join(repr(m) for m in missing)
    fix = f"rename the column(s) or map them: --map {','.join(maps)}"
    settable = [m for m in missing if _settable(table, m)]
    if settable:
        fix += (
            "; for a value the file lacks "
            + ("(one date, the platform, the currency) " if table.name == "ad_stats" else "")
            + f"use --set {settable[0]}=VALUE"
        )
        if "currency" in missing:
            fix += " (or --currency CODE)"
    choices = [
        f"{m} is one of {', '.join(table.column(m).allowed or ())}"
        for m in missing
        if table.column(m).allowed
    ]
    if choices:
        fix += f" ({'; '.join(choices)})"
    ids = [m for m in missing if identifies(table, m)]
    if ids:
        fix += (
            f"; {' and '.join(ids)} identif{'ies' if len(ids) == 1 else 'y'} each row, so "
            f"{'it' if len(ids) == 1 else 'they'} must come from the file (not --set)"
        )
    lines = _order_lines(free) if table.name == "orders" else None
    if lines:
        fix += (
            f"; the file looks like order lines (a row per product: {lines}): build the "
            f"orders from them with `payback import order-items FILE --build-orders --map "
            f"order_id=...,customer_id=...,time=...` (docs/import.md, order lines)"
        )
    return DataError(
        f"missing required column(s) {names} for {table.kind} ({layout.label}); found "
        f"{', '.join(repr(c) for c in columns)}; {'; '.join(hints)}",
        file=file,
        fix=fix,
    )
