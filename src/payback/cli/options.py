"""The options every command that reads a store or writes a table shares, written once.

>>> DB.param_decls, FORMAT.param_decls, OUTPUT.param_decls, LOCK_TIMEOUT.param_decls
(('--db',), ('--format', '-f'), ('--output', '-o'), ('--lock-timeout',))
"""

from __future__ import annotations

import typer

#: ``--db``: the store file.
DB = typer.Option(None, "--db", help="Store file (default $PAYBACK_DB or ./payback.duckdb).")
#: ``--format``/``-f``: how a table is written.
FORMAT = typer.Option("table", "--format", "-f", help="table (for humans), csv, json or parquet.")
#: ``--output``/``-o``: where a table is written.
OUTPUT = typer.Option(None, "--output", "-o", help="Write to this file instead of the screen.")
#: ``--lock-timeout``: how long a command that writes waits for another process's lock.
LOCK_TIMEOUT = typer.Option(
    None,
    "--lock-timeout",
    min=0,
    help="Seconds to wait while another process (an import, `payback serve`) holds the "
    "store; then fail naming it (default $PAYBACK_LOCK_TIMEOUT or 30; 0 fails at once).",
    show_default=False,
)

#: ``--metrics-file``: your own metrics (TOML), see docs/custom-metrics.md.
METRICS_FILE = typer.Option(
    None,
    "--metrics-file",
    help="Your own metrics (TOML; docs/custom-metrics.md). Default $PAYBACK_METRICS_FILE, "
    "else ./payback-metrics.toml when it exists.",
    show_default=False,
)

__all__ = ["DB", "FORMAT", "LOCK_TIMEOUT", "METRICS_FILE", "OUTPUT"]
