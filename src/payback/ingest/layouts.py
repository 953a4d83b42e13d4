"""The ad platforms' export layouts: which header feeds which canonical column.

Each :class:`Layout` describes one export as the platform writes it: the header names
that identify it, which header feeds which canonical column, the tokens that mean
"empty", the unit of money, and the rows around the data that are not data (title rows,
"Total:" rows, report footers). :data:`LAYOUTS` lists them in the order ``--platform
auto`` tries them (:func:`payback.ingest.platforms.detect_layout`); a generic file names
its columns canonically or by one of :data:`GENERIC_ALIASES`.

Examples
--------
>>> key("Ad group"), norm(" Impr. ")
('ad_group', 'impr.')
>>> GOOGLE.matches(["Day", "Campaign", "Ad group", "Keyword", "Impr.", "Clicks", "Cost"])
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from payback.ingest.readers import strip_quotes


def norm(header: str) -> str:
    """A header compared case- and blank-insensitively: ``' Impr. '`` -> ``'impr.'``."""
    return " ".join(header.lower().split())


def key(header: str) -> str:
    """A header as an identifier: ``'Ad group'`` -> ``'ad_group'``, ``'Impr.'`` -> ``'impr'``."""
    return re.sub(r"[^0-9a-z]+", "_", header.lower()).strip("_")


@dataclass(frozen=True)
class Layout:
    """One export layout.

    Attributes
    ----------
    name : str
        ``google``, ``meta``, ``microsoft``, ``yandex`` or ``generic``.
    label : str
        What a user calls the file ("Google Ads UI report").
    platform : str or None
        The canonical platform every row belongs to.
    columns : mapping
        Canonical column -> header names (normalised with :func:`norm`), first found wins.
    signature : tuple of str
        Regular expressions that must each match one header of the header line.
    null_tokens : tuple of str
        Cell values meaning "no value" (Google and Yandex write ``--``).
    money_units : float
        Money cells are divided by this (Yandex reports micro-units: 1,000,000).
    date_format : str or None
        The format used when the dates alone are ambiguous (Microsoft: month first).
    footer : tuple of str
        Regular expressions of short trailing lines to drop (``Total rows: 31``).
    total_rows : bool
        Drop trailing rows whose first cell starts with "Total" (Google's totals).
    summary_row : bool
        A first data row with every dimension empty is the export's summary row.
    currency_header : str or None
        A regular expression for the cost header whose group 1 is the currency.
    period : tuple of str or None
        Headers of the reporting period start/end, used as the date when there is no
        day column and the period is one day.
    headers, needs : tuple of str
        The documented header of the export, and the part of it that identifies it.
    epoch_columns : tuple of str
        Canonical time columns whose cells are Unix seconds (Everflow's timestamps).
    """

    name: str
    label: str
    platform: str | None
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    signature: tuple[str, ...] = ()
    null_tokens: tuple[str, ...] = ()
    money_units: float = 1.0
    date_format: str | None = None
    footer: tuple[str, ...] = ()
    total_rows: bool = False
    summary_row: bool = False
    currency_header: str | None = None
    period: tuple[str, str] | None = None
    headers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    epoch_columns: tuple[str, ...] = ()

    def matches(self, headers: Sequence[str]) -> bool:
        """Whether a header line carries this layout's signature."""
        normed = [norm(h) for h in headers]
        return bool(self.signature) and all(
            any(re.fullmatch(sig, h) for h in normed) for sig in self.signature
        )

    def is_footer(self, text: str) -> bool:
        """Whether a short trailing line is this layout's footer (or blank)."""
        line = strip_quotes(text)
        return not line or any(re.fullmatch(p, line, re.IGNORECASE) for p in self.footer)


GOOGLE = Layout(
    name="google",
    label="Google Ads UI report",
    platform="google",
    columns={
        "date": ("day", "date"),
        "account": ("account", "account name"),
        "campaign": ("campaign",),
        "ad_group": ("ad group",),
        "keyword": ("keyword", "search keyword"),
        "match_type": ("match type", "search keyword match type"),
        "device": ("device",),
        "currency": ("currency code", "currency"),
        "impressions": ("impr.", "impressions"),
        "clicks": ("clicks",),
        "cost": ("cost",),
        "conversions": ("conversions", "all conv."),
        "conversion_value": ("conv. value", "conversion value", "all conv. value"),
    },
    signature=("campaign", r"impr\.", "clicks", "cost"),
    headers=(
        "Day",
        "Campaign",
        "Ad group",
        "Keyword",
        "Match type",
        "Currency code",
        "Impr.",
        "Clicks",
        "Cost",
        "Conversions",
        "Conv. value",
    ),
    needs=("Campaign", "Impr.", "Clicks", "Cost"),
    null_tokens=("--", " --"),
    total_rows=True,
)

META = Layout(
    name="meta",
    label="Meta Ads Manager export",
    platform="meta",
    columns={
        "date": ("day",),
        "account": ("account name",),
        "campaign": ("campaign name",),
        "ad_group": ("ad set name",),
        "keyword": ("ad name",),
        "device": ("impression device", "device platform"),
        "country": ("country",),
        "impressions": ("impressions",),
        "clicks": ("link clicks", "clicks (all)"),
        # "Results" is Ads Manager's headline column (its kind in "Result indicator")
        "conversions": ("results", "purchases", "website purchases"),
        "conversion_value": ("purchases conversion value", "website purchases conversion value"),
    },
    signature=("campaign name", "impressions", r"amount spent \([a-z]{3}\)"),
    headers=(
        "Reporting starts",
        "Reporting ends",
        "Day",
        "Campaign name",
        "Ad set name",
        "Ad name",
        "Impressions",
        "Link clicks",
        "Amount spent (USD)",
        "Purchases",
        "Purchases conversion value",
    ),
    needs=("Campaign name", "Impressions", "Amount spent (CODE)"),
    currency_header=r"amount spent \(([a-z]{3})\)",
    period=("reporting starts", "reporting ends"),
    summary_row=True,
)

MICROSOFT = Layout(
    name="microsoft",
    label="Microsoft Advertising report",
    platform="microsoft",
    columns={
        "date": ("timeperiod",),
        "account": ("accountname",),
        "campaign": ("campaignname",),
        "ad_group": ("adgroupname",),
        "keyword": ("keyword",),
        "match_type": ("bidmatchtype", "deliveredmatchtype"),
        "device": ("devicetype",),
        "currency": ("currencycode",),
        "impressions": ("impressions",),
        "clicks": ("clicks",),
        "cost": ("spend",),
        "conversions": ("conversions",),
        "conversion_value": ("revenue",),
    },
    signature=("timeperiod", "campaignname", "impressions", "clicks", "spend"),
    headers=(
        "TimePeriod",
        "CampaignName",
        "AdGroupName",
        "Keyword",
        "CurrencyCode",
        "Impressions",
        "Clicks",
        "Spend",
        "Conversions",
        "Revenue",
    ),
    needs=("TimePeriod", "CampaignName", "Impressions", "Clicks", "Spend"),
    date_format="%m/%d/%Y",
    footer=(r"©.*microsoft corporation.*", r".*all rights reserved\.?"),
)

YANDEX = Layout(
    name="yandex",
    label="Yandex Direct Reports API TSV",
    platform="yandex",
    columns={
        "date": ("date",),
        "campaign": ("campaignname",),
        "ad_group": ("adgroupname",),
        "keyword": ("criterion", "criteria"),
        "match_type": ("matchtype",),
        "device": ("device",),
        "impressions": ("impressions",),
        "clicks": ("clicks",),
        "cost": ("cost",),
        "conversions": ("conversions", "конверсии"),
        "conversion_value": ("revenue", "доход"),
    },
    signature=("date", "campaignname", "impressions", "clicks", "cost"),
    headers=(
        "Date",
        "CampaignName",
        "AdGroupName",
        "Criterion",
        "Impressions",
        "Clicks",
        "Cost",
        "Conversions",
        "Revenue",
    ),
    needs=("Date", "CampaignName", "Impressions", "Clicks", "Cost"),
    null_tokens=("--",),
    money_units=1_000_000.0,
    footer=(r"total rows: *\d+",),
)

#: Canonical column -> aliases (as :func:`key` spells them) a generic file may use.
GENERIC_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "ad_stats": {
        "date": ("day", "date_day", "timeperiod", "report_date"),
        "account": ("account_name",),
        "campaign": ("campaign_name", "campaignname"),
        "ad_group": ("ad_group_name", "adgroup", "adgroupname", "ad_set_name", "adset_name"),
        "keyword": ("criterion", "search_keyword", "keyword_text"),
        "impressions": ("impr", "impression"),
        "cost": ("spend", "spent", "amount_spent"),
        # platform-reported results: KAG's Meta export, Meta's "Results", Google's "All conv."
        "conversions": ("results", "total_conversion", "all_conv", "purchases"),
        "conversion_value": (
            "conversions_value",
            "conv_value",
            "purchases_conversion_value",
            "all_conv_value",
        ),
        "currency": ("currency_code", "currencycode"),
    },
    "orders": {
        "order_id": ("order", "order_number", "order_no"),
        "customer_id": ("customer", "client_id"),
        "time": ("order_time", "order_date", "created_at", "date"),
        "revenue": ("order_total", "total", "amount"),
        "status": ("order_status",),
        "partner_id": ("partner", "affiliate", "affiliate_id"),
        "landing_url": ("landing_page", "landing_page_url", "landing"),
    },
    "leads": {
        "time": ("created_at", "date"),
        "kind": ("lead_type", "type"),
        "status": ("lead_status",),
        "contact": ("contact_key", "phone", "email", "e_mail"),
        "partner_id": ("partner", "affiliate", "affiliate_id"),
        "landing_url": ("landing_page", "landing_page_url", "landing"),
    },
    "order_items": {"line": ("line_number", "line_no"), "price": ("unit_price",)},
    "costs": {"amount": ("cost",)},
    "partner_claims": {
        "claim_id": ("claim", "conversion_id", "action_id", "transaction_id"),
        "partner_id": ("partner", "affiliate", "affiliate_id", "publisher_id"),
        "order_id": ("order", "order_ref", "order_reference", "oid"),
        "time": ("claim_time", "date", "created_at", "event_date", "conversion_date"),
        "click_time": ("click_date", "clicked_at", "referring_date"),
        "revenue": ("sale_amount", "amount", "order_total"),
        "commission": ("payout", "commission_amount"),
        "customer_status": ("customer_type",),
    },
}

#: Required columns the importer can make when a file lacks them (line numbers of an order).
GENERATED: dict[str, tuple[str, ...]] = {"order_items": ("line",)}

GENERIC = Layout(name="generic", label="generic file", platform=None)

#: Layouts tried by ``--platform auto``, in order.
LAYOUTS: dict[str, Layout] = {
    layout.name: layout for layout in (GOOGLE, META, MICROSOFT, YANDEX, GENERIC)
}
