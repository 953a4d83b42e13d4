"""LTV by acquisition source for the other capabilities: :func:`ltv_by_source` (the
per-source table of :func:`payback.clv.sources.predict_ltv`, for LTV and LTV/CAC columns)
and :func:`shared_prediction` (the whole-history fit, once per store version, which the
dashboard, the report, the ceilings and the partners ask for)."""

from __future__ import annotations

from typing import Any

from payback._lazy import lazy_module
from payback.clv.sources import CountModel, LTVPrediction, predict_ltv
from payback.present import Table

np = lazy_module("numpy")

__all__ = ["ltv_by_source", "shared_prediction"]


def shared_prediction(store, **arguments: Any) -> LTVPrediction:
    """:func:`predict_ltv`'s per-source results for the whole history, fitted once per store
    version and shared.

    The dashboard's headline (its LTV/CAC card), its ``/api/ltv`` view, the report's CLV
    section and the ceilings' predicted CLV ask for the same fit: without ``as_of`` it
    depends on the store's data and the arguments only, so it is computed once per version
    of the store and arguments (:func:`payback.cache.per_store_version`); a new import
    fits again. Each caller gets its own copy of ``by_source``. ``customers`` keeps its
    columns but no rows (a million customers' rows per grain would stay in memory for
    nobody: ask :func:`predict_ltv` for them). With ``as_of``, or on a store that is not
    a file, the fit runs each time.

    Parameters
    ----------
    store : payback.store.Store
    **arguments
        Those of :func:`predict_ltv`.

    Examples
    --------
    >>> import tempfile
    >>> from payback.demo import generate_shop
    >>> from payback.store import open_store
    >>> with tempfile.TemporaryDirectory() as tmp, open_store(f"{tmp}/s.duckdb") as store:
    ...     _ = store.write(generate_shop(400, seed=2).tables)
    ...     first = shared_prediction(store, horizon_months=6)
    ...     again = shared_prediction(store, horizon_months=6.0)  # the same fit
    ...     fresh = predict_ltv(store, horizon_months=6)
    >>> first.fits is again.fits, first.by_source.frame is again.by_source.frame
    (True, False)
    >>> len(first.customers.frame)
    0
    >>> bool(np.allclose(first.by_source.frame.predicted_ltv, fresh.by_source.frame.predicted_ltv))
    True
    """
    import dataclasses
    import inspect

    bound = inspect.signature(predict_ltv).bind(store, **arguments)
    bound.apply_defaults()
    options = {k: v for k, v in bound.arguments.items() if k != "store"}

    def fit() -> LTVPrediction:
        result = predict_ltv(store, **{**options, "customers": False})
        customers = result.customers.with_frame(result.customers.frame.iloc[:0].copy())
        return dataclasses.replace(result, customers=customers)

    if options["as_of"] is not None:
        return fit()
    from payback.cache import per_store_version

    key = ("clv.predict_ltv", *sorted(options.items()))
    shared = per_store_version(store, key, fit)
    by_source = shared.by_source.with_frame(shared.by_source.frame.copy())
    return dataclasses.replace(shared, by_source=by_source)


def ltv_by_source(
    store,
    by: str = "platform",
    *,
    horizon_months: float = 12.0,
    annual_discount_rate: float = 0.0,
    margin: float | None = None,
    model: CountModel = "bgnbd",
    min_customers: int = 500,
    penalizer: float = 0.0,
    freq: str = "D",
    as_of: Any = None,
) -> Table:
    """Historical and predicted LTV per acquisition source, for LTV and LTV/CAC columns.

    Parameters
    ----------
    store : payback.store.Store
    by : {"platform", "channel", "campaign", "partner"}
        The source: attribution of each customer's first confirmed order.
    horizon_months, annual_discount_rate, margin, model, min_customers, penalizer, freq, as_of
        As in :func:`predict_ltv`.

    Returns
    -------
    payback.present.Table
        Its ``frame`` has one row per source value (``None`` = orders without that
        attribution): ``source, customers, historical_ltv, historical_margin_ltv,
        predicted_ltv, future_value_per_customer, expected_purchases_per_customer,
        p_alive, model_fit``; money in the store's currency (``currency``); ``reasons``
        explains missing values and pooled fits, ``notes["basis"]`` what each value
        column is computed on (:func:`basis`). Join it to the metrics on ``source`` = the
        ``by`` dimension (``partner`` is the ``partner_id`` column of orders).

    Examples
    --------
    >>> from payback.demo import generate_shop
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write(generate_shop(1500, seed=5).tables)
    >>> table = ltv_by_source(store, "platform", min_customers=300).frame
    >>> list(table.columns[:5])
    ['source', 'customers', 'historical_ltv', 'historical_margin_ltv', 'predicted_ltv']
    >>> int(table.customers.sum()) == int(store.execute(
    ...     store.table("orders").filter(lambda t: t.status == "confirmed")
    ...     .customer_id.nunique()))
    True
    """
    return predict_ltv(
        store,
        horizon_months=horizon_months,
        annual_discount_rate=annual_discount_rate,
        margin=margin,
        by=by,
        model=model,
        min_customers=min_customers,
        penalizer=penalizer,
        freq=freq,
        as_of=as_of,
    ).by_source
