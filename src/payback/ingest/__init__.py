"""Import ad platform exports, orders, leads and the other canonical tables.

``import_file(store, kind, path, ...)`` reads a CSV/TSV/Parquet file, recognises the
layout (Google Ads, Meta Ads Manager, Microsoft Advertising, Yandex Direct, or a
generic file mapped with ``mapping``/``set_values``), validates every row, fills
attribution, converts foreign money and writes it in one transaction. The CLI is
``payback import KIND FILE``; see docs/import.md. Every import is recorded in the
store's ledger: ``list_imports(store)`` lists them, ``undo_import(store, id)`` takes
one back (``payback imports``, ``payback imports undo ID``).

Examples
--------
>>> from payback.ingest import LAYOUTS, import_file
>>> sorted(LAYOUTS)
['generic', 'google', 'meta', 'microsoft', 'yandex']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback._util import lazy_exports

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name loads on first use
    from payback.ingest.api import ImportResult, import_file
    from payback.ingest.attribution import platform_name
    from payback.ingest.fx import Conversion
    from payback.ingest.ledger import ImportRecord, list_imports, undo_import
    from payback.ingest.platforms import LAYOUTS, Layout

__all__ = [
    "LAYOUTS",
    "Conversion",
    "ImportRecord",
    "ImportResult",
    "Layout",
    "import_file",
    "list_imports",
    "platform_name",
    "undo_import",
]

#: Public name -> the module defining it, imported on first use (PEP 562), so that
#: ``import payback.ingest`` (and ``payback --help``) does not load duckdb, pyarrow and the readers.
_EXPORTS = {
    "ImportResult": "payback.ingest.api",
    "import_file": "payback.ingest.api",
    "platform_name": "payback.ingest.attribution",
    "Conversion": "payback.ingest.fx",
    "ImportRecord": "payback.ingest.ledger",
    "list_imports": "payback.ingest.ledger",
    "undo_import": "payback.ingest.ledger",
    "LAYOUTS": "payback.ingest.platforms",
    "Layout": "payback.ingest.platforms",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
