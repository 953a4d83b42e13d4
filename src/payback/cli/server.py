"""``payback serve``: the local dashboard and its JSON API.

The rules it follows (loopback unless a token is set, the port held before the URL is
printed) live in :mod:`payback.server.network`.
"""

from __future__ import annotations

import os

import typer

from payback.cli import options
from payback.server.network import allowed_hosts, check_bind, listen, run_server, url_of

_EXAMPLES = """
Examples:

    payback serve

    payback serve --port 8050 --db shop.duckdb

    PAYBACK_TOKEN=s3cret payback serve --host 0.0.0.0
"""


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(
        8000, "--port", "-p", min=0, max=65535, help="TCP port (0: any free port)."
    ),
    db: str = options.DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
    token: str = typer.Option(
        None,
        "--token",
        envvar="PAYBACK_TOKEN",
        help="Require 'Authorization: Bearer TOKEN' on the API (needed off 127.0.0.1).",
        show_default=False,
    ),
    workers: int = typer.Option(
        None,
        "--workers",
        min=1,
        max=64,
        help="Worker processes computing views (default 2, 1 on a one-core machine).",
        show_default=False,
    ),
    metrics_file: str = options.METRICS_FILE,
) -> None:
    """Serve the dashboard (the report's views with filters and drill-down) and its JSON API.

    Listens on 127.0.0.1 only unless --host says otherwise; any other address needs a
    token. The address is printed once the port is held: a port in use is an error
    (exit 2), never someone else's server. Responses are cached per query until the
    store file changes; views not cached yet are computed by a few worker processes
    (the ones the page shows first first) while cached ones answer at once. The OpenAPI
    description is at /docs.
    """
    from payback.metrics.custom import ENV, use_metrics_file
    from payback.server.app import create_app
    from payback.store import default_db_path

    loaded = use_metrics_file(metrics_file)
    if loaded is not None:  # the worker processes read it too (payback.server.pool)
        os.environ[ENV] = str(loaded.path.resolve())
    token = token or None
    check_bind(host, token)
    path = db or default_db_path()
    if (engine or "").lower() == "spark":  # one Spark store, queried by the server's threads
        source = options.open_reading(path, engine, spark_master, spark_remote)
        processes = False
    else:  # a missing store fails now, with its message
        options.open_reading(path, engine).close()
        source, processes = path, True
    app = create_app(
        source, token=token, allowed_hosts=allowed_hosts(host), warm=True, workers=workers,
        processes=processes,
    )  # fmt: skip
    sockets = listen(host, port)
    bound = sockets[0].getsockname()[1] if sockets else port
    typer.echo(f"payback dashboard for {os.path.abspath(path)} at {url_of(host, bound)}")
    if token:
        typer.echo("API requests need 'Authorization: Bearer <token>'; the page asks for it.")
    run_server(app, sockets)


def register(app: typer.Typer) -> None:
    """Add ``payback serve`` to the root command."""
    app.command("serve", help=(serve_command.__doc__ or "") + _EXAMPLES)(serve_command)
