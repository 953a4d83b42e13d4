"""``payback serve``: the local dashboard and its JSON API."""

from __future__ import annotations

import ipaddress
import os

import typer

from payback.errors import InputError

_EXAMPLES = """
Examples:

    payback serve

    payback serve --port 8050 --db shop.duckdb

    PAYBACK_TOKEN=s3cret payback serve --host 0.0.0.0
"""


def is_loopback(host: str) -> bool:
    """True for ``127.0.0.1``, ``::1``, ``localhost`` and the rest of 127.0.0.0/8.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token.

    Raises
    ------
    payback.errors.InputError
        When ``host`` is not a loopback address and no token is set.

    >>> check_bind("127.0.0.1", None)
    >>> check_bind("0.0.0.0", None)
    Traceback (most recent call last):
    ...
    payback.errors.InputError: refusing to serve on 0.0.0.0 without a token: ...
    """
    if not is_loopback(host) and not token:
        raise InputError(
            f"refusing to serve on {host} without a token: anyone who can reach this machine "
            f"could read your numbers. Give one with --token T (or the PAYBACK_TOKEN "
            f"environment variable); clients then send 'Authorization: Bearer T'. "
            f"Or keep the default --host 127.0.0.1."
        )


def allowed_hosts(host: str) -> list[str]:
    """The ``Host`` header names the server accepts when it listens on ``host``.

    The address itself (an IPv6 one in brackets, as browsers send it) and the loopback
    names; any name when listening on every interface (``0.0.0.0``, ``::``), whose
    clients may use any name of the machine (a token is required there). Other names
    are refused (400), which keeps DNS-rebinding pages from reading the server.

    >>> allowed_hosts("127.0.0.2")
    ['127.0.0.2', '127.0.0.1', 'localhost', '::1', '[::1]']
    >>> allowed_hosts("fe80::1")[0], allowed_hosts("0.0.0.0"), allowed_hosts("::")
    ('[fe80::1]', ['*'], ['*'])
    """
    from payback.server.app import LOOPBACK_HOSTS

    name = host.strip().lower()
    try:
        ip = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None and ip.is_unspecified:
        return ["*"]
    if ip is not None and ip.version == 6:
        name = f"[{ip.compressed}]"
    return list(dict.fromkeys([name, *LOOPBACK_HOSTS]))


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535, help="TCP port."),
    db: str = typer.Option(
        None, "--db", help="Store file (default $PAYBACK_DB or ./payback.duckdb)."
    ),
    token: str = typer.Option(
        None,
        "--token",
        envvar="PAYBACK_TOKEN",
        help="Require 'Authorization: Bearer TOKEN' on the API (needed off 127.0.0.1).",
        show_default=False,
    ),
) -> None:
    """Serve the dashboard (the report's views with filters and drill-down) and its JSON API.

    Listens on 127.0.0.1 only unless --host says otherwise; any other address needs a
    token. Responses are cached per query until the store file changes. The OpenAPI
    description is at /docs.
    """
    import uvicorn

    from payback.server.app import create_app
    from payback.store import default_db_path, open_store

    token = token or None
    check_bind(host, token)
    path = db or default_db_path()
    open_store(path, read_only=True).close()  # a missing store fails now, with its message
    app = create_app(path, token=token, allowed_hosts=allowed_hosts(host), warm=True)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    typer.echo(f"payback dashboard for {os.path.abspath(path)} at {url}")
    if token:
        typer.echo("API requests need 'Authorization: Bearer <token>'; the page asks for it.")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def register(app: typer.Typer) -> None:
    """Add ``payback serve`` to the root command."""
    app.command("serve", help=(serve_command.__doc__ or "") + _EXAMPLES)(serve_command)
