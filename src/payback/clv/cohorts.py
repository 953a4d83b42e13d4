"""Historical cohort LTV: cumulative revenue and margin per acquired customer, by month.

A customer is *acquired* by their first confirmed order; its month is their cohort
month and its attribution (``platform``, ``campaign``, ``partner_id``) their acquisition
source (ties at the same instant are broken by ``order_id``). For a cohort and ``k``
months since acquisition (0 = the acquisition month)::

    revenue_per_customer(k) = revenue of the cohort's confirmed orders in months 0..k
                              / customers of the cohort
    retention(k)            = customers with a confirmed order in month k / customers

Only **complete** calendar months are observed: the last one is the month of the end of
the data (the last confirmed order, or ``as_of``) when that day is the last day of its
month, otherwise the month before (data ending on 1 March observe February, not a March
with no purchases yet). Only cohorts observed for month ``k`` in full count at ``k`` (a
customer acquired last month cannot have a 6-month value yet), so grouping cohorts by
source weighs each month's cohort by its size among those old enough. Gross margin is
``revenue - cogs``; it is missing (with the reason in the table's ``reasons``) when
some orders of the cohort have no cost of goods.

The aggregation is one Ibis expression run in the engine at the finest cohort grain
(:func:`cell_expr`: acquisition platform, campaign, partner and month, by month since
acquisition), once per store version; every grouping sums those cells and the cumulative
sums run on their small result.
"""

from __future__ import annotations

from typing import Any, Literal

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.metrics import scope
from payback.metrics.scope import acquisitions
from payback.present import Table
from payback.store import check_single_currency

ibis = lazy_module("ibis")
ir = lazy_module("ibis.expr.types")
np = lazy_module("numpy")
pd = lazy_module("pandas")

__all__ = [
    "CELL_KEYS",
    "MIN_CUSTOMERS",
    "SOURCES",
    "acquisition_expr",
    "campaign_key",
    "cell_expr",
    "cohort_expr",
    "cohort_ltv",
    "confirmed_orders",
    "is_small",
    "last_complete_month",
    "month_label",
    "orders_with_first",
    "shared_cohort_ltv",
    "source_expr",
]

#: cohort groupings: acquisition month or an attribution column of the first order
SOURCES: dict[str, str | None] = {
    "month": None,
    "platform": "platform",
    "channel": "platform",
    "campaign": "campaign",
    "partner": "partner_id",
}

By = Literal["month", "platform", "channel", "campaign", "partner"]

#: The one threshold of a thin cohort value: a cohort (the triangle's row) or a cell of
#: a cohort curve (:func:`cohort_ltv`'s ``small``) whose base is fewer customers than
#: this is noise; the report and dashboard do not draw it as a plain curve.
MIN_CUSTOMERS = 30


def is_small(customers: Any, min_customers: int = MIN_CUSTOMERS) -> Any:
    """True where a cohort value's base, ``customers``, is under ``min_customers``: the
    one rule of the triangle's ``small`` flag and of the cohort curves' ``small`` cells.

    >>> is_small(29), is_small(30), is_small(3, min_customers=2)
    (True, False, False)
    """
    return customers < min_customers


def confirmed_orders(store) -> ir.Table:
    """The confirmed orders every CLV read starts from (the purchases of
    :func:`payback.metrics.scope.confirmed_orders`), once their money is known to be in one
    currency (:func:`payback.store.check_single_currency`).

    Raises
    ------
    payback.errors.CurrencyError
        The confirmed orders hold several currencies, or one that is not the store's base
        currency (the message names them and the fix).
    """
    orders = scope.confirmed_orders(store)
    check_single_currency(store, "orders", rows=orders, what="the confirmed orders")
    return orders


def _month_index(time: ir.TimestampValue) -> ir.IntegerValue:
    return (time.year() * 12 + time.month() - 1).cast("int64")


