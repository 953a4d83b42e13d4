"""Why a metric value is missing: a reason for every null cell, and their summary.

Missing values are never 0, inf or NaN. A cell is null because its denominator is 0
(``no confirmed orders``), because a side has no rows for it (``no ad statistics match
this row``), because an input is unknown (``cost of goods missing on confirmed orders``),
because a side cannot be split by the grain (the ads have no partner), or because it is
a paid-only metric in ``Total (all)``. Reasons are small integer codes while rows are
classified (numpy), texts in the result. The parts may be pandas columns or Arrow
columns (:meth:`payback.metrics.MetricsResult.to_arrow` classifies without pandas).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from payback.metrics.catalogue import CATALOGUE, Metric
from payback.metrics.sides import PART_SIDE, PARTS, SIDES

NO_AD_ROWS = "no ad statistics match this row"
NO_PLATFORM_CONVERSIONS = "the platform reported no conversions"
NO_PLATFORM_VALUE = "the platform reported no conversion value"
COGS_MISSING = "cost of goods missing on confirmed orders"
PAID_ONLY = "Total (all) holds no ad ratios (see Total (paid))"


def is_null(column: Any) -> np.ndarray:
    """Per row, whether the value is missing: of a pandas or an Arrow column."""
    if isinstance(column, pd.Series):
        return column.isna().to_numpy(dtype=bool)
    import pyarrow.compute as pc

    return np.asarray(pc.is_null(column), dtype=bool)


def _compare(column: Any, op: str) -> np.ndarray:
    """Per row, ``value == 0`` (``op="zero"``) or ``value > 0`` (``"positive"``); missing is
    False. Of a pandas or an Arrow column."""
    if isinstance(column, pd.Series):
        test = column == 0 if op == "zero" else column.fillna(0) > 0
        return test.to_numpy(dtype=bool, na_value=False)
    import pyarrow.compute as pc

    test = pc.equal(column, 0) if op == "zero" else pc.greater(column, 0)
    return np.asarray(pc.fill_null(test, False), dtype=bool)


class Reasons:
    """Reason texts as small integer codes (0: none), so rows are classified with numpy.

    ``parts`` maps each part name to its column (pandas Series or Arrow array), one value
    per row.
    """

    def __init__(self, parts: Mapping[str, Any], excluded: Mapping[str, str]) -> None:
        self.parts = parts
        self.excluded = excluded
        self.texts: list[str] = []
        self._isna = {c: is_null(parts[c]) for c in parts}
        if isinstance(parts, pd.DataFrame):
            self._rows = len(parts)
        else:
            self._rows = len(parts[next(iter(parts))]) if parts else 0

    def code(self, text: str) -> int:
        if text not in self.texts:
            self.texts.append(text)
        return self.texts.index(text) + 1

    def _fill(self, out, mask, text: str):
        return np.where((out == 0) & mask, self.code(text), out)

    def why(self, m: Metric):
        """Per row, the code of the reason the metric would be missing (0 where it is not)."""
        out = np.zeros(self._rows, dtype=np.int16)
        if m.kind == "sum":
            side = PART_SIDE[m.name]
            if side in self.excluded:
                return out + self.code(self.excluded[side])
            record = SIDES[side]
            none_here = f"no {record.words} match this row"
            if record.presence is not None:  # the row has none of the side's rows, or
                out = self._fill(out, self._isna[record.presence], none_here)
                # it has rows with the column empty
                none_here = NO_PLATFORM_VALUE if PARTS[m.name].money else NO_PLATFORM_CONVERSIONS
            out = self._fill(out, self._isna[m.name], none_here)
            if m.needs_cogs:
                missing = _compare(self.parts["cogs_missing"], "positive")
                out = self._fill(out, missing, COGS_MISSING)
            return out
        den = CATALOGUE[m.denominator]
        out = self.why(den)
        if m.kind == "ratio":
            zero = _compare(self.parts[den.name], "zero")
            out = self._fill(out, zero, PARTS[den.name].zero_reason)
        num = self.why(CATALOGUE[m.numerator])
        return np.where(out == 0, num, out)

    def codes(
        self, values: Mapping[str, Any], names: Sequence[str], blended: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Per metric, the code of the reason of each missing value in ``values`` (its
        column: pandas or Arrow), -1 where the value is present; the texts are
        :attr:`texts`.

        ``blended`` marks the ``Total (all)`` row when a ``Total (paid)`` row exists: its
        paid-only metrics are missing for that reason.
        """
        out = {}
        for n in names:
            why = self.why(CATALOGUE[n])
            if blended is not None and CATALOGUE[n].paid_only:
                why = np.where(blended, self.code(PAID_ONLY), why)
            out[n] = np.where(is_null(values[n]), why, 0).astype(np.int32) - 1
        return out

    def cells(
        self, frame: pd.DataFrame, names: Sequence[str], blended: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Per metric, a categorical column: the reason of each missing value, else NA
        (:meth:`codes` as a frame aligned with ``frame``)."""
        return categorical_cells(self.codes(frame, names, blended), self.texts, frame.index)


def categorical_cells(
    codes: Mapping[str, np.ndarray], texts: Sequence[str], index: Any = None
) -> pd.DataFrame:
    """Reason codes (-1: none) as a frame of categorical columns of the reason texts."""
    cols = {n: pd.Categorical.from_codes(c, list(texts)) for n, c in codes.items()}
    return pd.DataFrame(cols, index=index)


def summarise(cells: pd.DataFrame) -> dict[str, str]:
    """Per metric, its reasons with the number of rows each, in order of first occurrence:
    ``"no confirmed orders in 3 row(s); ..."``."""
    return summarise_codes(
        {n: cells[n].cat.codes.to_numpy() for n in cells.columns},
        {n: list(cells[n].cat.categories) for n in cells.columns},
    )


def summarise_codes(
    codes: Mapping[str, np.ndarray], texts: Sequence[str] | Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """:func:`summarise` of reason codes (-1: none) and their texts (one list, or one per
    metric)."""
    out: dict[str, str] = {}
    for name, col in codes.items():
        names = texts[name] if isinstance(texts, Mapping) else texts
        present = col[col >= 0]
        counts = np.bincount(present, minlength=len(names))
        # in the order reasons first occur, so the summary reads like the table
        order = pd.unique(present)
        if len(order):
            out[name] = "; ".join(f"{names[i]} in {counts[i]} row(s)" for i in order)
    return out


__all__ = [
    "COGS_MISSING",
    "NO_AD_ROWS",
    "NO_PLATFORM_CONVERSIONS",
    "NO_PLATFORM_VALUE",
    "PAID_ONLY",
    "Reasons",
    "categorical_cells",
    "is_null",
    "summarise",
    "summarise_codes",
]
