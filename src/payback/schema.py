"""The canonical data contract: the one source of truth for every table payback reads.

Every import adapter maps a file into one of these tables, and every analysis reads
from them. A column is described once here (name, type, whether it is required,
allowed values, whether it holds money); the store creates its tables from this
module and the validators check files against it.

Conventions
-----------
- Money columns hold amounts in the store's base currency (see ``fx_rates``); the
  ``currency`` column of a row records it. A file in another currency is converted
  at import with the ``fx_rates`` table, or refused.
- Status and kind columns hold the lower-case values listed in ``allowed``.
- Optional text dimensions (``ad_group``, ``keyword``, ...) are null when unknown.

Examples
--------
>>> from payback.schema import TABLES, table_for_kind
>>> TABLES["orders"].key
('order_id',)
>>> table_for_kind("order-items").name
'order_items'
>>> [c.name for c in TABLES["ad_stats"].required_columns][:4]
['date', 'platform', 'campaign', 'impressions']
>>> "spam" in TABLES["leads"].column("status").allowed
True
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Literal

DType = Literal["string", "int64", "float64", "date", "timestamp", "boolean"]

ORDER_STATUSES = ("confirmed", "cancelled", "returned", "pending")
LEAD_STATUSES = ("valid", "failed", "duplicate", "spam")
LEAD_KINDS = ("call", "form", "email", "chat", "signup", "trial_order", "other")
PLATFORMS = ("google", "meta", "microsoft", "yandex", "other")
SUBSCRIPTION_STATUSES = ("active", "cancelled")

#: The dates a store holds and a query takes: an import refuses a date outside them
#: (``9999-12-31`` is a placeholder, not a day), a period outside them is an error.
FIRST_DATE = _dt.date(1900, 1, 1)
LAST_DATE = _dt.date(2200, 12, 31)

#: utm_source values (lower-cased) and the ad platform they stand for. Configurable
#: per import (``--source-map``); unknown sources keep their own name as platform.
DEFAULT_SOURCE_MAP: dict[str, str] = {
    "google": "google",
    "adwords": "google",
    "googleads": "google",
    "facebook": "meta",
    "fb": "meta",
    "instagram": "meta",
    "ig": "meta",
    "meta": "meta",
    "bing": "microsoft",
    "microsoft": "microsoft",
    "msn": "microsoft",
    "yandex": "yandex",
    "direct": "yandex",
    "yandex_direct": "yandex",
}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    dtype: DType
    required: bool = False
    description: str = ""
    allowed: tuple[str, ...] | None = None
    money: bool = False
    nonnegative: bool = False


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns, natural key and the CLI kind that imports it."""

    name: str
    kind: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    dimensions: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    @property
    def money_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.money)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}; it has {self.column_names}")

    def ibis_schema(self):  # -> ibis.Schema (imported lazily: schema.py stays light)
        import ibis

        return ibis.schema({c.name: c.dtype for c in self.columns})


def _c(name: str, dtype: DType, required: bool = False, description: str = "", **kw) -> Column:
    return Column(name, dtype, required, description, **kw)


_ATTRIBUTION = (
    _c("platform", "string", description="ad platform the row is attributed to"),
    _c("campaign", "string", description="campaign name (from utm_campaign when not given)"),
    _c("ad_group", "string", description="ad group / ad set (from utm_content when not given)"),
    _c("keyword", "string", description="keyword / search phrase (from utm_term when not given)"),
    _c("utm_source", "string"),
    _c("utm_medium", "string"),
    _c("utm_campaign", "string"),
    _c("utm_term", "string"),
    _c("utm_content", "string"),
    _c("gclid", "string", description="Google click id"),
    _c("yclid", "string", description="Yandex click id"),
    _c("fbclid", "string", description="Meta click id"),
    _c("landing_url", "string", description="landing page URL the utm_* were parsed from"),
    _c("partner_id", "string", description="referral partner (affiliate) id"),
)

AD_STATS = Table(
    name="ad_stats",
    kind="ads",
    description="Daily advertising statistics per platform, campaign, ad group and keyword.",
    columns=(
        _c("date", "date", True, "day of the statistics"),
        _c("platform", "string", True, "ad platform", allowed=None),
        _c("account", "string", description="ad account"),
        _c("campaign", "string", True, "campaign name"),
        _c("ad_group", "string", description="ad group / ad set"),
        _c("keyword", "string", description="keyword, search phrase or targeting criterion"),
        _c("match_type", "string"),
        _c("device", "string"),
        _c("country", "string"),
        _c("impressions", "int64", True, nonnegative=True),
        _c("clicks", "int64", True, nonnegative=True),
        _c("cost", "float64", True, "ad spend", money=True, nonnegative=True),
        _c("currency", "string", True, "ISO 4217 code of the money columns"),
        _c("conversions", "float64", description="conversions the platform reports"),
        _c("conversion_value", "float64", description="revenue the platform reports", money=True),
    ),
    key=("date", "platform", "campaign", "ad_group", "keyword"),
    dimensions=(
        "date",
        "platform",
        "account",
        "campaign",
        "ad_group",
        "keyword",
        "match_type",
        "device",
        "country",
    ),
)

