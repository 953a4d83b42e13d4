"""The options every command that reads a store or writes a table shares, written once.

>>> DB.param_decls, FORMAT.param_decls, OUTPUT.param_decls
(('--db',), ('--format', '-f'), ('--output', '-o'))
"""

from __future__ import annotations

import typer

#: ``--db``: the store file.
DB = typer.Option(None, "--db", help="Store file (default $PAYBACK_DB or ./payback.duckdb).")
#: ``--format``/``-f``: how a table is written.
FORMAT = typer.Option("table", "--format", "-f", help="table (for humans), csv, json or parquet.")
#: ``--output``/``-o``: where a table is written.
OUTPUT = typer.Option(None, "--output", "-o", help="Write to this file instead of the screen.")

__all__ = ["DB", "FORMAT", "OUTPUT"]
