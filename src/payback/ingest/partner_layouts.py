"""Partner network export layouts for ``partner-claims`` imports, recognised by header.

Like the ad platforms' (:mod:`payback.ingest.platforms`), each :class:`Layout` names the
headers that identify a network's file and which header feeds which column of
``partner_claims``. ``--platform auto`` tries them in the order of
:data:`PARTNER_LAYOUTS`; a file that matches none is read as ``generic`` (the canonical
names or their aliases: ``claim_id``, ``partner_id``, ``order_id``, ``time``,
``click_time``, ``revenue``, ``commission``, ``currency``, ``customer_status``,
``network_status``, ``ip``, ``contact``).

The headers are the networks' documented field names (impact.com's Action resource,
Awin's transactions report, Tapfiliate's conversion CSV, Everflow's conversion record);
a file lacking the currency takes ``--currency`` (or the store's base currency in
``payback partners reconcile --claims``).

Optional columns when the network's file has them: ``network_status``, the network's own
state of the claim (impact.com ``State``/``Status``, Awin ``commission_status``, Everflow
``status``, Tapfiliate ``commission_status``; compared by
:mod:`payback.partners.network_state`), and ``ip``, the session's IP address (impact.com
``IpAddress``, hashed by impact.com; Everflow ``session_user_ip``, else
``conversion_user_ip``; Tapfiliate ``ip``) for ``payback partners signals``' bursts. None
of these networks' files carries the buyer's e-mail: ``contact`` comes from a generic file.

Examples
--------
>>> from payback.ingest.platforms import detect_layout
>>> detect_layout(["Id,MediaPartnerId,Oid,EventDate,Amount,Payout,Currency"],
...               kind="partner-claims").layout.name
'impact'
>>> detect_layout(["id,publisher_id,sale_amount,commission,date,commission_status"],
...               kind="partner-claims").layout.name
'awin'
>>> detect_layout(["claim_id,partner_id,order_id,time,revenue"],
...               kind="partner-claims").layout.name
'generic'
"""

from __future__ import annotations

from payback.ingest.platforms import Layout

__all__ = ["AWIN", "EVERFLOW", "IMPACT", "PARTNER_LAYOUTS", "TAPFILIATE"]

IMPACT = Layout(
    name="impact",
    label="impact.com actions export",
    platform=None,
    columns={
        "claim_id": ("id", "action id", "actionid"),
        "partner_id": ("mediapartnerid", "media partner id", "partner id"),
        "order_id": ("oid", "order id"),
        "time": ("eventdate", "event date", "action date"),
        "click_time": ("referringdate", "referring date"),
        "revenue": ("amount", "sale amount", "intendedamount"),
        "commission": ("payout", "intendedpayout"),
        "currency": ("currency",),
        "customer_status": ("customerstatus", "customer status"),
        "network_status": ("state", "status", "action status"),
        "ip": ("ipaddress", "ip address"),
    },
    signature=("mediapartnerid|media partner id", "oid", "payout"),
    headers=(
        "Id",
        "CampaignId",
        "MediaPartnerId",
        "MediaPartnerName",
        "State",
        "Oid",
        "Amount",
        "Payout",
        "Currency",
        "EventDate",
        "ReferringDate",
        "CustomerId",
        "CustomerStatus",
        "IpAddress",
    ),
    needs=("MediaPartnerId", "Oid", "Payout"),
)

AWIN = Layout(
    name="awin",
    label="Awin transactions report",
    platform=None,
    columns={
        "claim_id": ("id", "transaction id"),
        "partner_id": ("publisher_id", "publisher id"),
        "order_id": ("order_ref", "order reference", "extra"),
        "time": ("date", "transaction date"),
        "click_time": ("click_date", "click date"),
        "revenue": ("sale_amount", "sale amount"),
        "commission": ("commission",),
        "currency": ("currency",),
        "network_status": ("commission_status", "commission status", "commissionstatus"),
    },
    signature=("publisher_id|publisher id", "sale_amount|sale amount", "commission"),
    headers=(
        "id",
        "publisher_id",
        "site_name",
        "type",
        "date",
        "validation_date",
        "commission_status",
        "sale_amount",
        "commission",
        "order_ref",
        "decline_reason",
    ),
    needs=("publisher_id", "sale_amount", "commission"),
)

TAPFILIATE = Layout(
    name="tapfiliate",
    label="Tapfiliate conversions",
    platform=None,
    columns={
        "claim_id": ("id", "conversion_id", "external_id"),
        "partner_id": ("affiliate_id", "affiliate_email"),
        "order_id": ("external_id",),
        "time": ("created_at",),
        "click_time": ("click_date",),
        "revenue": ("amount",),
        "commission": ("commission_amount",),
        "currency": ("currency",),
        "network_status": ("commission_status",),
        "ip": ("ip",),
    },
    signature=("external_id", "affiliate_(email|id)", "amount", "created_at"),
    headers=(
        "external_id",
        "amount",
        "created_at",
        "affiliate_email",
        "program",
        "currency",
        "customer_id",
        "click_date",
        "commission_status",
        "commission_type",
        "commission_amount",
        "ip",
    ),
    needs=("external_id", "amount", "created_at", "affiliate_email"),
)

EVERFLOW = Layout(
    name="everflow",
    label="Everflow conversions",
    platform=None,
    columns={
        "claim_id": ("conversion_id",),
        "partner_id": ("affiliate_id", "network_affiliate_id", "affiliate"),
        "order_id": ("order_id", "transaction_id"),
        "time": ("conversion_unix_timestamp",),
        "click_time": ("click_unix_timestamp",),
        "revenue": ("sale_amount",),
        "commission": ("payout",),
        "currency": ("currency",),
        "network_status": ("status",),
        "ip": ("session_user_ip", "conversion_user_ip"),
    },
    signature=("conversion_id", "conversion_unix_timestamp", "payout"),
    headers=(
        "conversion_id",
        "conversion_unix_timestamp",
        "click_unix_timestamp",
        "affiliate_id",
        "status",
        "payout",
        "sale_amount",
        "order_id",
        "transaction_id",
        "session_user_ip",
    ),
    needs=("conversion_id", "conversion_unix_timestamp", "payout"),
    epoch_columns=("time", "click_time"),
)

#: Partner network layouts tried by ``--platform auto`` on a ``partner-claims`` file.
PARTNER_LAYOUTS: dict[str, Layout] = {
    layout.name: layout for layout in (IMPACT, AWIN, TAPFILIATE, EVERFLOW)
}
