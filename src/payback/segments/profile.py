"""Customer profile: what distinguishes a segment's customers from the rest.

The segment is an RFM segment (:func:`payback.segments.rfm_expr`, e.g. ``champions``) or
``top``: the ``top`` share of customers by revenue to date (``value="historical"``) or
by predicted CLV (``value="predicted"``: :func:`payback.clv.predict_ltv`, MBG/NBD and
Gamma-Gamma over 12 months), ties broken by the customer id (revenue is rounded to the
cent first, :func:`payback.segments.rfm.to_cents`, so the cut is the same whatever order
the engine sums in). Per customer, the attributes of their acquisition and of the
``customers`` table:

- ``source``: the ad platform of the first confirmed order (``(none)``: unattributed),
  ``partner``: its referral partner, ``device`` and ``country`` (the customers table's
  country first, else the first order's);
- ``age_band``, ``gender``, ``language`` from the ``customers`` table;
- ``first_category``: the category of the first order's largest line (quantity x price;
  ties by line number);
- ``first_order_value``: the quartile band of the first order's revenue among all the
  customers (``Q1 <= 25.00`` ... ``Q4 > 80.00``).

For each attribute value, with ``a`` of the ``n1`` segment customers and ``b`` of the
``n2`` others holding it::

    segment_share = a / n1    rest_share = b / n2    difference = a/n1 - b/n2
    lift = (a / n1) / ((a + b) / (n1 + n2))

the 95 % interval of the difference (Newcombe's hybrid score method), the two-sided
Fisher exact p-value and the Benjamini-Hochberg q-value over every value of every
attribute (:mod:`payback.segments.stats`). Values held by fewer than ``min_count``
customers of the segment are not shown (they stay in the false-discovery family). An
attribute with one value for every customer (e.g. no ``gender`` in the data: all
``(none)``) says nothing and is left out (:attr:`ProfileResult.dropped`).

**The profile to target** (:attr:`ProfileResult.targets`, :meth:`ProfileResult.target_text`)
is the short list of the values significantly over-represented in the segment:
``q_value <= fdr``, ``lift > 1`` and at least ``min_count`` segment customers, the highest
lift first.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> day = dt.datetime(2024, 6, 1)
>>> rows = [(f"c{i}", 500.0 if i < 20 else 20.0, "google" if i < 18 else "meta")
...         for i in range(100)]
>>> _ = store.write({"orders": pa.table({
...     "order_id": [r[0] for r in rows], "customer_id": [r[0] for r in rows],
...     "time": [day] * 100, "revenue": [r[1] for r in rows],
...     "status": ["confirmed"] * 100, "currency": ["EUR"] * 100,
...     "platform": [r[2] for r in rows]})})
>>> result = profile(store, "top", attributes=["source"], min_count=1)
>>> result.table.frame[["attribute", "value", "customers", "segment_share", "rest_share",
...                     "lift"]].round(3)
  attribute   value  customers  segment_share  rest_share   lift
0    source  google         18            0.9         0.0  5.000
1    source    meta          2            0.1         1.0  0.122
>>> result.segment_customers, result.other_customers
(20, 80)
>>> result.target_text()
'Target: source = google (lift 5.00)'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.metrics.scope import acquisitions, in_period
from payback.present import Table
from payback.segments.stats import bh_adjust, fisher_two_sided, newcombe_interval

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from payback.store import Store
else:
    pd = lazy_module("pandas")
np = lazy_module("numpy")
ibis = lazy_module("ibis")

__all__ = [
    "ATTRIBUTES",
    "TARGET_LIFT",
    "ProfileResult",
    "attributes_expr",
    "customer_attributes",
    "profile",
]

#: The attributes a profile compares, in this order.
ATTRIBUTES = (
    "source",
    "partner",
    "country",
    "device",
    "age_band",
    "gender",
    "language",
    "first_category",
    "first_order_value",
)
_NONE = "(none)"
#: The smallest lift of a target (:attr:`ProfileResult.targets`): at least 10 % more
#: common in the segment than among all customers. With many customers almost every
#: difference is significant (on a 200,000-customer demo 16 values pass q <= 0.05 with
#: lifts from 1.02); a practical size keeps the list short enough to act on.
TARGET_LIFT = 1.1
UNITS = {
    "customers": "count",
    "others": "count",
    "segment_share": "rate",
    "rest_share": "rate",
    "difference": "rate",
    "ci_low": "rate",
    "ci_high": "rate",
    "lift": "ratio",
}


@dataclass(frozen=True)
class ProfileResult:
    """Result of :func:`profile`.

    Attributes
    ----------
    table : payback.present.Table
        One row per attribute value, the most distinctive first: ``attribute, value,
        customers, others, segment_share, rest_share, difference, ci_low, ci_high, lift,
        p_value, q_value``.
    segment : str
    segment_customers, other_customers : int
    """

    table: Table
    segment: str
    segment_customers: int
    other_customers: int
    dropped: tuple[str, ...] = ()
    fdr: float = 0.05
    target_lift: float = TARGET_LIFT

    @property
    def targets(self) -> Table:
        """The profile a marketer can target: the attribute values significantly
        over-represented in the segment (``q_value <= fdr``, ``lift >= target_lift``,
        default :data:`TARGET_LIFT` 1.1, held by at least ``min_count`` segment
        customers), the highest lift first: ``attribute, value, customers,
        segment_share, rest_share, lift, q_value``."""
        frame = self.table.frame
        rows = frame[(frame.q_value <= self.fdr) & (frame.lift >= self.target_lift)]
        rows = rows.sort_values(["lift", "attribute", "value"], ascending=[False, True, True])
        columns = ["attribute", "value", "customers", "segment_share", "rest_share", "lift",
                   "q_value"]  # fmt: skip
        return self.table.with_frame(rows[columns].reset_index(drop=True))

    def target_text(self) -> str:
        """The targets in one line: ``Target: country = Germany (lift 1.81), ...``, or
        why there is none."""
        rows = self.targets.frame
        if not len(rows):
            return (
                f"Target: no attribute value is significantly over-represented in {self.segment} "
                f"(q <= {self.fdr:g}, lift >= {self.target_lift:g})"
            )
        items = [f"{a} = {v} (lift {lift:.2f})" for a, v, lift in
                 zip(rows.attribute, rows.value, rows.lift, strict=True)]  # fmt: skip
        return "Target: " + ", ".join(items)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the table leaves out: the attributes with one value only."""
        if not self.dropped:
            return ()
        return (
            f"left out, one value for every customer (nothing to compare): "
            f"{', '.join(self.dropped)}",
        )


