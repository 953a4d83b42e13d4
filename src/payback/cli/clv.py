"""``payback ltv``: customer summaries, model fits, predicted and cohort LTV, model checks."""

from __future__ import annotations

from pathlib import Path

import typer

from payback._lazy import lazy_module
from payback.calc.inputs import parse_number
from payback.cli import options
from payback.errors import InputError, ModelFitError
from payback.present import Table

pd = lazy_module("pandas")
#: The API this module parses arguments for, loaded when a command runs: ``payback
#: --help`` imports every command module, and importing payback.clv's ~20 modules would
#: add ~0.1 s to its ~0.4 s (measured: `import payback.cli` 0.39 s, with every clv module
#: 0.49 s, median of 10 on the shared 2-core machine).
clv = lazy_module("payback.clv")

ltv_app = typer.Typer(
    name="ltv",
    help=(
        "Customer lifetime value: per-customer summaries, the buy-till-you-die models "
        "(BG/NBD, MBG/NBD, MBG/CNBD-k, Pareto/NBD, BG/BB, Gamma-Gamma, sBG), predicted LTV by "
        "acquisition source and historical cohort LTV.\n\n"
        "Start with `payback ltv predict --horizon 12m --discount 10% --by channel`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

_DB = options.DB
_FORMAT = options.FORMAT
_OUTPUT = options.OUTPUT
_ENGINE = options.ENGINE
_SPARK_MASTER = options.SPARK_MASTER
_SPARK_REMOTE = options.SPARK_REMOTE
_AS_OF = typer.Option(
    None,
    "--as-of",
    "--observation-end",
    help="End of observation, YYYY-MM-DD (default: the last confirmed order or transaction).",
)

_TRANSACTIONS = typer.Option(
    None,
    "--transactions",
    "-t",
    help="A transaction file (CSV/Parquet, one row per purchase) instead of the store: "
    "summarised per customer at --freq, like lifetimes' summary_data_from_transaction_data.",
)
_MAP = typer.Option(
    None,
    "--map",
    help="With --transactions: the file's columns for customer_id, time, revenue and "
    "currency (e.g. customer_id=cust,time=date,revenue=amount,currency=cur; default: those "
    "names; a currency column must hold one currency).",
)
_DATE_FORMAT = typer.Option(
    None,
    "--date-format",
    help="With --transactions: how the time column is written when not ISO "
    "(%Y%m%d, DD/MM/YYYY ...).",
)


def _rate(text: str | None, name: str) -> float | None:

    return None if text is None else parse_number(text, name=name, rate=True)


def _open(db, engine: str = "duckdb", spark_master=None, spark_remote=None):

    return options.open_reading(db, engine, spark_master, spark_remote)


def _write(frame: Table | pd.DataFrame, fmt: str, output: str | None, title: str, **extra) -> None:
    """Print or save ``frame`` (:func:`payback.output.write_frame`); ``extra`` keys go
    into the JSON document."""
    from payback.output import write_frame  # imports pandas at its top, for now

    write_frame(frame, fmt, output, title=title, extra=extra)


@ltv_app.command("summary")
def summary_command(
    freq: str = typer.Option("D", "--freq", help="Period: D (day), W (week) or M (month)."),
    unit: str = typer.Option(
        None, "--unit", help="Unit of recency and T (default: --freq; D with W = days/7)."
    ),
    as_of: str = _AS_OF,
    calibration_end: str = typer.Option(
        None, "--calibration-end", help="Split: calibration up to this day, holdout after it."
    ),
    compressed: bool = typer.Option(
        False, "--compressed", help="Distinct (frequency, recency, T) with a weights column."
    ),
    transactions: Path = _TRANSACTIONS,
    mapping: list[str] = _MAP,
    date_format: str = _DATE_FORMAT,
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = _ENGINE,
    spark_master: str = _SPARK_MASTER,
    spark_remote: str = _SPARK_REMOTE,
) -> None:
    """Per-customer frequency, recency, T and monetary value of the confirmed orders,
    or of a transaction file (--transactions).

    Several orders in one period are one purchase; the first purchase is left out of
    frequency and monetary value (mean repeat spend, empty when there is none).

    **Examples**

    ```
    payback ltv summary --freq W --format csv --output summary.csv
    payback ltv summary --calibration-end 2025-06-30
    payback ltv summary --compressed
    payback ltv summary -t tx.csv --map customer_id=cust,time=date,revenue=amount
    ```
    """

    if transactions is None and (mapping or date_format):
        raise InputError("--map and --date-format go with --transactions FILE")
    options = dict(
        freq=freq.upper(),
        unit=unit.upper() if unit else None,
        observation_end=as_of,
        calibration_end=calibration_end,
    )
    if transactions is not None:
        frame, currency = clv.transaction_summary(
            transactions, mapping=mapping or None, date_format=date_format, **options
        )
        frame = clv.compress(frame) if compressed else frame
    else:
        store = _open(db, engine, spark_master, spark_remote)
        try:
            summary = clv.customer_summary(store, **options)
            # compressed in the engine: only the distinct histories leave it
            expr = clv.compress(summary) if compressed else summary.order_by("customer_id")
            frame = store.execute(expr)
            currency = store.base_currency  # the orders' one currency (checked on reading)
        finally:
            store.close()
    units = {"frequency": "count", "monetary_value": "money", "weights": "count"}
    title = f"customer summary ({len(frame)} rows, periods {freq.upper()})"
    money = currency if "monetary_value" in frame.columns else None
    _write(Table(frame, units, currency=money), fmt, output, title)


@ltv_app.command("fit")
def fit_command(
    model: str = typer.Option(
        "bgnbd",
        "--model",
        "-m",
        help="bgnbd, mbgnbd, pareto, ggomnbd (Gamma/Gompertz/NBD), mbgcnbd, pggg (Pareto/GGG, "
        "by MCMC), bgnbd_fixed (one drop-out probability p), nbd, bgbb, gg (Gamma-Gamma) or "
        "sbg.",
    ),
    freq: str = typer.Option(
        None,
        "--freq",
        help="Period of the store summary: D, W or M (default D; bgbb: M, one opportunity "
        "a month).",
    ),
    input_file: Path = typer.Option(
        None,
        "--input",
        "-i",
        help="Fit a summary file (CSV/Parquet) instead of the store: columns frequency, "
        "recency, T (bgbb: n_periods), monetary_value, weights, or Hardie's x, t_x/t.x, "
        "T/T.cal, zbar/m.x, count; sbg: survivors, periods and churned, or recency and T.",
    ),
    segment: str = typer.Option(
        None,
        "--segment",
        help="With --input: fit one model per value of this column (e.g. cohort).",
    ),
    transactions: Path = _TRANSACTIONS,
    mapping: list[str] = _MAP,
    unit: str = typer.Option(
        None,
        "--unit",
        help="With --transactions: unit of recency and T (default --freq; D with W = "
        "days/7, the CDNOW weeks).",
    ),
    date_format: str = _DATE_FORMAT,
    penalizer: float = typer.Option(0.0, "--penalizer", help="L2 penalty (0 = plain ML)."),
    as_of: str = _AS_OF,
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = _ENGINE,
    spark_master: str = _SPARK_MASTER,
    spark_remote: str = _SPARK_REMOTE,
) -> None:
    """Fit one model and print its parameters (Hardie's notation) with standard errors.

    From the store or a transaction file, the count models fit the compressed customer
    summary, Gamma-Gamma the repeat buyers; sBG fits the store's subscriptions (monthly
    periods) or a file given with --input.

    **Examples**

    ```
    payback ltv fit --model bgnbd
    payback ltv fit --model pareto --freq W
    payback ltv fit --model sbg --format json
    payback ltv fit --model bgnbd --input summary.csv
    payback ltv fit --model bgnbd --input cdnowSummary_cbs.csv --freq W
    payback ltv fit --model sbg --input sbg_cohorts.csv --segment cohort
    payback ltv fit --model bgbb --input donations.csv
    payback ltv fit --transactions orders.csv --map customer_id=cust,time=date,revenue=amount
    payback ltv fit --model gg --transactions orders.parquet --freq D --unit W
    ```

    A summary file may be in lifetimes', BTYD's or pymc-marketing's layout (BG/BB:
    periods or n.cal; BTYD's custs are weights). The title and the JSON ``period`` give
    the time unit of the rate parameters (alpha of BG/NBD is per day with --freq D). A
    summary file's unit is its own: say it with --freq.
    """

    model = model.lower()
    if model not in clv.MODELS:
        raise InputError(f"unknown model {model!r}: expected one of {', '.join(clv.MODELS)}")
    if segment is not None and input_file is None:
        raise InputError("--segment needs --input FILE: the column to split the file by")
    if transactions is not None and input_file is not None:
        raise InputError("--input (a summary) and --transactions: give one file, not both")
    if transactions is None and (mapping or unit or date_format):
        raise InputError("--map, --unit and --date-format go with --transactions FILE")
    step = clv.default_freq(model, freq) if transactions is not None else freq
    period = clv.rate_period(model, unit or step, from_file=input_file is not None)
    currency = None  # of the money Gamma-Gamma fits: the file's or the store's one currency
    if input_file is not None:
        table = clv.read_summary_file(input_file, model)
    elif transactions is not None:
        summary, currency = clv.transaction_summary(
            transactions,
            mapping=mapping or None,
            date_format=date_format,
            freq=step,
            unit=unit,
            observation_end=as_of,
        )
        if model in ("mbgcnbd", "pggg"):  # with the log inter-purchase times (k)
            summary = clv.regularity.file_log_intervals(
                summary,
                transactions,
                mapping=mapping or None,
                date_format=date_format,
                freq=step,
                unit=unit,
                observation_end=as_of,
            )
        if model == "gg" and "monetary_value" not in summary.columns:
            raise InputError(
                f"{transactions}: Gamma-Gamma needs the value of each purchase: name the "
                f"file's value column with --map revenue=COLUMN"
            )
        table = clv.rows_for_model(summary, model)
    else:
        with _open(db, engine, spark_master, spark_remote) as store:
            table = clv.model_table(store, model, freq=freq, as_of=as_of)
            currency = store.base_currency
    unit = f"per {period}" if period else "time unit of the file"
    if segment is None:
        fit = clv.fit_table(table, model, penalizer=penalizer)
        frame = fit.summary()
        if model == "gg" and currency:  # v is money: say in which currency
            frame = Table(frame, currency=currency)
        if model == "gg":
            note = clv.zero_spend_note(clv.standard_columns(table, model))
            if note:
                typer.echo(f"note: {note}", err=True)
        title = (
            f"{fit.model_name} ({unit}): log-likelihood {fit.log_likelihood:,.2f}, "
            f"{fit.n_customers:,.0f} customers"
        )
        if model == "pggg":
            title = (
                f"{fit.model_name} ({unit}): medians of {len(fit.cohort_draws)} MCMC draws, "
                f"{fit.n_customers:,.0f} customers"
            )
    else:
        fits = clv.fit_segments(table, model, segment, penalizer=penalizer, source=input_file)
        frame = clv.segment_summaries(fits, segment)
        name = next(iter(fits.values())).model_name
        title = f"{name} by {segment}: {len(fits)} segments ({unit})"
    _write(frame, fmt, output, title, period=period)


@ltv_app.command("predict")
def predict_command(
    horizon: str = typer.Option("12m", "--horizon", help="Horizon: 12m, 52w, 365d, 1y."),
    discount: str = typer.Option(
        "0", "--discount", help="Annual discount rate: 10% or 0.1 (monthly steps)."
    ),
    margin: str = typer.Option(
        None,
        "--margin",
        help="Share of revenue kept, 30% or 0.3, applied to predicted and historical margin "
        "LTV alike (default: predictions on revenue, historical margin = the data's own).",
    ),
    by: str = typer.Option(
        None, "--by", help="Acquisition source: channel (= platform), campaign or partner."
    ),
    min_customers: int = typer.Option(
        500, "--min-customers", help="Sources with fewer customers use the pooled fit."
    ),
    model: str = typer.Option(
        "bgnbd",
        "--model",
        "-m",
        help="bgnbd, mbgnbd, pareto, ggomnbd, mbgcnbd (Erlang-k buying), bgnbd_fixed (one drop-out "
        "probability p), or auto: fit the four on "
        "a calibration period, keep the one that best forecasts the holdout after it "
        "(it says why).",
    ),
    freq: str = typer.Option(
        "D", "--freq", help="Period the models are fitted on: D (day), W (week) or M (month)."
    ),
    penalizer: float = typer.Option(0.0, "--penalizer", help="L2 penalty (0 = plain ML)."),
    customers: bool = typer.Option(
        False, "--customers", help="One row per customer instead of per source."
    ),
    interval: str = typer.Option(
        None,
        "--interval",
        help="Intervals of expected purchases and value at this level, e.g. 90% (parametric "
        "bootstrap over the fitted parameters; parameter uncertainty only).",
    ),
    draws: int = typer.Option(200, "--draws", help="Parameter draws of --interval."),
    as_of: str = _AS_OF,
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = _ENGINE,
    spark_master: str = _SPARK_MASTER,
    spark_remote: str = _SPARK_REMOTE,
) -> None:
    """Predicted LTV: expected purchases x expected spend x margin, discounted.

    Per source: historical LTV (revenue per customer in the first months), predicted
    LTV of a new customer, future value of the existing ones. With --by, sources with
    enough customers get their own fit; the others use the pooled fit, as the
    model_fit column and the notes say.

    **Examples**

    ```
    payback ltv predict --horizon 12m --discount 10%
    payback ltv predict --horizon 12m --discount 10% --margin 30% --by channel
    payback ltv predict --by partner --min-customers 200 --format json
    payback ltv predict --customers --format csv --output clv.csv
    payback ltv predict --model auto --freq W
    payback ltv predict --model mbgnbd --penalizer 0.0001
    payback ltv predict --interval 90%
    ```

    A degenerate fit (a parameter at 0 or infinity, a flat or near-singular likelihood)
    is never used: the error says so and lists the alternatives tried.
    """

    months = clv.parse_horizon(horizon)
    rate = _rate(discount, "--discount")
    kept = _rate(margin, "--margin")
    level = _rate(interval, "--interval")
    store = _open(db, engine, spark_master, spark_remote)
    try:
        result = clv.predict_ltv(
            store,
            horizon_months=months,
            annual_discount_rate=rate,
            margin=kept,
            by=by.lower() if by else None,
            model=model.lower(),
            min_customers=min_customers,
            penalizer=penalizer,
            freq=freq,
            as_of=as_of,
            interval=level,
            draws=draws,
            customers=customers,
        )
    finally:
        store.close()
    what = "margin" if kept is not None else "revenue"
    # the horizon as given (a bare number is months) and the rate as given (7.5 %, not 8 %)
    span = horizon if horizon.strip()[-1:].isalpha() else f"{horizon.strip()} months"
    yearly = f"{rate * 100:.4g}%"
    if customers:
        table = result.customers
        title = f"customer value over {span} ({what}, discount {yearly} a year)"
    else:
        table = result.by_source
        title = (
            f"LTV by {by or 'all customers'} over {span} ({what}, discount {yearly} a "
            f"year, model {result.model}, periods {freq.upper()})"
        )
    basis = {} if customers else dict(table.notes.get("basis", {}))
    extra = {"basis": basis} if basis else {}
    if result.intervals is not None:  # the totals and their intervals, in the JSON document
        extra["intervals"] = {
            **result.intervals.notes["interval"],
            "totals": result.intervals.frame.to_dict("records"),
        }
    _write(table, fmt, output, title, **extra)
    if basis and fmt.lower() == "table":
        for column, what in basis.items():
            typer.echo(f"{column}: {what}")
    if result.intervals is not None and fmt.lower() == "table" and output is None:
        typer.echo(_interval_lines(result.intervals, horizon))
    for source, note in result.notes.items():
        typer.echo(f"note: {source}: {note}", err=True)
    for warning in result.warnings:
        typer.echo(f"note: {warning}", err=True)


def _interval_lines(table, horizon: str) -> str:
    """The totals with their intervals, one line per source and the total."""
    import pandas as pd

    from payback.present import format_value

    def whole(value) -> str:  # missing (no finite draw) as every output shows it
        return format_value(None if pd.isna(value) else round(float(value)), "count")

    info = table.notes["interval"]
    cur = f" {table.currency}" if table.currency else ""
    lines = [f"{info['level']:.0%} intervals ({info['draws']} draws, {info['method']}):"]
    for row in table.frame.itertuples():
        lines.append(
            f"  {row.source}: {row.customers:,} customers, {whole(row.expected_purchases)} "
            f"purchases over {horizon} ({whole(row.purchases_low)} to "
            f"{whole(row.purchases_high)}), value {whole(row.clv)}{cur} ({whole(row.clv_low)} "
            f"to {whole(row.clv_high)})"
        )
    for what, name in (("value", "clv"), ("value interval", "clv_low")):
        if name in table.reasons:
            lines.append(f"  {what} missing: {table.reasons[name]}")
    return "\n".join(lines)


@ltv_app.command("cohorts")
def cohorts_command(
    by: str = typer.Option(
        "month", "--by", help="month (acquisition month), channel, platform, campaign, partner."
    ),
    max_months: int = typer.Option(
        None, "--max-months", help="Show months since acquisition 0..N only."
    ),
    triangle: bool = typer.Option(
        False,
        "--triangle",
        help="One row per acquisition month, one column per month since (m0, m1, ...): "
        "cumulative revenue per acquired customer, with the pooled row and the share of "
        "customers observed that long; paste-ready with --format csv.",
    ),
    value: str = typer.Option(
        "revenue_per_customer",
        "--value",
        help="--triangle cells: revenue_per_customer (cumulative) or retention.",
    ),
    min_customers: int = typer.Option(
        30, "--min-customers", help="--triangle: cohorts smaller than this are flagged small."
    ),
    as_of: str = _AS_OF,
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = _ENGINE,
    spark_master: str = _SPARK_MASTER,
    spark_remote: str = _SPARK_REMOTE,
) -> None:
    """Historical cohort LTV: cumulative revenue and margin per acquired customer.

    One row per cohort and month since acquisition (0 = the acquisition month), with the
    retention (share of the cohort buying that month).

    **Examples**

    ```
    payback ltv cohorts
    payback ltv cohorts --by channel --max-months 12
    payback ltv cohorts --by partner --format csv --output partner_cohorts.csv
    payback ltv cohorts --triangle --max-months 12 --format csv --output triangle.csv
    ```
    """

    if triangle and by.lower() != "month":
        raise InputError(f"--triangle has one row per acquisition month: drop --by {by}")
    store = _open(db, engine, spark_master, spark_remote)
    try:
        if triangle:
            from payback.clv.triangle import cohort_triangle

            table = cohort_triangle(
                store,
                value=value,
                max_months=max_months,
                min_customers=min_customers,
                as_of=as_of,
            )
        else:
            table = clv.cohort_ltv(store, by.lower(), max_months=max_months, as_of=as_of)
        if table.frame.empty:
            from payback.ingest.build_orders import orders_missing_note

            note = orders_missing_note(store)
            if note:
                typer.echo(f"warning: {note}", err=True)
    finally:
        store.close()
    title = f"cohort triangle: {value} by months since acquisition" if triangle else ""
    _write(table, fmt, output, title or f"cohort LTV by {by}")


@ltv_app.command("check")
def check_command(
    calibration_end: str = typer.Option(
        ..., "--calibration-end", help="Fit up to this day, compare with what came after."
    ),
    model: str = typer.Option(
        "all",
        "--model",
        "-m",
        help="all (every count model), bgnbd, mbgnbd, pareto, ggomnbd, mbgcnbd, pggg "
        "(Pareto/GGG, by MCMC) or bgnbd_fixed.",
    ),
    freq: str = typer.Option("D", "--freq", help="Period: D, W or M."),
    unit: str = typer.Option(None, "--unit", help="With -t: unit of recency and T (as summary)."),
    by_frequency: bool = typer.Option(
        False, "--by-frequency", help="The models side by side per calibration frequency."
    ),
    distribution: bool = typer.Option(
        False, "--distribution", help="Show the fit of the frequency distribution instead."
    ),
    penalizer: float = typer.Option(0.0, "--penalizer", help="L2 penalty of every fit."),
    mcmc: bool = typer.Option(
        False,
        "--mcmc",
        help="With --model all: the Pareto/GGG too (fitted by MCMC, a minute or so).",
    ),
    transactions: Path = _TRANSACTIONS,
    mapping: list[str] = _MAP,
    date_format: str = _DATE_FORMAT,
    as_of: str = _AS_OF,
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = _ENGINE,
    spark_master: str = _SPARK_MASTER,
    spark_remote: str = _SPARK_REMOTE,
) -> None:
    """Model checks: every count model fitted up to --calibration-end, its forecast of
    the holdout's repeat purchases against what the customers made, and the error.

    The MBG/CNBD-k (Erlang-k inter-purchase times, k chosen by the likelihood) is
    compared too, and with --mcmc the Pareto/GGG (gamma inter-purchase times, regularity
    varying across customers; fitted by MCMC, its progress on stderr, a minute or so on
    2,000 customers). `--model bgnbd`
    (or mbgnbd, pareto, mbgcnbd, pggg) shows one model by calibration frequency;
    `--distribution` its fit of the frequency distribution.

    **Examples**

    ```
    payback ltv check --calibration-end 2025-06-30
    payback ltv check --calibration-end 2025-06-30 --by-frequency
    payback ltv check --calibration-end 2025-06-30 --mcmc
    payback ltv check --calibration-end 2025-06-30 --model pareto --distribution
    ```
    """

    key = "bgnbd" if distribution and model.lower() == "all" else model.lower()
    every = (*clv.COMPARED, "pggg") if mcmc else clv.COMPARED
    compared = every if key == "all" else (key,)
    compared = tuple(m for m in compared if m != "mbgcnbd")
    source = dict(transactions=transactions, mapping=mapping or None, date_format=date_format)
    if transactions is None and (mapping or date_format or unit):
        raise InputError("--map, --date-format and --unit go with --transactions FILE")
    store = None if transactions is not None else _open(db, engine, spark_master, spark_remote)
    try:
        comparison = clv.holdout_comparison(
            store,
            calibration_end,
            **source,
            freq=freq,
            unit=unit.upper() if unit else None,
            as_of=as_of,
            penalizer=penalizer,
            models=compared,
            verbose=True,
        )
        summary = comparison.summary
    finally:
        if store is not None:
            store.close()
    extra: dict[str, dict[str, float | int | None]] = {}
    if comparison.regularity is not None:
        typer.echo(f"note: {comparison.regularity_note}", err=True)
        k, customers = comparison.regularity
        extra["timing_regularity"] = {"k": k, "customers": customers}
    if key == "all":
        table = comparison.by_frequency if by_frequency else comparison.table
        what = "per calibration frequency" if by_frequency else "total"
        title = f"holdout repeat purchases after {calibration_end}, {what}: models vs actual"
        _write(table, fmt, output, title, **extra)
        return
    if key not in comparison.fits:
        raise ModelFitError(f"{key}: {comparison.table.frame.note.iloc[0]}")
    fit = comparison.fits[key]
    if distribution and key == "pggg":
        raise InputError(
            "--distribution: the Pareto/GGG has no closed-form frequency distribution; "
            "use --model pggg without --distribution (holdout by calibration frequency)"
        )
    if distribution:
        table = clv.frequency_fit(fit, summary)
        chi = table.notes["chi_square"]
        title = f"{fit.model_name}: customers by repeat purchases (chi-square {chi:.2f})"
    else:
        table = clv.holdout_check(fit, summary)
        title = f"{fit.model_name}: holdout purchases per customer by calibration frequency"
    _write(table, fmt, output, title)


def register(app: typer.Typer) -> None:
    """Add ``payback ltv ...`` to the root command."""
    app.add_typer(ltv_app, name="ltv")
