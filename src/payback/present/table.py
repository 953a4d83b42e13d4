"""One result table: a frame and what its columns mean (units, reasons, currency).

Every payback function that returns rows for people returns a :class:`Table` (or a
result that holds one): :func:`payback.output.write_frame` prints and saves it, the
report and the dashboard show it, and nothing rides on ``DataFrame.attrs`` (which pandas
drops or keeps by accident of the operation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported by whoever builds a frame
    import pandas as pd

#: The keys of :attr:`Table.notes` that payback writes.
NOTE_KEYS = ("basis", "chi_square", "by", "interval")


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, eq=False)
class Table:
    """A result frame with the meaning of its columns.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows. A missing value is ``pd.NA``, ``None`` or NaN, never inf; the frame may
        end with totals rows (``is_total``, ``total_kind``, see
        :func:`payback.present.total_label`).
    units : mapping of str to str
        Column -> ``money`` | ``count`` | ``rate`` | ``ratio`` | ``decimal`` (see
        :func:`payback.present.format_value`). A column without a unit is a dimension or
        text and prints as it is.
    reasons : mapping of str to str
        Column -> why some of its values are missing (a table's footnote). A column
        without a reason holds no missing value, or one whose meaning is its label (a
        dimension's ``None``: orders without that attribution). A reason whose column
        holds no missing value is kept but not shown.
    currency : str or None
        The currency of every ``money`` column; None when there is none or no money.
    date_formats : mapping of str to str
        Column -> ``strftime`` format its dates are shown in (``{"cohort": "%Y-%m"}``),
        besides the columns named after a date grain (``month``), which need none.
    notes : mapping of str to object
        What a result says beyond its columns, by name (:data:`NOTE_KEYS`): ``basis``
        (column -> what its money is computed on: ``revenue`` or a margin),
        ``chi_square`` (a goodness-of-fit total), ``by`` (the grain of a cohort table),
        ``interval`` (level, draws and method of the intervals of a prediction).

    The mappings are read-only copies; a table pickles (for worker processes and caches).
    ``eq`` is identity: two tables are the same result, not the same values (compare
    their frames with ``frame.equals``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = Table(pd.DataFrame({"campaign": ["brand", "generic"], "cpo": [12.5, None]}),
    ...           units={"cpo": "money"}, reasons={"cpo": "no confirmed orders"},
    ...           currency="EUR")
    >>> shown = t.rename({"cpo": "cost_per_order"})
    >>> dict(shown.units), dict(shown.reasons), shown.currency
    ({'cost_per_order': 'money'}, {'cost_per_order': 'no confirmed orders'}, 'EUR')
    >>> first = t.with_frame(t.frame.head(1))
    >>> len(first.frame), dict(first.units)
    (1, {'cpo': 'money'})
    >>> dict(t.select(["campaign"]).units)
    {}
    """

    frame: pd.DataFrame
    units: Mapping[str, str] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)
    currency: str | None = None
    date_formats: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("units", "reasons", "date_formats", "notes"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def __reduce__(self) -> tuple[Any, ...]:
        # a mappingproxy does not pickle: rebuild from the fields, with plain dicts
        fields = (self.units, self.reasons, self.currency, self.date_formats, self.notes)
        return Table, (self.frame, *(dict(f) if isinstance(f, Mapping) else f for f in fields))

    def with_frame(self, frame: pd.DataFrame) -> Table:
        """The same meaning over other rows (a slice, a sorted or extended copy): units,
        reasons, currency, date formats and notes are kept as they are."""
        return dataclasses.replace(self, frame=frame)

    def with_reasons(self, reasons: Mapping[str, str]) -> Table:
        """The table with these reasons added (a column's new reason replaces its old)."""
        return dataclasses.replace(self, reasons={**self.reasons, **reasons})

    def select(self, columns: Iterable[str]) -> Table:
        """Only ``columns``, in that order; units, reasons and date formats of the others go."""
        keep = list(columns)

        def kept(mapping: Mapping[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in mapping.items() if k in keep}

        return dataclasses.replace(
            self,
            frame=self.frame[keep],
            units=kept(self.units),
            reasons=kept(self.reasons),
            date_formats=kept(self.date_formats),
        )

    def rename(self, columns: Mapping[str, str]) -> Table:
        """Columns renamed (``{"old": "new"}``), their units, reasons, date formats and
        ``basis`` note with them."""

        def renamed(mapping: Mapping[str, Any]) -> dict[str, Any]:
            return {columns.get(k, k): v for k, v in mapping.items()}

        notes = dict(self.notes)
        if isinstance(notes.get("basis"), Mapping):
            notes["basis"] = renamed(notes["basis"])
        return dataclasses.replace(
            self,
            frame=self.frame.rename(columns=dict(columns)),
            units=renamed(self.units),
            reasons=renamed(self.reasons),
            date_formats=renamed(self.date_formats),
            notes=notes,
        )


__all__ = ["NOTE_KEYS", "Table"]