def month_label(index: int) -> str:
    """``YYYY-MM`` of a month index ``year * 12 + month - 1``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def last_complete_month(day: Any) -> int:
    """Month index (``year * 12 + month - 1``) of the last calendar month observed in full
    when the data end on ``day`` (that day included).

    Examples
    --------
    >>> month_label(last_complete_month("2024-03-01")), month_label(last_complete_month(
    ...     "2024-03-31 18:00"))
    ('2024-02', '2024-03')
    """
    stamp = pd.Timestamp(day)
    index = stamp.year * 12 + stamp.month - 1
    return index if stamp.is_month_end else index - 1


def acquisition_expr(store) -> ir.Table:
    """One row per customer: ``customer_id, acquired`` (time of the first confirmed
    order) and its ``platform, campaign, partner_id`` (the acquisition source).

    The first order is the one rule of :func:`payback.metrics.scope.acquisitions`
    (computed once per version of the orders).

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": ["1", "2", "0"], "customer_id": ["a", "a", "a"],
    ...     "time": [dt.datetime(2024, 2, 1), dt.datetime(2024, 1, 1), dt.datetime(2023, 12, 1)],
    ...     "revenue": [1.0, 2.0, 3.0], "status": ["confirmed", "confirmed", "returned"],
    ...     "currency": ["EUR"] * 3, "platform": ["meta", "google", "bing"]})})
    >>> sorted(store.execute(confirmed_orders(store).order_id))  # not the return
    ['1', '2']
    >>> store.execute(acquisition_expr(store))[["customer_id", "platform"]]
      customer_id platform
    0           a   google
    """
    first = acquisitions(store)
    return first.select(
        "customer_id",
        first.time.name("acquired"),
        "platform",
        "campaign",
        "partner_id",
        first.revenue.name("first_order_revenue"),
    )


#: Separator of the platform and the campaign in a campaign's source key.
CAMPAIGN_SEPARATOR = " / "


def campaign_key(platform: str | None, campaign: str | None) -> str | None:
    """A campaign's source key: ``"platform / campaign"``, since the same campaign name
    can live on two platforms ("Brand - Exact" on Google and on Microsoft).

    None without a campaign; ``"(none) / X"`` for a campaign without a platform. The
    metrics key campaigns by (platform, campaign): this is the same key as one string.

    >>> campaign_key("google", "Brand - Exact"), campaign_key("google", None)
    ('google / Brand - Exact', None)
    >>> campaign_key(None, "Spring")
    '(none) / Spring'
    """
    if campaign is None or campaign != campaign:  # None or NaN
        return None
    platform = "(none)" if platform is None or platform != platform else platform
    return f"{platform}{CAMPAIGN_SEPARATOR}{campaign}"


def source_expr(acq: ir.Table, by: str) -> ir.Value:
    """The acquisition source of :func:`acquisition_expr` rows for ``by`` (a column;
    for ``campaign`` the :func:`campaign_key` ``platform / campaign``)."""
    column = _source_column(by)
    if by != "campaign":
        return acq[column]
    platform = acq.platform.fill_null("(none)")
    return acq.campaign.isnull().ifelse(
        ibis.null().cast("string"), platform.concat(CAMPAIGN_SEPARATOR, acq.campaign)
    )


def _source_column(by: str) -> str | None:
    if by not in SOURCES:
        raise InputError(f"unknown cohort grouping {by!r}: expected one of {', '.join(SOURCES)}")
    return SOURCES[by]


#: The attributes of a customer's first order that a cohort cell is keyed by (with the
#: acquisition month and the months since it): every grouping of :data:`SOURCES` is a
#: function of them, so one table of cells serves them all (:func:`cell_expr`).
CELL_KEYS = ("platform", "campaign", "partner_id")
_ACTIVITY = ("active_customers", "orders", "revenue", "cogs", "orders_without_cogs")


def cell_expr(store) -> tuple[ir.Table, ir.Table]:
    """The engine side of every :func:`cohort_ltv` grouping: two lazy Ibis expressions at
    the finest cohort grain, the acquisition source's :data:`CELL_KEYS` and month.

    A customer belongs to exactly one cell (their first order has one platform, campaign
    and partner), so every column adds up over cells, ``active_customers`` too: the
    cohorts of any grouping are sums of cells (:func:`cohort_expr`).

    Returns
    -------
    (activity, sizes) : tuple of ibis.Table
        ``activity``: per ``platform, campaign, partner_id, acquisition_month,
        months_since_acquisition``: ``active_customers, orders, revenue, cogs,
        orders_without_cogs, last_order``; ``sizes``: per ``platform, campaign,
        partner_id, acquisition_month``: ``customers``.
    """
    acq = acquisition_expr(store)
    acq = acq.select("customer_id", *CELL_KEYS, acquisition_month=_month_index(acq.acquired))
    # aggregated as it is (the keys computed in the grouping): the join stays one node
    # that a statement with the CLV summaries shares
    joined = orders_with_first(store)
    month = _month_index(joined.time)
    first_month = _month_index(joined.time_first)
    keys = [*CELL_KEYS, "acquisition_month", "months_since_acquisition"]
    later = month - first_month > 0
    activity = joined.group_by(
        [
            *(joined[k] for k in CELL_KEYS),
            first_month.name("acquisition_month"),
            (month - first_month).name("months_since_acquisition"),
        ]
    ).aggregate(
        # every customer of a cell buys in its acquisition month (their first order): those
        # are the cell's size; only the later months' buyers are counted one by one (a
        # distinct count of 1.7 M orders instead of 2.8 M at 1 M customers)
        later_customers=joined.customer_id.nunique(where=later),
        orders=joined.count(),
        revenue=joined.value.sum(),
        cogs=joined.cogs.sum(),
        orders_without_cogs=joined.cogs.isnull().cast("int64").sum(),
        last_order=joined.time.max(),
    )
    sizes = acq.group_by([*CELL_KEYS, "acquisition_month"]).aggregate(customers=acq.count())
    cell = [*CELL_KEYS, "acquisition_month"]
    both = activity.left_join(sizes, [activity[k].identical_to(sizes[k]) for k in cell])
    first_month = both.months_since_acquisition == 0
    activity = both.select(
        *(activity[k] for k in keys),
        active_customers=first_month.ifelse(both.customers, both.later_customers),
        **{c: activity[c] for c in _ACTIVITY[1:]},
        last_order=activity.last_order,
    )
    return activity, sizes


def orders_with_first(store) -> ir.Table:
    """Every confirmed order beside its customer's first confirmed order (the
    acquisition, :func:`acquisition_expr`): ``customer_id, time, value, cogs`` of the
    order and ``time_first, revenue`` and the :data:`CELL_KEYS` of the first.

    The one join of the orders with the first orders that the cohort cells
    (:func:`cell_expr`) and the CLV summaries
    (:func:`payback.clv.summary.summaries_with_first_orders`) aggregate, each as it is:
    a statement asking for both joins once.
    """
    acq = acquisition_expr(store)
    first = acq.select(
        "customer_id", *CELL_KEYS, time_first=acq.acquired, revenue=acq.first_order_revenue
    )
    orders = confirmed_orders(store)
    orders = orders.select("customer_id", "time", "cogs", value=orders.revenue)
    return orders.join(first, "customer_id")


def cohort_expr(store, by: By = "month") -> tuple[ir.Table, ir.Table]:
    """The engine side of :func:`cohort_ltv` for one grouping: two lazy Ibis expressions,
    the cells of :func:`cell_expr` summed to the cohorts of ``by``.

    Returns
    -------
    (activity, sizes) : tuple of ibis.Table
        ``activity``: per ``cohort, acquisition_month, months_since_acquisition``:
        ``active_customers, orders, revenue, cogs, orders_without_cogs, last_order``;
        ``sizes``: per ``cohort, acquisition_month``: ``customers``.
    """
    column = _source_column(by)
    activity, sizes = cell_expr(store)

    def cohort(t):
        value = t.acquisition_month.cast("string") if column is None else source_expr(t, by)
        return value.name("cohort")

    activity = activity.group_by(
        [cohort(activity), "acquisition_month", "months_since_acquisition"]
    ).aggregate(**{c: activity[c].sum() for c in _ACTIVITY}, last_order=activity.last_order.max())
    sizes = sizes.group_by([cohort(sizes), "acquisition_month"]).aggregate(
        customers=sizes.customers.sum()
    )
    return activity, sizes


#: The key of a store version's cells (:func:`payback.cache.per_store_version`).
CELLS_KEY = ("clv.cohort_cells",)


def _cells(store, activity: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cells of :func:`cell_expr`, computed once per store version (every grouping and
    ``as_of`` of :func:`cohort_ltv` reads them); ``activity``, given, is its first table
    computed already (in one statement with other aggregations of the same orders)."""
    from payback.cache import per_store_version

    def compute():
        cells, sizes = cell_expr(store)
        return store.execute(cells) if activity is None else activity, store.execute(sizes)

    return per_store_version(store, CELLS_KEY, compute)


