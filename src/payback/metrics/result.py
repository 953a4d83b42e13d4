"""What :func:`payback.metrics.compute_metrics` returns: rows as pandas or as Arrow.

A :class:`MetricsResult` holds its rows once. By default they are a pandas frame (built
while the query result is converted, the Arrow buffers freed as they go);
``compute_metrics(..., as_arrow=True)`` keeps the query's Arrow table instead and builds
the frame only when :attr:`MetricsResult.frame` is first read, so a large result goes to
Parquet (:meth:`MetricsResult.to_arrow`, :func:`payback.output.write_arrow`) without a
pandas copy. The reasons of the missing values are classified in either form
(:class:`payback.metrics.reasons.Reasons`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE
from payback.metrics.filters import GRAINS
from payback.metrics.reasons import categorical_cells
from payback.present import Table

if TYPE_CHECKING:
    import pyarrow as pa

#: ``total_kind`` of the two totals rows.
TOTAL_KINDS = ("paid", "all")


@dataclass(frozen=True, eq=False)
class MetricsResult:
    """Metrics at a grain, with the reasons of every missing value.

    Totals
    ------
    With ``totals=True`` the frame ends with one or two totals rows (``is_total`` true),
    told apart by ``total_kind``:

    - ``"paid"`` (shown ``Total (paid)``): the summed parts of the rows that have ad
      statistics, every metric a ratio of those sums: the honest CPO, CAC, CPA, DRR,
      ROAS, ROI, ROMI, CR and CRM-vs-platform gaps of the advertising. The rows are those
      of the grain refined by ``platform`` (when the grain lacks it), so organic,
      newsletter and partner orders stay out of it at every grain. It exists when the
      metrics need ad statistics and orders or leads.
    - ``"all"`` (``Total (all)``, or ``Total`` when it is the only one): the summed parts
      of every row, the blended totals of orders, revenue, new customers, cost ...; the
      metrics relating ads to orders or leads (:attr:`Metric.paid_only`) are missing in it
      when a paid row exists (reason: "Total (all) holds no ad ratios (see Total (paid))").

    Attributes
    ----------
    frame : pandas.DataFrame
        One column per dimension of ``by``, one per metric, then ``is_total`` and
        ``total_kind`` (``"paid"``, ``"all"``, missing on group rows); the totals rows
        (dimension values missing) come last, paid first. Counts are ``Int64``, the rest
        ``Float64``; missing values are ``pd.NA`` (never inf or NaN from a division).
        Rates are fractions (CTR 1 % is 0.01). :attr:`table` is the frame with its
        units, reasons and currency, for :func:`payback.output.write_frame`. Built on
        first use when the result was computed ``as_arrow``.
    reasons : dict
        Metric name -> why some of its values are missing, with the number of rows,
        e.g. ``{"cpo": "no confirmed orders in 3 row(s)"}``.
    by, metrics : tuple of str
        The grain (with the parents a hierarchical dimension brings: ``("platform",
        "campaign")`` for ``by="campaign"``) and the metrics, canonical names.
    currency : str or None
        The one currency of the money columns (None when no money was involved).
    cell_reasons : pandas.DataFrame
        Aligned with ``frame``: per metric, a categorical column holding the reason of each
        missing value (missing where the value is present).
    parts : pandas.DataFrame
        The additive parts (sums) behind every row, aligned with ``frame``.
    warnings : tuple of str
        What the user should know about the query, e.g. a ``--where`` value that matches
        no row, with the values that exist (``payback metrics`` prints them on stderr).

    Examples
    --------
    >>> from payback.metrics import compute_metrics
    >>> from payback.store import open_store
    >>> r = compute_metrics(open_store(":memory:"), by=(), metrics="orders,cpo", as_arrow=True)
    >>> t = r.to_arrow()
    >>> t.column_names, [str(x) for x in t.schema.types][:2], t["cpo"].to_pylist()
    (['orders', 'cpo', 'is_total', 'total_kind'], ['int64', 'double'], [None, None])
    >>> r.frame.dtypes.astype(str).tolist()
    ['Int64', 'Float64', 'bool', 'object']
    """

    reasons: Mapping[str, str]
    by: tuple[str, ...]
    metrics: tuple[str, ...]
    currency: str | None
    warnings: tuple[str, ...] = ()
    #: the rows as Arrow: the shown columns, then the hidden parts as ``_part_<name>``
    rows: pa.Table | None = field(default=None, repr=False)
    #: the parts of each row: their names, the shown ones are the metric columns
    part_names: tuple[str, ...] = ()
    #: per metric, the reason code of each row (-1: none), and the reason texts
    reason_codes: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)
    reason_texts: tuple[str, ...] = ()

    @classmethod
    def from_frames(
        cls,
        frame: pd.DataFrame,
        parts: pd.DataFrame,
        schema: pa.Schema,
        **fields: Any,
    ) -> MetricsResult:
        """A result whose rows are already pandas frames (``schema``: their Arrow types);
        :attr:`cell_reasons` is built from ``reason_codes`` on first use."""
        result = cls(**fields)
        # the cached properties, set once: the dataclass stays frozen for its users
        result.__dict__.update(frame=frame, parts=parts)
        result.__dict__["_schema"] = schema
        return result

    @property
    def _columns(self) -> list[str]:
        return [*self.by, *self.metrics, "is_total", "total_kind"]

    @cached_property
    def frame(self) -> pd.DataFrame:
        return to_pandas(self.rows.select(self._columns), destruct=False)

    @cached_property
    def parts(self) -> pd.DataFrame:
        names = self.rows.column_names
        hidden = [f"_part_{p}" for p in self.part_names if f"_part_{p}" in names]
        extra = to_pandas(self.rows.select(hidden), destruct=False)
        return pd.DataFrame(
            {
                p: extra[f"_part_{p}"] if f"_part_{p}" in names else self.frame[p]
                for p in self.part_names
            },
            copy=False,
        )

    @cached_property
    def cell_reasons(self) -> pd.DataFrame:
        return categorical_cells(self.reason_codes, self.reason_texts, self.frame.index)

    def to_arrow(self) -> pa.Table:
        """The rows of :attr:`frame` as an Arrow table, with its units, reasons and currency.

        The same columns, values and order as :attr:`frame`: counts ``int64``, the other
        metrics ``float64``, a missing value null. The schema's key-value metadata holds
        ``payback`` (units, reasons, currency: what :func:`payback.output.write_frame`
        writes to Parquet) and ``pandas`` (so ``pyarrow.parquet.read_table(...).to_pandas()``
        gives back the ``Int64``/``Float64`` frame). Without a pandas copy when the result
        was computed ``as_arrow``.
        """
        from payback.output import arrow_table

        meta = {"units": self.units, "reasons": dict(self.reasons), "currency": self.currency}
        if self.rows is not None:
            return arrow_table(self.rows.select(self._columns), types_mapper=_nullable, **meta)
        return arrow_table(self.frame, schema=self.__dict__["_schema"], **meta)

    def total(self, kind: str = "all") -> dict[str, Any]:
        """One totals row as ``{metric: value or None}``: ``"paid"`` or ``"all"``.

        Raises
        ------
        payback.errors.InputError
            For a kind other than ``"paid"`` or ``"all"``, or when the frame has no totals
            row of that kind.
        """
        if kind not in TOTAL_KINDS:
            raise InputError(f"unknown totals row {kind!r}: expected paid or all")
        rows = self.frame[self.frame["is_total"] & (self.frame["total_kind"] == kind)]
        if rows.empty:
            kinds = sorted(set(self.frame.loc[self.frame["is_total"], "total_kind"]))
            raise InputError(
                f"no {kind!r} totals row: this result has {kinds or 'none'} (a paid total "
                f"exists when the metrics need ad statistics and orders or leads; "
                f"compute with totals=True)"
            )
        row = rows.iloc[-1]
        return {m: _python(row[m]) for m in self.metrics}

    @property
    def totals(self) -> dict[str, Any]:
        """Each metric's total, ``{metric: value or None}``: the paid-only metrics (CPO,
        DRR, ROMI ...) from ``Total (paid)`` when it exists, every other metric (orders,
        revenue, cost, AOV, CTR ...) from ``Total (all)``."""
        out = self.total("all")
        if (self.frame["total_kind"] == "paid").any():
            paid = self.total("paid")
            out.update({m: paid[m] for m in self.metrics if CATALOGUE[m].paid_only})
        return out

    @property
    def units(self) -> dict[str, str]:
        """Each metric's catalogue unit (``money``, ``count``, ``rate``, ``ratio``)."""
        return {n: CATALOGUE[n].unit for n in self.metrics}

    @property
    def table(self) -> Table:
        """``frame`` with each metric's catalogue unit, :attr:`reasons`, :attr:`currency`
        and the date format of a month grain (``YYYY-MM``): what
        :func:`payback.output.write_frame`, the report and the dashboard show.

        >>> from payback.metrics import compute_metrics
        >>> from payback.store import open_store
        >>> t = compute_metrics(open_store(":memory:"), by=(), metrics="cpo,orders").table
        >>> dict(t.units), t.reasons["cpo"]
        ({'cpo': 'money', 'orders': 'count'}, 'no confirmed orders in 1 row(s)...')
        """
        return Table(
            self.frame,
            units=self.units,
            reasons=self.reasons,
            currency=self.currency,
            date_formats={d: GRAINS[d].date_format for d in self.by if GRAINS[d].date_format},
        )

    @property
    def groups(self) -> pd.DataFrame:
        """The rows of ``frame`` without the totals rows."""
        return self.frame[~self.frame["is_total"]].reset_index(drop=True)


def _python(value: Any) -> Any:
    """A frame cell as a plain Python value (None when missing)."""
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def to_pandas(table: pa.Table, *, destruct: bool = True) -> pd.DataFrame:
    """Arrow to pandas with nullable Int64/Float64 columns (missing is ``pd.NA``, not NaN).

    ``destruct`` frees each Arrow buffer as soon as it is converted: the table must not be
    used afterwards.
    """
    return table.to_pandas(types_mapper=_nullable, split_blocks=True, self_destruct=destruct)


def _nullable(arrow_type: pa.DataType) -> Any:
    import pyarrow as pa

    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype()
    return None


__all__ = ["TOTAL_KINDS", "MetricsResult", "to_pandas"]
