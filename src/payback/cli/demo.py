"""``payback demo``: build a realistic synthetic shop, import it and print headline metrics."""

from __future__ import annotations

from pathlib import Path

import typer

from payback.errors import InputError

_EXAMPLES = """

**Examples**

```
payback demo
payback demo --customers 2000 --dir /tmp/shop --db /tmp/shop/demo.duckdb
payback demo --customers 1000000 --seed 7 --db big.duckdb
payback demo --fx yandex:EUR --no-import
```
"""


def _parse_fx(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    platform, sep, currency = text.partition(":")
    if not sep or len(currency) != 3 or not currency.isalpha():
        raise InputError(
            f"--fx {text!r}: expected PLATFORM:CURRENCY, e.g. yandex:EUR (a platform "
            f"name and a three-letter ISO 4217 code)"
        )
    return platform.strip().lower(), currency.upper()


def demo_command(
    directory: Path = typer.Option(
        Path("payback-demo"), "--dir", help="Folder the shop's files are written to."
    ),
    customers: int = typer.Option(10_000, "--customers", "-n", help="Customers to generate."),
    seed: int = typer.Option(42, "--seed", help="Random seed: the same seed, the same shop."),
    db: Path | None = typer.Option(
        None, "--db", help="Store to import into (default $PAYBACK_DB or ./payback.duckdb)."
    ),
    no_import: bool = typer.Option(
        False, "--no-import", help="Only write the files; do not import them."
    ),
    fx: str | None = typer.Option(
        None, "--fx", help="Make one platform report in another currency, e.g. yandex:EUR."
    ),
    years: int = typer.Option(2, "--years", help="Years of history (from 2024-01-01)."),
    replace: bool = typer.Option(
        False, "--replace", help="Empty a store holding other data before importing."
    ),
    progress: bool | None = typer.Option(
        None,
        "--progress/--no-progress",
        help="Progress bars (default: on from 100,000 customers).",
    ),
    fmt: str = typer.Option("table", "--format", help="Summary as table, csv, json or parquet."),
    output: Path | None = typer.Option(None, "--output", help="Write the summary to this file."),
) -> None:
    """Generate a synthetic shop (ads of Google, Meta, Microsoft and Yandex, orders, leads,
    partners, subscriptions), write it as the files a user would import, import them and
    print spend, revenue, orders, new customers, CPO, CAC, DRR and ROMI by platform."""
    from rich.console import Console

    from payback.demo.runner import progress_steps, run_demo

    console = Console(stderr=True)
    show = progress if progress is not None else customers >= 100_000
    steps = progress_steps(do_import=not no_import)
    with _bar(console, show, steps) as advance:
        result = run_demo(
            directory,
            customers=customers,
            seed=seed,
            years=years,
            fx=_parse_fx(fx),
            db=db,
            do_import=not no_import,
            replace=replace,
            progress=advance,
        )
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    console.print(
        f"Demo shop: {customers:,} customers, seed {seed}, files in {result.directory}/ ({timing})"
    )
    if result.summary is None:
        for f in result.files:
            console.print(f"  {f.command()}")
        return
    from payback.output import write_frame

    write_frame(
        result.summary.table,
        fmt,
        output,
        title=f"Demo shop, {result.shop.start} to {result.shop.end}: headline metrics by platform",
    )
    console.print(
        f"Imported into {result.db}. Next: `payback metrics --by campaign --db {result.db}`"
    )


class _bar:
    """A Rich progress bar advanced once per step (or nothing when hidden)."""

    def __init__(self, console, show: bool, total: int) -> None:
        self.console, self.show, self.total = console, show, total
        self.progress = None

    def __enter__(self):
        if not self.show:
            return lambda name: None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description:<40}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        task = self.progress.add_task("demo", total=self.total)

        def advance(name: str) -> None:
            self.progress.update(task, advance=1, description=name)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.update(
                self.progress.tasks[0].id, completed=self.total, description="done"
            )
            self.progress.stop()


def register(app: typer.Typer) -> None:
    """Add ``payback demo`` to the root command."""
    app.command("demo", help=(demo_command.__doc__ or "") + _EXAMPLES)(demo_command)