def _cohort_of(cells: pd.DataFrame, by: str) -> pd.Series:
    """The cohort of each cell for grouping ``by`` (as :func:`cohort_expr` names it)."""
    column = _source_column(by)
    if column is None:
        return cells["acquisition_month"].astype("int64").astype(str)
    if by != "campaign":
        return cells[column].astype(object).where(cells[column].notna(), None)
    keys = [campaign_key(p, c) for p, c in zip(cells["platform"], cells["campaign"], strict=True)]
    return pd.Series(keys, index=cells.index, dtype=object)


def _cohorts(store, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(activity, sizes)`` of :func:`cohort_expr` for ``by``, summed from the shared cells
    (a cohort without a source is None, as the engine returns it)."""
    cells, cell_sizes = _cells(store)
    month_keys = ["cohort", "acquisition_month", "months_since_acquisition"]
    activity = (
        cells.assign(cohort=_cohort_of(cells, by))
        .groupby(month_keys, dropna=False, sort=False)
        .agg(
            **{c: (c, "sum") for c in _ACTIVITY},
            last_order=("last_order", "max"),
        )
        .reset_index()
    )
    sizes = (
        cell_sizes.assign(cohort=_cohort_of(cell_sizes, by))
        .groupby(["cohort", "acquisition_month"], dropna=False, sort=False)
        .agg(customers=("customers", "sum"))
        .reset_index()
    )
    for table in (activity, sizes):  # grouping turned None into NaN
        table["cohort"] = table["cohort"].astype(object).where(table["cohort"].notna(), None)
    return activity, sizes


def cohort_ltv(
    store, by: By = "month", *, max_months: int | None = None, as_of: Any = None
) -> Table:
    """Cumulative revenue and gross margin per acquired customer by months since acquisition.

    Parameters
    ----------
    store : payback.store.Store
    by : {"month", "platform", "channel", "campaign", "partner"}
        Cohorts by acquisition month, or by acquisition source of the first order
        (``channel`` = ``platform``).
    max_months : int, optional
        Keep months since acquisition ``0..max_months``.
    as_of : date, optional
        Last day of the data (default: the day of the last confirmed order). The last
        month observed is its month if it is the month's last day, else the month before.

    Returns
    -------
    payback.present.Table
        Its ``frame`` is tidy, one row per cohort and month since acquisition: ``cohort,
        months_since_acquisition, customers`` (cohort customers observed that long),
        ``active_customers, retention`` (share buying in that month), ``orders, revenue``
        (of that month), ``revenue_per_customer, gross_margin_per_customer``
        (cumulative), ``small`` (True when ``customers`` is under
        :data:`MIN_CUSTOMERS`: :func:`is_small`, the cohort triangle's rule; such a value
        rests on a handful of customers); its ``units`` and ``reasons`` describe the
        columns and ``notes["by"]`` names the cohorts' grain. Orders without a source are
        in the cohort ``None``. A campaign's cohort is ``"platform / campaign"``
        (:func:`campaign_key`).

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
    ...     "time": [dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 5), dt.datetime(2024, 1, 9)],
    ...     "revenue": [100.0, 50.0, 40.0], "cogs": [60.0, 30.0, 20.0],
    ...     "status": ["confirmed"] * 3, "currency": ["EUR"] * 3})})
    >>> table = cohort_ltv(store, as_of="2024-02-29").frame
    >>> table[["cohort", "months_since_acquisition", "customers", "retention"]]
        cohort  months_since_acquisition  customers  retention
    0  2024-01                         0          2        1.0
    1  2024-01                         1          2        0.5
    >>> table.revenue_per_customer.tolist(), table.gross_margin_per_customer.tolist()
    ([70.0, 95.0], [30.0, 40.0])

    The data end on 5 February, so by default February is not a complete month yet:

    >>> cohort_ltv(store).frame.months_since_acquisition.tolist()
    [0]
    """
    activity, sizes = _cohorts(store, by)
    columns = [
        "cohort",
        "months_since_acquisition",
        "customers",
        "active_customers",
        "retention",
        "orders",
        "revenue",
        "revenue_per_customer",
        "gross_margin_per_customer",
        "small",
    ]
    by_month = _source_column(by) is None
    notes = {"by": "month" if by_month else by}
    if sizes.empty:
        return Table(pd.DataFrame(columns=columns), _UNITS, {}, store.base_currency, notes=notes)
    last = last_complete_month(activity.last_order.max() if as_of is None else as_of)
    horizon = last - int(sizes.acquisition_month.min())
    if max_months is not None:
        horizon = min(horizon, int(max_months))
    if horizon < 0:  # not one complete month since the first acquisition
        return Table(pd.DataFrame(columns=columns), _UNITS, {}, store.base_currency, notes=notes)
    # dense grid: every cohort month x every month since acquisition it has been observed
    grid = sizes.merge(
        pd.DataFrame({"months_since_acquisition": np.arange(horizon + 1)}), how="cross"
    )
    grid = grid[grid.acquisition_month + grid.months_since_acquisition <= last]
    keys = ["cohort", "acquisition_month", "months_since_acquisition"]
    cell = grid.merge(activity, on=keys, how="left", validate="1:1")
    counts = ["active_customers", "orders", "revenue", "cogs", "orders_without_cogs"]
    cell[counts] = cell[counts].fillna(0)  # no order in a month: zero purchases, zero revenue
    cell = cell.sort_values(keys)
    group = cell.groupby(["cohort", "acquisition_month"], dropna=False, sort=False)
    cell["cum_revenue"] = group.revenue.cumsum()
    cell["cum_margin"] = cell.cum_revenue - group.cogs.cumsum()
    cell["cum_missing_cogs"] = group.orders_without_cogs.cumsum()
    out = (
        cell.groupby(["cohort", "months_since_acquisition"], dropna=False, sort=True)
        .agg(
            customers=("customers", "sum"),
            active_customers=("active_customers", "sum"),
            orders=("orders", "sum"),
            revenue=("revenue", "sum"),
            cum_revenue=("cum_revenue", "sum"),
            cum_margin=("cum_margin", "sum"),
            cum_missing_cogs=("cum_missing_cogs", "sum"),
        )
        .reset_index()
    )
    out["retention"] = out.active_customers / out.customers
    out["revenue_per_customer"] = out.cum_revenue / out.customers
    margin = out.cum_margin / out.customers
    out["gross_margin_per_customer"] = margin.where(out.cum_missing_cogs == 0)
    reasons = {}
    if (out.cum_missing_cogs > 0).any():
        reasons["gross_margin_per_customer"] = (
            f"{int(cell.orders_without_cogs.sum()):,} confirmed order(s) have no cogs: "
            f"import cost of goods to see the margin"
        )
    out["small"] = is_small(out.customers)
    if by_month:
        out["cohort"] = out.cohort.astype(int).map(month_label)
    else:  # grouping turned the cohort None (no source) into NaN
        out["cohort"] = out.cohort.astype(object).where(out.cohort.notna(), None)
    int_cols = ["customers", "active_customers", "orders"]
    out[int_cols] = out[int_cols].astype("int64")
    out = out[columns].sort_values(["cohort", "months_since_acquisition"], na_position="last")
    out = out.reset_index(drop=True)
    return Table(out, _UNITS, reasons, store.base_currency, notes=notes)


_UNITS = {
    "customers": "count",
    "active_customers": "count",
    "retention": "rate",
    "orders": "count",
    "revenue": "money",
    "revenue_per_customer": "money",
    "gross_margin_per_customer": "money",
}


def shared_cohort_ltv(store, by: By = "month", *, as_of: Any = None) -> Table:
    """:func:`cohort_ltv` of the whole history, computed once per store version and shared.

    The report's CLV section, the CLV predictions' historical LTV
    (:func:`payback.clv.predict_ltv`) and the ceilings (:func:`payback.economics.ceilings`)
    all ask for the same cohort table: with ``as_of`` None it depends on the store's data
    only, so it is computed once per version of the store
    (:func:`payback.cache.per_store_version`) and every caller gets its own copy. With an
    ``as_of``, or on a store that is not a file, it is computed each time.

    Examples
    --------
    >>> import tempfile, pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> with tempfile.TemporaryDirectory() as tmp, open_store(f"{tmp}/s.duckdb") as store:
    ...     _ = store.write({"orders": pa.table({
    ...         "order_id": ["1", "2"], "customer_id": ["a", "a"],
    ...         "time": [dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 29)],
    ...         "revenue": [100.0, 50.0], "status": ["confirmed"] * 2, "currency": ["EUR"] * 2})})
    ...     first, again = shared_cohort_ltv(store), shared_cohort_ltv(store)
    >>> first.frame.revenue_per_customer.tolist(), first.frame is again.frame
    ([100.0, 150.0], False)
    >>> first.frame.equals(again.frame)
    True
    """
    if as_of is not None:
        return cohort_ltv(store, by, as_of=as_of)
    from payback.cache import per_store_version

    table = per_store_version(store, ("clv.cohort_ltv", by), lambda: cohort_ltv(store, by))
    return table.with_frame(table.frame.copy())