def attributes_expr(store: Store, as_of: Any = None, *, by: str | None = None) -> ir.Table:
    """One row per customer with a confirmed order, lazily: ``customer_id, revenue`` (to
    date), every attribute of :data:`ATTRIBUTES` but ``first_order_value`` (text,
    ``(none)`` when unknown) and ``_first_value`` (the first order's revenue).

    With ``by`` (a grouping of :data:`payback.segments.sources.BY_SOURCES`) also what
    RFM scores, ``last_order`` and ``frequency`` (:func:`payback.segments.rfm.order_totals`),
    and the acquisition source by ``by`` as ``_source``
    (:func:`payback.clv.cohorts.source_expr`, null when unknown): the report's one
    per-customer table, read by its RFM segments, win-back and profile
    (:func:`payback.segments.report_section.segment_results`)."""
    from payback.segments.rfm import order_totals, rfm_as_of

    day = rfm_as_of(store, as_of)
    totals = order_totals(store, day)
    first = acquisitions(store)
    first = first.filter(in_period(first, "time", None, day))
    # only the columns the ranking reads: the window sorts every line of every first
    # order, and the other columns would be carried through it (about 13 % of its time)
    lines = store.table("order_items").select("order_id", "line", "category", "quantity", "price")
    lines = lines.semi_join(first.select("order_id"), lines.order_id == first.order_id)
    ranked = lines.mutate(
        _rank=ibis.row_number().over(
            group_by=lines.order_id, order_by=[(lines.quantity * lines.price).desc(), lines.line]
        )
    )
    top_line = ranked.filter(ranked._rank == 0).select(_oid="order_id", first_category="category")
    joined = first.left_join(top_line, first.order_id == top_line._oid)
    more: dict[str, Any] = {}
    if by is not None:
        from payback.clv.cohorts import source_expr
        from payback.segments.sources import source_grouping

        more["_source"] = source_expr(joined, source_grouping(by))
    base = joined.select(
        customer_id=joined.customer_id,
        source=joined.platform,
        partner=joined.partner_id,
        device=joined.device,
        _order_country=joined.country,
        first_category=joined.first_category,
        _first_value=joined.revenue,
        **more,
    )
    people = store.table("customers").select(
        _cid="customer_id", _country="country", age_band="age_band", gender="gender",
        language="language",
    )  # fmt: skip
    base = base.left_join(people, base.customer_id == people._cid)
    base = base.join(totals, "customer_id")
    country = base._country.fill_null(base._order_country)
    texts = {"country": country} | {a: base[a] for a in ATTRIBUTES[:-1] if a != "country"}
    extra = ["last_order", "frequency", "_source"] if by is not None else []
    return base.select(
        "customer_id", "revenue", "_first_value", *extra,
        **{a: texts[a].cast("string").fill_null(_NONE) for a in ATTRIBUTES[:-1]},
    )  # fmt: skip