AD_EXTRAS = Table(
    name="ad_extras",
    kind="ad-extras",
    description="Extra numeric columns of ad exports (Meta's Post shares ...), one row per ad "
    "row and column: kept by `payback import ads FILE --keep HEADER` with the ad rows, or "
    "imported as a long file.",
    columns=(
        _c("date", "date", True, "day of the statistics"),
        _c("platform", "string", True, "ad platform"),
        _c("account", "string", description="ad account"),
        _c("campaign", "string", True, "campaign name"),
        _c("ad_group", "string", description="ad group / ad set"),
        _c("keyword", "string", description="keyword, search phrase or ad"),
        _c("name", "string", True, "the column's name in the metrics catalogue (post_shares)"),
        _c("value", "float64", True, "the value the platform reports"),
    ),
    key=("date", "platform", "campaign", "ad_group", "keyword", "name"),
    dimensions=("date", "platform", "account", "campaign", "ad_group", "keyword", "name"),
)

ORDERS = Table(
    name="orders",
    kind="orders",
    description="Shop / CRM orders with their attribution.",
    columns=(
        _c("order_id", "string", True),
        _c("customer_id", "string", True),
        _c("time", "timestamp", True, "when the order was placed"),
        _c("revenue", "float64", True, "order revenue", money=True, nonnegative=True),
        _c("cogs", "float64", description="cost of goods sold", money=True, nonnegative=True),
        _c("status", "string", True, allowed=ORDER_STATUSES),
        _c("currency", "string", True),
        *_ATTRIBUTION,
        _c("country", "string"),
        _c("device", "string"),
    ),
    key=("order_id",),
    dimensions=(
        "platform",
        "campaign",
        "ad_group",
        "keyword",
        "partner_id",
        "country",
        "device",
        "utm_source",
        "utm_medium",
    ),
)

LEADS = Table(
    name="leads",
    kind="leads",
    description="Target actions: calls, forms, e-mails, chats, sign-ups, trial orders.",
    columns=(
        _c("lead_id", "string", True),
        _c("time", "timestamp", True),
        _c("kind", "string", True, allowed=LEAD_KINDS),
        _c("status", "string", True, allowed=LEAD_STATUSES),
        _c("contact", "string", description="contact key (phone, e-mail) for duplicate detection"),
        _c("customer_id", "string"),
        *_ATTRIBUTION,
        _c("country", "string"),
        _c("device", "string"),
    ),
    key=("lead_id",),
    dimensions=("platform", "campaign", "ad_group", "keyword", "partner_id", "kind"),
)

ORDER_ITEMS = Table(
    name="order_items",
    kind="order-items",
    description="Lines of an order.",
    columns=(
        _c("order_id", "string", True),
        _c("line", "int64", True, "line number inside the order"),
        _c("product_id", "string", True),
        _c("product_name", "string"),
        _c("category", "string"),
        _c("quantity", "float64", True),
        _c("price", "float64", True, "unit price", money=True),
        _c(
            "cogs", "float64", description="cost of goods of the line", money=True, nonnegative=True
        ),
        _c("currency", "string", True),
    ),
    key=("order_id", "line"),
)

CUSTOMERS = Table(
    name="customers",
    kind="customers",
    description="Customer attributes for segments and the ideal customer profile.",
    columns=(
        _c("customer_id", "string", True),
        _c("age_band", "string"),
        _c("gender", "string"),
        _c("country", "string"),
        _c("language", "string"),
        _c("city", "string"),
        _c("signup_time", "timestamp"),
    ),
    key=("customer_id",),
)

COSTS = Table(
    name="costs",
    kind="costs",
    description="Non-advertising costs by period and category (rent, salaries, delivery...).",
    columns=(
        _c("date", "date", True, "first day of the period"),
        _c("period_end", "date", description="last day of the period (defaults to end of month)"),
        _c("category", "string", True),
        _c("amount", "float64", True, money=True, nonnegative=True),
        _c("currency", "string", True),
    ),
    key=("date", "category"),
)

