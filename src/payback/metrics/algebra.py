"""The arithmetic of the catalogue's formulas on numbers, pandas Series and Ibis expressions.

One :class:`_Algebra` per kind of value, each with the catalogue's null rules: a missing
input gives a missing value, a ratio with a zero denominator is missing (never inf or
NaN), a sum that needs cost of goods is missing when some are.
:meth:`payback.metrics.catalogue.Metric.evaluate` picks one by the kind of its values
(:func:`_algebra`).

Examples
--------
>>> _algebra({"cost": 10.0}).ratio(10.0, 0.0, 0.0, 1.0) is None
True
>>> import pandas as pd
>>> _algebra({"cost": pd.Series([1.0])}).ratio(pd.Series([1.0, 2.0]), pd.Series([0, 4]), 0.0, 1.0)
0    <NA>
1     0.5
dtype: Float64
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


class _Algebra:
    """Arithmetic with the catalogue's null rules on one kind of value."""

    @staticmethod
    def missing_where(value: Any, flag: Any) -> Any:
        return None if value is None or flag is None or flag > 0 else value

    @staticmethod
    def sub(a: Any, b: Any) -> Any:
        return None if a is None or b is None else float(a) - float(b)

    @staticmethod
    def mul(a: Any, b: Any) -> Any:
        return None if a is None or b is None else float(a) * float(b)

    @staticmethod
    def ratio(num: Any, den: Any, offset: float, scale: float) -> Any:
        if num is None or den is None or float(den) == 0:
            return None
        num, den = float(num), float(den)
        if offset:  # (gross profit - cost) / cost, not gross profit / cost - 1: exact decimals
            num = num + offset * den
        value = num / den * scale if scale != 1.0 else num / den
        return value if math.isfinite(value) else None


class _Frames(_Algebra):
    @staticmethod
    def _float(x: Any) -> Any:
        import pandas as pd

        return x.astype("Float64") if isinstance(x, pd.Series) else x

    @staticmethod
    def missing_where(value: Any, flag: Any) -> Any:
        return value.mask(flag.fillna(1) > 0)

    @staticmethod
    def sub(a: Any, b: Any) -> Any:
        return _Frames._float(a) - _Frames._float(b)

    @staticmethod
    def mul(a: Any, b: Any) -> Any:
        return _Frames._float(a) * _Frames._float(b)

    @staticmethod
    def ratio(num: Any, den: Any, offset: float, scale: float) -> Any:
        num, den = _Frames._float(num), _Frames._float(den)
        den = den.mask(den == 0)
        if offset:
            num = num + offset * den
        return num / den * scale if scale != 1.0 else num / den


class _Exprs(_Algebra):
    @staticmethod
    def missing_where(value: Any, flag: Any) -> Any:
        import ibis

        return ibis.ifelse(flag > 0, ibis.null(value.type()), value)

    @staticmethod
    def sub(a: Any, b: Any) -> Any:
        return a - b

    @staticmethod
    def mul(a: Any, b: Any) -> Any:
        return a.cast("float64") * b.cast("float64")

    @staticmethod
    def ratio(num: Any, den: Any, offset: float, scale: float) -> Any:
        num, den = num.cast("float64"), den.cast("float64")
        if offset:
            num = num + offset * den
        value = num / den.nullif(0.0)
        return value * scale if scale != 1.0 else value


def _algebra(values: Mapping[str, Any]) -> _Algebra:
    """The arithmetic for the kind of the values: Ibis expressions, pandas Series or numbers."""
    for v in values.values():
        module = type(v).__module__
        if module.startswith("ibis."):
            return _Exprs()
        if module.startswith("pandas."):
            return _Frames()
    return _Algebra()