def _with_bands(store: Store, expr: ir.Table) -> ir.Table:
    """``expr`` with ``first_order_value``: the quartile band of ``_first_value`` among the
    customers, ``Q1 <= q1``, ``Q2 <= q2``, ``Q3 <= q3``, ``Q4 > q3`` (the quartiles
    interpolated linearly, as pandas' default; a value equal to a quartile is in the band
    it closes)."""
    v = expr._first_value.cast("float64")
    found = store.execute(expr.aggregate(**{f"q{i}": v.quantile(i / 4) for i in (1, 2, 3)}))
    q = [float(found[f"q{i}"].iloc[0]) if not pd.isna(found[f"q{i}"].iloc[0]) else np.nan
         for i in (1, 2, 3)]  # fmt: skip
    labels = [f"Q1 <= {q[0]:.2f}", f"Q2 <= {q[1]:.2f}", f"Q3 <= {q[2]:.2f}", f"Q4 > {q[2]:.2f}"]
    above = sum((v > ibis.literal(x)).cast("int64") for x in q)  # quartiles below the value
    band = ibis.literal(labels[3])
    for k in (2, 1, 0):
        band = (above == k).ifelse(labels[k], band)
    return expr.mutate(first_order_value=v.isnull().ifelse(_NONE, band))


def customer_attributes(store: Store, as_of: Any = None) -> pd.DataFrame:
    """One row per customer with a confirmed order: ``customer_id, revenue`` (to date)
    and every attribute of :data:`ATTRIBUTES` (text; ``(none)`` when unknown)."""
    expr = _with_bands(store, attributes_expr(store, as_of))
    frame = store.execute(expr.select("customer_id", "revenue", *ATTRIBUTES))
    return frame.sort_values("customer_id").reset_index(drop=True)


