"""Your own metrics: a TOML file of ratios (and extra ad columns) added to the catalogue.

A metrics file defines new metrics from existing catalogue entries, and extra numeric
columns of ad exports (Meta's "Post shares", a video's "ThruPlays") that the import
keeps. Each definition goes through :func:`payback.metrics.catalogue.register_metric`,
so it works in ``payback metrics`` (and ``--list``), the report, the dashboard and
``payback calc metric`` like a built-in one: a ratio of sums at every grain, missing
with a reason where its denominator is 0.

.. code-block:: toml

    [columns.post_shares]            # an extra column of ad exports
    header = "Post shares"           # the export's header (case and blanks ignored)
    label = "Post shares"            # optional

    [metrics.cost_per_share]
    label = "Cost / share"
    formula = "cost / post_shares"   # a / b, a / b * 1000, a - b or a * b
    unit = "money"                   # money, count, rate or ratio
    better = "lower"                 # lower, higher or none
    description = "Ad spend per share of a post."

Which file: ``--metrics-file FILE``, else ``$PAYBACK_METRICS_FILE``, else
``payback-metrics.toml`` in the working folder when it exists (:func:`metrics_file_path`).
Every error names the file, the line and the fix (:class:`MetricsFileError`).

Extra columns live in the store's ``ad_extras`` table (date, platform, campaign, ad
group, keyword, name, value), written by the same import as the ad rows
(``payback import ads FILE --keep "Post shares"``, or any column the metrics file
declares); each becomes a sum (a :class:`~payback.metrics.sides.Side` of its own).

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "metrics.toml"
>>> _ = path.write_text('[metrics.value_per_click]\\nformula = "revenue / clicks"\\n'
...                     'unit = "money"\\nbetter = "higher"\\n')
>>> loaded = use_metrics_file(path)
>>> from payback.metrics.catalogue import CATALOGUE
>>> CATALOGUE["value_per_click"].evaluate({"revenue": 30, "clicks": 10})
3.0
>>> custom_metric_names()
('value_per_click',)
>>> forget_custom_metrics()
>>> "value_per_click" in CATALOGUE
False
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from payback.errors import InputError

#: The metrics file read when neither ``--metrics-file`` nor the variable names one.
DEFAULT_FILE = "payback-metrics.toml"
#: The environment variable naming the metrics file.
ENV = "PAYBACK_METRICS_FILE"
#: The table the import keeps extra ad columns in (one row per ad row and column).
EXTRAS_TABLE = "ad_extras"

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_FORMULA = re.compile(
    r"\s*(?P<a>[A-Za-z_]\w*)\s*(?P<op>[-/*x])\s*(?P<b>[A-Za-z_]\w*)"
    r"(?:\s*[*x]\s*(?P<scale>\d+(?:\.\d+)?))?\s*"
)
_UNITS = ("money", "count", "rate", "ratio")
_BETTER = {"lower": True, "higher": False, "none": None}
_METRIC_KEYS = ("label", "formula", "unit", "better", "description")
_COLUMN_KEYS = ("header", "label", "description")


class MetricsFileError(InputError):
    """A problem in a metrics file: the file, the line (when known), what and the fix.

    Attributes
    ----------
    file : str
    line : int or None
        1-based line of the problem.
    """

    def __init__(self, file: str | Path, line: int | None, problem: str, fix: str) -> None:
        self.file = str(file)
        self.line = line
        where = f"{file}, line {line}" if line else str(file)
        super().__init__(f"{where}: {problem}. Fix: {fix}")


@dataclass(frozen=True)
class ExtraColumn:
    """An extra numeric column of ad exports, kept by the import in ``ad_extras``.

    Attributes
    ----------
    name : str
        Its catalogue name (a sum), e.g. ``post_shares``.
    header : str
        The export's header, e.g. ``Post shares``.
    label, description : str
    """

    name: str
    header: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class MetricsFile:
    """A metrics file read and checked: its extra columns and metrics, in file order."""

    path: Path
    columns: tuple[ExtraColumn, ...]
    metrics: tuple[Any, ...]  # payback.metrics.catalogue.Metric

    @property
    def keep(self) -> dict[str, str]:
        """Extra column name -> export header, for the import."""
        return {c.name: c.header for c in self.columns}


def metrics_file_path(path: str | Path | None = None) -> Path | None:
    """The metrics file to use: ``path``, else ``$PAYBACK_METRICS_FILE``, else
    ``./payback-metrics.toml`` when it exists; None when there is none.

    Raises
    ------
    MetricsFileError
        When a file named by ``path`` or the variable does not exist.
    """
    for given, origin in ((path, "--metrics-file"), (os.environ.get(ENV) or None, f"${ENV}")):
        if given is not None:
            found = Path(given)
            if not found.is_file():
                raise MetricsFileError(
                    found, None, f"no such file (named by {origin})", "check the path"
                )
            return found
    default = Path(DEFAULT_FILE)
    return default if default.is_file() else None


def _line_of(lines: list[str], section: str, name: str, key: str | None = None) -> int | None:
    """The 1-based line of ``[section.name]`` (or of ``key =`` inside it)."""
    header = re.compile(rf"\s*\[\s*{section}\s*\.\s*[\"']?{re.escape(name)}[\"']?\s*\]")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return None
    if key is None:
        return start + 1
    for i in range(start + 1, len(lines)):
        if re.match(r"\s*\[", lines[i]):
            break
        if re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", lines[i]):
            return i + 1
    return start + 1


def read_metrics_file(path: str | Path) -> MetricsFile:
    """Read and check a metrics file (nothing is registered).

    Raises
    ------
    MetricsFileError
        For a TOML syntax error (tomllib's line and column), an unknown section or key,
        a name taken by a built-in metric, a formula that is not ``a / b`` (``a - b``,
        ``a * b``) of known names, a unit or direction not in the lists, or a ratio
        whose denominator is not a sum.
    """
    import tomllib

    from payback.metrics.catalogue import ALIASES, CATALOGUE
    from payback.schema import TABLES

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise MetricsFileError(path, None, f"cannot read it: {e}", "check the file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = re.search(r"at line (\d+)", str(e))
        raise MetricsFileError(
            path,
            int(found.group(1)) if found else None,
            f"not valid TOML: {e}",
            'write each entry as key = value, text in double quotes (unit = "money")',
        ) from None
    lines = text.splitlines()
    unknown = [k for k in data if k not in ("columns", "metrics")]
    if unknown:
        line = next((i + 1 for i, t in enumerate(lines) if unknown[0] in t), None)
        raise MetricsFileError(
            path,
            line,
            f"unknown section {unknown[0]!r}",
            "put extra columns under [columns.NAME] and metrics under [metrics.NAME]",
        )
    taken = set(CATALOGUE) | set(ALIASES) | set(TABLES["ad_stats"].column_names)
    own = {n for n, (p, _) in _LOADED.items() if p == path.resolve()}
    columns = []
    for name, spec in _tables(path, lines, data, "columns"):
        _check_name(path, lines, "columns", name, taken - own)
        _check_keys(path, lines, "columns", name, spec, _COLUMN_KEYS)
        header = spec.get("header")
        if not isinstance(header, str) or not header.strip():
            raise MetricsFileError(
                path,
                _line_of(lines, "columns", name),
                f"column {name!r} has no header",
                'name the export\'s column: header = "Post shares"',
            )
        label = _text(path, lines, "columns", name, spec, "label", header)
        default = f"{header}, as the platform reports it"
        description = _text(path, lines, "columns", name, spec, "description", default)
        columns.append(ExtraColumn(name, header.strip(), label, description))
        taken.add(name)
    metrics = []
    known = {c.name: c for c in columns}
    for name, spec in _tables(path, lines, data, "metrics"):
        _check_name(path, lines, "metrics", name, taken - own)
        _check_keys(path, lines, "metrics", name, spec, (*_METRIC_KEYS, "scale"))
        metrics.append(_metric(path, lines, name, spec, known, {m.name for m in metrics}))
        taken.add(name)
    return MetricsFile(path, tuple(columns), tuple(metrics))


def _tables(path, lines, data, section):
    body = data.get(section, {})
    for name, spec in body.items():
        if not isinstance(spec, dict):
            raise MetricsFileError(
                path,
                _line_of(lines, section, name) or _find(lines, name),
                f"{section}.{name} is a value, not a table",
                f"write it as a table: [{section}.{name}] and its keys on the lines below",
            )
        yield name, spec


def _find(lines: list[str], text: str) -> int | None:
    return next((i + 1 for i, t in enumerate(lines) if text in t), None)


def _check_name(path, lines, section, name, taken) -> None:
    line = _line_of(lines, section, name)
    if not _NAME.fullmatch(name):
        raise MetricsFileError(
            path,
            line,
            f"{name!r} is not a metric name",
            "use lower-case letters, digits and underscores, starting with a letter "
            "(cost_per_share)",
        )
    elsewhere = next(
        (p for n, (p, _) in _LOADED.items() if n == name and p != path.resolve()), None
    )
    if elsewhere is not None:
        raise MetricsFileError(
            path,
            line,
            f"{name!r} is defined already by {elsewhere}",
            "give one of them another name (or run payback with one metrics file)",
        )
    if name in taken:
        raise MetricsFileError(
            path,
            line,
            f"{name!r} is a name payback has already (a built-in metric, alias or ad "
            f"column, or another entry of this file)",
            f"choose another name, e.g. my_{name}",
        )


def _check_keys(path, lines, section, name, spec, allowed) -> None:
    for key in spec:
        if key not in allowed:
            raise MetricsFileError(
                path,
                _line_of(lines, section, name, key),
                f"unknown key {key!r} in [{section}.{name}]",
                f"expected some of {', '.join(allowed)}",
            )


def _text(path, lines, section, name, spec, key, default) -> str:
    value = spec.get(key, default)
    if not isinstance(value, str):
        raise MetricsFileError(
            path,
            _line_of(lines, section, name, key),
            f"{key} of {name!r} must be text, got {value!r}",
            f'write it in double quotes: {key} = "..."',
        )
    return value


def _metric(path, lines, name, spec, columns, earlier):
    from payback.metrics.catalogue import ALIASES, CATALOGUE, Metric
    from payback.metrics.sides import PART_SIDE

    def error(key, problem, fix):
        return MetricsFileError(path, _line_of(lines, "metrics", name, key), problem, fix)

    formula = spec.get("formula")
    if formula is None:
        raise error(None, f"metric {name!r} has no formula", 'add formula = "cost / post_shares"')
    match = _FORMULA.fullmatch(formula) if isinstance(formula, str) else None
    if match is None:
        raise error(
            "formula",
            f"formula {formula!r} of {name!r} is not one of a / b, a / b * N, a - b, a * b",
            'write it of two catalogue names, e.g. formula = "cost / post_shares"',
        )
    names = []
    for side in ("a", "b"):
        given = match.group(side).lower()
        resolved = ALIASES.get(given, given)
        if resolved not in CATALOGUE and resolved not in columns and resolved not in earlier:
            near = _near(given, [*CATALOGUE, *columns, *earlier])
            raise error(
                "formula",
                f"formula of {name!r}: unknown name {given!r}",
                (f"did you mean {near!r}? " if near else "")
                + "use a metric of `payback metrics --list`, a [columns.NAME] of this file "
                "or a metric defined above",
            )
        names.append(resolved)
    op = {"/": "ratio", "-": "difference", "*": "product", "x": "product"}[match.group("op")]
    if match.group("scale") and op != "ratio":
        raise error("formula", f"a scale (* N) applies to a ratio, got {formula!r}", "drop it")
    if op == "ratio" and names[1] not in columns and names[1] not in PART_SIDE:
        raise error(
            "formula",
            f"the denominator of {name!r}, {names[1]!r}, is not a sum: a ratio at a grain is "
            f"a ratio of sums",
            "divide by a sum (clicks, orders, cost, an extra column ...); `payback metrics "
            "--list` shows the sums as 'sum of' and 'count of'",
        )
    unit = spec.get("unit")
    if unit not in _UNITS:
        raise error(
            "unit",
            f"unit of {name!r} must be one of {', '.join(_UNITS)}, got {unit!r}",
            "money for an amount, count, rate for a share shown as %, ratio for a multiple: "
            'unit = "money"',
        )
    better = spec.get("better")
    if better not in _BETTER:
        raise error(
            "better",
            f"better of {name!r} must be one of lower, higher, none, got {better!r}",
            'say which direction is good: better = "lower" for a cost',
        )
    scale = float(match.group("scale") or 1)
    text = " ".join(formula.split())
    label = _text(path, lines, "metrics", name, spec, "label", name)
    description = _text(path, lines, "metrics", name, spec, "description", text)
    a, b = names
    head = (name, label, text, unit, _BETTER[better], description)
    if op == "product":
        return Metric(*head, "product", factors=(a, b))
    return Metric(*head, op, a, b, scale=scale)


def _near(word: str, names: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, names, n=1, cutoff=0.7)
    return found[0] if found else None


#: Each registered custom entry: name -> (file, definition).
_LOADED: dict[str, tuple[Path, Any]] = {}


def extra_side(column: ExtraColumn):
    """The data side of an extra column: the ``ad_extras`` rows of its name, summed."""
    from payback.metrics.sides import Part, Side

    name = column.name
    return Side(
        name=f"extra:{name}",
        table=EXTRAS_TABLE,
        words=f"{column.label} rows",
        time="date",
        columns={
            "date": "",
            "week": "",
            "month": "",
            **{d: d for d in ("platform", "campaign", "ad_group", "keyword")},
        },
        parts=(
            Part(
                name,
                lambda t: t.value.sum(),
                description=f"``ad_extras.value`` of {column.header!r}",
                none=f"no {column.label}",
            ),
        ),
        keep=lambda t: t.filter(t.name == name),
    )


def register_metrics_file(loaded: MetricsFile) -> MetricsFile:
    """Register a read metrics file: each extra column as a side and a sum, each metric
    with :func:`~payback.metrics.catalogue.register_metric`. Registering the same file
    again changes nothing.

    Raises
    ------
    MetricsFileError
        When a name is registered already from another file, or differently.
    """
    from payback.metrics.catalogue import CATALOGUE, Metric, register_metric
    from payback.metrics.sides import register_side

    path = loaded.path.resolve()
    entries: list[tuple[str, Any]] = [(c.name, c) for c in loaded.columns]
    entries += [(m.name, m) for m in loaded.metrics]
    for name, definition in entries:
        if name in _LOADED:
            source, before = _LOADED[name]
            if before == definition:
                continue
            raise MetricsFileError(
                loaded.path,
                None,
                f"{name!r} is defined already, differently, by {source}",
                "give one of them another name (or run payback with one metrics file)",
            )
        if isinstance(definition, ExtraColumn):
            register_side(extra_side(definition))
            register_metric(
                Metric(
                    name,
                    definition.label,
                    f"sum of {definition.header} the platform reports",
                    "count",
                    False,
                    definition.description,
                )
            )
        else:
            register_metric(definition)
        _LOADED[name] = (path, definition)
        assert name in CATALOGUE
    return loaded


def use_metrics_file(path: str | Path | None = None) -> MetricsFile | None:
    """Read and register the metrics file :func:`metrics_file_path` finds (None: none)."""
    found = metrics_file_path(path)
    if found is None:
        return None
    return register_metrics_file(read_metrics_file(found))


def custom_metric_names() -> tuple[str, ...]:
    """The registered metrics of metrics files (not their columns), in order."""
    return tuple(n for n, (_, d) in _LOADED.items() if not isinstance(d, ExtraColumn))


def extra_columns() -> tuple[ExtraColumn, ...]:
    """The registered extra columns of metrics files, in order."""
    return tuple(d for _, d in _LOADED.values() if isinstance(d, ExtraColumn))


def forget_custom_metrics() -> None:
    """Take every registered custom metric and column out of the catalogue and the sides
    (for tests, and a long-lived process that reads another file)."""
    from payback.metrics.catalogue import CATALOGUE
    from payback.metrics.sides import PART_SIDE, PARTS, SIDES

    for name, (_, definition) in reversed(list(_LOADED.items())):
        CATALOGUE.pop(name, None)
        if isinstance(definition, ExtraColumn):
            SIDES.pop(f"extra:{name}", None)
            PARTS.pop(name, None)
            PART_SIDE.pop(name, None)
    _LOADED.clear()


def keep_option(keep: Mapping[str, str] | str | Sequence[str] | None) -> dict[str, str]:
    """``--keep`` values as extra column name -> header: ``"Post shares"`` is
    ``post_shares``, ``shares=Post shares`` names it.

    >>> keep_option(["Post shares", "views=ThruPlays"])
    {'post_shares': 'Post shares', 'views': 'ThruPlays'}
    """
    if keep is None:
        return {}
    if isinstance(keep, Mapping):
        return {str(k): str(v) for k, v in keep.items()}
    items = [keep] if isinstance(keep, str) else list(keep)
    out: dict[str, str] = {}
    for item in items:
        name, sep, header = item.partition("=")
        if not sep:
            name, header = re.sub(r"[^0-9a-z]+", "_", item.lower()).strip("_"), item
        name = name.strip().lower()
        if not _NAME.fullmatch(name):
            raise InputError(
                f"--keep {item!r}: {name!r} is not a column name; expected HEADER or "
                f"name=HEADER with a name of lower-case letters, digits and underscores"
            )
        out[name] = header.strip()
    return out


__all__ = [
    "DEFAULT_FILE",
    "ENV",
    "EXTRAS_TABLE",
    "ExtraColumn",
    "MetricsFile",
    "MetricsFileError",
    "custom_metric_names",
    "extra_columns",
    "extra_side",
    "forget_custom_metrics",
    "keep_option",
    "metrics_file_path",
    "read_metrics_file",
    "register_metrics_file",
    "use_metrics_file",
]