#: The words partner networks write for a claim's state, lower case: impact.com's action
#: ``State`` (PENDING, APPROVED, REVERSED) and ``LockedStatus`` (LOCKED, CLEARED), Awin's
#: ``commission_status`` (pending, approved, declined, deleted; 0, 1, 2 in its transactions
#: report), Everflow's conversion ``status`` (pending, approved, rejected, invalid),
#: Tapfiliate's ``commission_status`` (pending, approved, disapproved) and ``paid``.
NETWORK_WORDS = (
    "pending",
    "approved",
    "locked",
    "cleared",
    "paid",
    "reversed",
    "declined",
    "deleted",
    "rejected",
    "invalid",
    "disapproved",
    "0",
    "1",
    "2",
)

PARTNER_CLAIMS = Table(
    name="partner_claims",
    kind="partner-claims",
    description="Sales a partner (affiliate) reports and bills for.",
    columns=(
        _c("claim_id", "string", True),
        _c("partner_id", "string", True),
        _c("order_id", "string", True),
        _c("time", "timestamp", True),
        _c("revenue", "float64", True, "order revenue the partner claims", money=True),
        _c("commission", "float64", description="commission billed", money=True),
        _c("currency", "string", True),
        _c("click_time", "timestamp", description="the partner's click the sale is credited to"),
        _c(
            "customer_status",
            "string",
            description="new or existing, as the network reports",
            allowed=("new", "existing"),
        ),
        _c(
            "network_status",
            "string",
            description="the network's own state of the claim, its word "
            "(payback.partners.network_state)",
            allowed=NETWORK_WORDS,
        ),
        _c("ip", "string", description="IP address (or its hash) of the claimed sale's session"),
        _c("contact", "string", description="contact key of the buyer (e.g. an e-mail hash)"),
    ),
    key=("claim_id",),
)

SUBSCRIPTIONS = Table(
    name="subscriptions",
    kind="subscriptions",
    description="Subscriptions: one row per subscription, end null while active.",
    columns=(
        _c("subscription_id", "string", True),
        _c("customer_id", "string", True),
        _c("plan", "string"),
        _c("start", "date", True),
        _c("end", "date", description="last paid day; null while active"),
        _c("price", "float64", True, "price per billing period", money=True, nonnegative=True),
        _c("cogs", "float64", description="cost of goods per billing period", money=True),
        _c("currency", "string", True),
        _c("platform", "string"),
        _c("campaign", "string"),
        _c("partner_id", "string"),
    ),
    key=("subscription_id",),
)

FX_RATES = Table(
    name="fx_rates",
    kind="fx-rates",
    description="Exchange rates into the store's base currency: base amount = amount x rate.",
    columns=(
        _c("date", "date", True),
        _c("currency", "string", True, "the foreign currency"),
        _c("rate", "float64", True, "units of base currency for one unit of `currency`"),
        _c("base_currency", "string", True),
    ),
    key=("date", "currency", "base_currency"),
)

SESSIONS = Table(
    name="sessions",
    kind="sessions",
    description="Web-analytics visits (sessions) with their attribution and the goals reached.",
    columns=(
        _c("session_id", "string", True, "visit id (GA4 user.session, Metrica visitID)"),
        _c("client_id", "string", description="visitor (cookie) id"),
        _c("time", "timestamp", True, "when the visit started"),
        _c("sessions", "int64", description="visits of the row: 1, or N when aggregated",
           nonnegative=True),
        _c("new_sessions", "int64", description="first visits of their visitor", nonnegative=True),
        _c("bounces", "int64", description="bounced visits (GA4: not engaged)", nonnegative=True),
        _c("page_views", "int64", nonnegative=True),
        _c("duration", "float64", description="seconds on the site", nonnegative=True),
        _c("users", "int64", description="visitors of an aggregated row (no client_id)",
           nonnegative=True),
        _c("goals", "string", description="goals reached, comma-separated (name=N: N visits)"),
        *_ATTRIBUTION,
        _c("country", "string"),
        _c("device", "string"),
    ),
    key=("session_id",),
    dimensions=("platform", "campaign", "ad_group", "keyword", "partner_id", "country", "device"),
)  # fmt: skip

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        AD_STATS,
        ORDERS,
        LEADS,
        ORDER_ITEMS,
        CUSTOMERS,
        COSTS,
        PARTNER_CLAIMS,
        SUBSCRIPTIONS,
        FX_RATES,
        SESSIONS,
        AD_EXTRAS,
    )
}

KINDS: dict[str, Table] = {t.kind: t for t in TABLES.values()}


def table_for_kind(kind: str) -> Table:
    """Return the canonical table imported by a CLI ``KIND`` (``ads``, ``order-items`` ...).

    Raises
    ------
    payback.errors.PaybackError
        When the kind is unknown; the message lists the known kinds.
    """
    from payback.errors import PaybackError

    try:
        return KINDS[kind]
    except KeyError:
        raise PaybackError(
            f"unknown import kind {kind!r}: expected one of {', '.join(KINDS)}"
        ) from None
