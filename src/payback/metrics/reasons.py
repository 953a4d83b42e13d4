"""Why a metric value is missing: a reason for every null cell, and their summary.

Missing values are never 0, inf or NaN. A cell is null because its denominator is 0
(``no confirmed orders``), because a side has no rows for it (``no ad statistics match
this row``), because an input is unknown (``cost of goods missing on confirmed orders``),
because a side cannot be split by the grain (the ads have no partner), or because it is
a paid-only metric in ``Total (all)``. Reasons are small integer codes while rows are
classified (numpy), texts in the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from payback.metrics.catalogue import CATALOGUE, Metric
from payback.metrics.sides import PART_SIDE, PARTS, SIDES

NO_AD_ROWS = "no ad statistics match this row"
NO_PLATFORM_CONVERSIONS = "the platform reported no conversions"
COGS_MISSING = "cost of goods missing on confirmed orders"
PAID_ONLY = "Total (all) holds no ad ratios (see Total (paid))"


class Reasons:
    """Reason texts as small integer codes (0: none), so rows are classified with numpy."""

    def __init__(self, parts: pd.DataFrame, excluded: Mapping[str, str]) -> None:
        self.parts = parts
        self.excluded = excluded
        self.texts: list[str] = []
        self._isna = {c: parts[c].isna().to_numpy(dtype=bool) for c in parts.columns}

    def code(self, text: str) -> int:
        if text not in self.texts:
            self.texts.append(text)
        return self.texts.index(text) + 1

    def _fill(self, out, mask, text: str):
        return np.where((out == 0) & mask, self.code(text), out)

    def why(self, m: Metric):
        """Per row, the code of the reason the metric would be missing (0 where it is not)."""
        out = np.zeros(len(self.parts), dtype=np.int16)
        if m.kind == "sum":
            side = PART_SIDE[m.name]
            if side in self.excluded:
                return out + self.code(self.excluded[side])
            record = SIDES[side]
            none_here = f"no {record.words} match this row"
            if record.presence is not None:  # the row has none of the side's rows, or
                out = self._fill(out, self._isna[record.presence], none_here)
                none_here = NO_PLATFORM_CONVERSIONS  # it has rows with the column empty
            out = self._fill(out, self._isna[m.name], none_here)
            if m.needs_cogs:
                missing = self.parts["cogs_missing"].fillna(0).to_numpy() > 0
                out = self._fill(out, missing, COGS_MISSING)
            return out
        den = CATALOGUE[m.denominator]
        out = self.why(den)
        if m.kind == "ratio":
            zero = (self.parts[den.name] == 0).to_numpy(dtype=bool, na_value=False)
            out = self._fill(out, zero, PARTS[den.name].zero_reason)
        num = self.why(CATALOGUE[m.numerator])
        return np.where(out == 0, num, out)

    def cells(
        self, frame: pd.DataFrame, names: Sequence[str], blended: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Per metric, a categorical column: the reason of each missing value, else NA.

        ``blended`` marks the ``Total (all)`` row when a ``Total (paid)`` row exists: its
        paid-only metrics are missing for that reason.
        """
        cols = {}
        for n in names:
            why = self.why(CATALOGUE[n])
            if blended is not None and CATALOGUE[n].paid_only:
                why = np.where(blended, self.code(PAID_ONLY), why)
            codes = np.where(frame[n].isna().to_numpy(dtype=bool), why, 0)
            cols[n] = pd.Categorical.from_codes(codes.astype(np.int32) - 1, self.texts)
        return pd.DataFrame(cols, index=frame.index)


def summarise(cells: pd.DataFrame) -> dict[str, str]:
    """Per metric, its reasons with the number of rows each, in order of first occurrence:
    ``"no confirmed orders in 3 row(s); ..."``."""
    out: dict[str, str] = {}
    for name in cells.columns:
        col = cells[name]
        codes = col.cat.codes.to_numpy()
        counts = np.bincount(codes[codes >= 0], minlength=len(col.cat.categories))
        # in the order reasons first occur, so the summary reads like the table
        order = pd.unique(codes[codes >= 0])
        if len(order):
            out[name] = "; ".join(f"{col.cat.categories[i]} in {counts[i]} row(s)" for i in order)
    return out


__all__ = [
    "COGS_MISSING",
    "NO_AD_ROWS",
    "NO_PLATFORM_CONVERSIONS",
    "PAID_ONLY",
    "Reasons",
    "summarise",
]
