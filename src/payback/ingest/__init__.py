"""Import ad platform exports, orders, leads and the other canonical tables.

``import_file(store, kind, path, ...)`` reads a CSV/TSV/Parquet file, recognises the
layout (Google Ads, Meta Ads Manager, Microsoft Advertising, Yandex Direct, or a
generic file mapped with ``mapping``/``set_values``), validates every row, fills
attribution, converts foreign money and writes it in one transaction. The CLI is
``payback import KIND FILE``; see docs/import.md.

Examples
--------
>>> from payback.ingest import LAYOUTS, import_file
>>> sorted(LAYOUTS)
['generic', 'google', 'meta', 'microsoft', 'yandex']
"""

from __future__ import annotations

from payback.ingest.api import ImportResult, import_file
from payback.ingest.attribution import platform_name
from payback.ingest.fx import Conversion
from payback.ingest.platforms import LAYOUTS, Layout

__all__ = ["LAYOUTS", "Conversion", "ImportResult", "Layout", "import_file", "platform_name"]