def _inside(
    store: Store, segment: str, expr: ir.Table, top: float, as_of: Any, value: str
) -> ir.BooleanValue:
    """True for the customers of ``segment`` among ``expr``'s (as a column of ``expr``)."""
    if segment == "top":
        if not 0.0 < top < 1.0:
            raise InputError(f"top must lie between 0 and 1 (a share of customers), got {top}")
        if value not in ("historical", "predicted"):
            raise InputError(f"value must be historical or predicted, got {value!r}")
        from payback.segments.rfm import to_cents

        n_top = int(np.ceil(top * int(store.execute(expr.count())) - 1e-9))
        # to the cent: a float sum's last bit depends on the engine's summation order
        rank_by = to_cents(expr.revenue)
        if value == "predicted":
            from payback.clv import predict_ltv
            from payback.segments.rfm import rfm_as_of

            day = rfm_as_of(store, as_of)
            pred = predict_ltv(store, model="mbgnbd", as_of=day).customers.frame
            clv = pd.DataFrame({"_pid": pred.customer_id.astype(str),
                                "_clv": pred.clv.astype("float64")})  # fmt: skip
            values = ibis.memtable(clv.dropna())
            expr = expr.left_join(values, expr.customer_id == values._pid)
            rank_by = expr._clv.fill_null(float("-inf"))
        # the n_top-th customer (a top-N query, not a window over every customer): the
        # lowest value among the first n_top, and the last customer id holding it there
        # (an aggregate over LIMIT, which every engine returns as asked; Spark's answer to
        # LIMIT ... OFFSET came back with other column names)
        expr = expr.mutate(_by=rank_by)
        first = expr.select("customer_id", "_by")
        first = first.order_by([first._by.desc(), first.customer_id.asc()]).limit(n_top)
        with first.cache() as first:  # the top-N once for the two questions
            by = float(store.execute(first.aggregate(low=first._by.min()))["low"].iloc[0])
            at = first.filter(first._by == by)
            cid = str(store.execute(at.aggregate(last=at.customer_id.max()))["last"].iloc[0])
        inside = (expr._by > by) | ((expr._by == by) & (expr.customer_id <= cid))
        return expr.select(*ATTRIBUTES, inside=inside)
    from payback.segments.rfm import rfm_expr
    from payback.segments.rules import default_rules

    known = default_rules().segments
    if segment not in known:
        raise InputError(
            f"unknown segment {segment!r}: expected top or an RFM segment: {', '.join(known)}"
        )
    members = rfm_expr(store, as_of=as_of).select(_mid="customer_id", _segment="segment")
    joined = expr.left_join(members, expr.customer_id == members._mid)
    return joined.select(*ATTRIBUTES, inside=(joined._segment == segment).fill_null(False))


def _counts(store: Store, expr: ir.Table, chosen: list[str]) -> pd.DataFrame:
    """``attribute, value, inside, n``: customers per attribute value in and outside the
    segment, grouped in the engine (one group-by per attribute)."""
    parts = [
        expr.group_by(value=expr[a], inside=expr.inside)
        .aggregate(n=expr.count())
        .mutate(attribute=ibis.literal(a))
        for a in chosen
    ]
    union = parts[0]
    for part in parts[1:]:
        union = union.union(part)
    return store.execute(union.select("attribute", "value", "inside", "n"))


def _segment_counts(store, once, segment, top, as_of, value, chosen) -> pd.DataFrame:
    """:func:`_counts` of the ``segment`` among the customers of ``once``."""
    members = _inside(store, segment, _with_bands(store, once), top, as_of, value)
    if segment != "top":  # the join with the RFM table: once, not once per attribute
        with members.cache() as joined:
            return _counts(store, joined, chosen)
    return _counts(store, members, chosen)


