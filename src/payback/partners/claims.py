"""A network's claims file read without importing it: ``reconcile --claims FILE``.

The file goes through the importer (its layout recognised by header, every cell checked,
errors naming file, row, column and the fix) into a throw-away in-memory store in the
currency of the shop's store; the rows come back as an Arrow table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["read_claims"]


def read_claims(path: str | Path, *, store: Any = None, platform: str = "auto", **options: Any):
    """The claims of a network file (impact.com, Awin, Tapfiliate, Everflow, generic).

    Parameters
    ----------
    path : str or Path
        The file.
    store : payback.store.Store, optional
        The shop's store: its base currency is the throw-away store's.
    platform : str
        ``auto`` (recognise the layout by header) or a layout name
        (:data:`payback.ingest.partner_layouts.PARTNER_LAYOUTS`).
    **options
        More options of :func:`payback.ingest.import_file` (``mapping``, ``currency`` ...).

    Returns
    -------
    pyarrow.Table
        The ``partner_claims`` rows of the file.

    Raises
    ------
    payback.errors.DataError, payback.errors.ValidationErrors
        As an import of the file would.
    """
    from payback.ingest import import_file
    from payback.store import open_store

    base = store.base_currency if store is not None else None
    with open_store(":memory:") as scratch:
        if base:
            scratch.write({}, meta={"base_currency": base})
            if not _names_a_currency(Path(path)):  # a file without a currency column
                options.setdefault("currency", base)
        import_file(scratch, "partner-claims", path, platform=platform, **options)
        return scratch.to_pyarrow(scratch.table("partner_claims"))


def _names_a_currency(path: Path) -> bool:
    """Whether a header among the first lines of a text file names a currency."""
    if path.suffix == ".parquet":
        return True
    with path.open("rb") as f:
        head = f.read(64 * 1024).decode("utf-8", "replace").lower()
    return "currency" in head