def profile(
    store: Store,
    segment: str = "top",
    *,
    top: float = 0.2,
    value: str = "historical",
    attributes: list[str] | tuple[str, ...] | None = None,
    min_count: int = 10,
    fdr: float = 0.05,
    significant_only: bool = False,
    target_lift: float = TARGET_LIFT,
    as_of: Any = None,
    customers: ir.Table | None = None,
) -> ProfileResult:
    """What distinguishes ``segment``'s customers from the rest (module description).

    Parameters
    ----------
    store : payback.store.Store
    segment : str
        ``top`` or an RFM segment name (``champions``, ``at risk`` ...).
    top : float
        Share of customers in ``top``.
    value : {"historical", "predicted"}
        What ``top`` ranks by: revenue to date, or the predicted CLV.
    attributes : list of str, optional
        Among :data:`ATTRIBUTES` (default: all).
    min_count : int
        Fewest segment customers with a value for it to be shown.
    fdr : float
        The largest q-value of a target (:attr:`ProfileResult.targets`) and, with
        ``significant_only``, of a value shown.
    significant_only : bool
        Keep only the values with ``q_value <= fdr``.
    target_lift : float
        The smallest lift of a target (default :data:`TARGET_LIFT`, 1.1); 1.0 keeps
        every significantly over-represented value.
    as_of : date, optional
        End of observation.
    customers : ibis.expr.types.Table, optional
        :func:`attributes_expr` of ``store`` and ``as_of`` already built (e.g. cached:
        the report's one per-customer table); without it, built and cached here.

    Returns
    -------
    ProfileResult

    Raises
    ------
    payback.errors.InputError
        An unknown segment or attribute, an empty segment.
    """
    chosen = list(attributes or ATTRIBUTES)
    unknown = [a for a in chosen if a not in ATTRIBUTES]
    if unknown:
        raise InputError(
            f"unknown attribute(s) {', '.join(unknown)}: expected some of {', '.join(ATTRIBUTES)}"
        )
    if customers is None:
        with attributes_expr(store, as_of).cache() as once:  # read by every query below
            counts = _segment_counts(store, once, segment, top, as_of, value, chosen)
    else:
        counts = _segment_counts(store, customers, segment, top, as_of, value, chosen)
    inside_n = counts[counts.attribute == chosen[0]].groupby("inside").n.sum()
    n1, n2 = int(inside_n.get(True, 0)), int(inside_n.get(False, 0))
    if n1 == 0:
        raise InputError(f"segment {segment!r} has no customers: nothing to profile")
    values = counts.groupby("attribute").value.nunique()
    dropped = tuple(a for a in chosen if values.get(a, 0) <= 1)
    chosen = [a for a in chosen if a not in dropped]
    table = counts.pivot_table(index=["attribute", "value"], columns="inside", values="n",
                               aggfunc="sum", fill_value=0)  # fmt: skip
    rows = []
    for attribute in chosen:
        for value in sorted(table.loc[attribute].index):
            cell = table.loc[(attribute, value)]
            rows.append((attribute, value, int(cell.get(True, 0)), int(cell.get(False, 0))))
    out = pd.DataFrame(rows, columns=["attribute", "value", "customers", "others"])
    a, b = out.customers.to_numpy(), out.others.to_numpy()
    out["segment_share"] = a / n1
    reasons: dict[str, str] = {}
    if n2 > 0:
        out["rest_share"] = b / n2
        out["difference"] = out.segment_share - out.rest_share
        low, high = newcombe_interval(a, np.full(len(a), n1), b, np.full(len(b), n2))
        out["ci_low"], out["ci_high"] = low, high
        out["p_value"] = fisher_two_sided(a, np.full(len(a), n1), b, np.full(len(b), n2))
    else:
        for column in ("rest_share", "difference", "ci_low", "ci_high", "p_value"):
            out[column] = np.nan
            reasons[column] = "every customer is in the segment: no rest to compare with"
    out["lift"] = (a / n1) / ((a + b) / (n1 + n2))
    out["q_value"] = bh_adjust(out.p_value.fillna(1.0).to_numpy()) if n2 else np.nan
    if n2 == 0:
        reasons["q_value"] = reasons["p_value"]
    out = out[["attribute", "value", "customers", "others", "segment_share", "rest_share",
               "difference", "ci_low", "ci_high", "lift", "p_value", "q_value"]]  # fmt: skip
    keep = out.customers >= min_count
    if significant_only and n2:
        keep &= out.q_value <= fdr
    out = out[keep].sort_values(
        ["q_value", "difference", "attribute", "value"], ascending=[True, False, True, True]
    )
    table = Table(out.reset_index(drop=True), UNITS, reasons)
    if not target_lift >= 1.0:
        raise InputError(f"target_lift must be 1 or more (a lift), got {target_lift}")
    return ProfileResult(table, segment, n1, n2, dropped, fdr, target_lift)
