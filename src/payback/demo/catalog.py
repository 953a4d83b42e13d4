"""The demo shop's fixed plan: customer tiers, campaigns, partners, products, attributes.

Everything random in the demo is drawn by :mod:`payback.demo.generator` from the
distributions declared here, so the plan reads as the shop's "ground truth":
which campaign brings which kind of customer at what click price, which products
sell together, which customers are worth most.

Customer tiers follow the buy-till-you-die notation (Fader, Hardie & Lee 2005; Fader &
Hardie 2013), with time in **days** and money in the shop currency:

- purchase rate while alive ``lambda ~ Gamma(r, alpha)`` (mean ``r / alpha`` per day),
- dropout after each repeat purchase ``p ~ Beta(a, b)`` (mean ``a / (a + b)``),
- spend per order ``z ~ Gamma(p_shape, nu)`` with ``nu ~ Gamma(q, gamma)``
  (mean spend ``p_shape * gamma / (q - 1)``),
- monthly subscription churn ``theta ~ Beta(sbg_alpha, sbg_beta)`` (shifted-beta-geometric).

Examples
--------
>>> TIERS["premium"].mean_spend > TIERS["bargain"].mean_spend
True
>>> [c.name for c in CAMPAIGNS if c.verdict]
['Teaware - Exact', 'Gift Sets - Interests', 'Giveaway - Broad']
>>> round(sum(c.share for c in CAMPAIGNS) + sum(p.share for p in PARTNERS)
...       + ORGANIC_SHARE + DIRECT_SHARE, 6)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tier:
    """Customer quality of an acquisition source (BG/NBD + Gamma-Gamma + sBG parameters)."""

    name: str
    r: float
    alpha: float
    a: float
    b: float
    p_shape: float
    q: float
    gamma: float
    cancel_rate: float
    return_rate: float
    subscribe_rate: float
    sbg_alpha: float
    sbg_beta: float
    #: probability of each category (CATEGORIES order) for the first line of an order
    category_weights: tuple[float, ...]
    #: probability of each age band (AGE_BANDS order)
    age_weights: tuple[float, ...]
    female_share: float

    @property
    def mean_rate(self) -> float:
        """Mean purchase rate while alive, per day: ``r / alpha``."""
        return self.r / self.alpha

    @property
    def mean_dropout(self) -> float:
        """Mean dropout probability after a repeat purchase: ``a / (a + b)``."""
        return self.a / (self.a + self.b)

    @property
    def mean_spend(self) -> float:
        """Mean spend per order: ``p * gamma / (q - 1)``."""
        return self.p_shape * self.gamma / (self.q - 1)


@dataclass(frozen=True)
class AdGroup:
    """An ad group (search) or ad set (Meta) and its keywords (search) or ads (Meta)."""

    name: str
    keywords: tuple[str | None, ...]
    #: product category its landing page sells (None: the tier's usual mix)
    category: str | None = None


@dataclass(frozen=True)
class Campaign:
    """A campaign of the plan: its audience's tier, share of customers and click economics.

    ``cr`` is new customers per click; so the designed CAC is about ``cpc / cr``.
    """

    platform: str
    name: str
    tier: str
    share: float
    cpc: float
    ctr: float
    cr: float
    ad_groups: tuple[AdGroup, ...]
    match_type: str | None = None
    start_month: int = 0
    lead_rate: float = 0.004
    spam_boost: float = 1.0
    verdict: str | None = None

    @property
    def designed_cac(self) -> float:
        return self.cpc / self.cr


@dataclass(frozen=True)
class Partner:
    """A referral partner (affiliate)."""

    partner_id: str
    name: str
    tier: str
    share: float
    commission_rate: float = 0.0
    fixed_fee: float = 0.0
    #: share of the referred customers' repeat orders that come through the partner again
    repeat_via_partner: float = 0.1


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    category: str
    price: float
    #: the product most often bought with this one
    companion: str


CATEGORIES: tuple[str, ...] = (
    "Tableware",
    "Teapots",
    "Tea",
    "Kitchen textiles",
    "Gift sets",
    "Candles",
)
#: cost of goods as a share of the list price, by category (margin = 1 - share)
COGS_SHARE: dict[str, float] = {
    "Tableware": 0.40,
    "Teapots": 0.46,
    "Tea": 0.52,
    "Kitchen textiles": 0.36,
    "Gift sets": 0.26,
    "Candles": 0.30,
}

PRODUCTS: tuple[Product, ...] = (
    Product("P101", "Porcelain teacup", "Tableware", 12.0, "P401"),
    Product("P102", "Teacup and saucer set", "Tableware", 28.0, "P402"),
    Product("P103", "Bone china mug", "Tableware", 16.0, "P304"),
    Product("P104", "Dessert plate set", "Tableware", 34.0, "P402"),
    Product("P201", "Glass teapot", "Teapots", 32.0, "P301"),
    Product("P202", "Cast iron teapot", "Teapots", 58.0, "P302"),
    Product("P203", "Teapot with infuser", "Teapots", 39.0, "P303"),
    Product("P204", "Tea kettle", "Teapots", 64.0, "P304"),
    Product("P301", "Earl Grey 100g", "Tea", 9.0, "P101"),
    Product("P302", "Sencha green tea 100g", "Tea", 11.0, "P203"),
    Product("P303", "Chamomile 50g", "Tea", 7.0, "P601"),
    Product("P304", "Masala chai 100g", "Tea", 10.0, "P103"),
    Product("P401", "Linen kitchen towels x2", "Kitchen textiles", 18.0, "P101"),
    Product("P402", "Cotton tea towels x3", "Kitchen textiles", 14.0, "P102"),
    Product("P403", "Linen apron", "Kitchen textiles", 29.0, "P404"),
    Product("P404", "Oven mitts", "Kitchen textiles", 15.0, "P403"),
    Product("P501", "Tea lover gift box", "Gift sets", 49.0, "P603"),
    Product("P502", "Teacup gift set", "Gift sets", 65.0, "P401"),
    Product("P503", "Tasting set 12 teas", "Gift sets", 38.0, "P201"),
    Product("P601", "Soy candle vanilla", "Candles", 19.0, "P602"),
    Product("P602", "Soy candle bergamot", "Candles", 19.0, "P601"),
    Product("P603", "Candle gift trio", "Candles", 42.0, "P501"),
)

AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
#: value multiplier of each age band (frequency ** 0.7 and spend ** 0.5 of it)
AGE_VALUE: tuple[float, ...] = (0.65, 0.9, 1.2, 1.3, 1.05, 0.85)
GENDERS: tuple[str, ...] = ("female", "male", "unknown")
GENDER_VALUE: tuple[float, ...] = (1.12, 0.88, 1.0)
UNKNOWN_GENDER_SHARE = 0.03

#: country, share, value multiplier, languages with shares, cities
COUNTRIES: tuple[tuple[str, float, float, tuple[tuple[str, float], ...], tuple[str, ...]], ...] = (
    (
        "US",
        0.42,
        1.05,
        (("en", 0.9), ("es", 0.1)),
        ("New York", "Los Angeles", "Chicago", "Seattle"),
    ),
    ("GB", 0.16, 1.2, (("en", 1.0),), ("London", "Manchester", "Edinburgh")),
    ("CA", 0.09, 1.0, (("en", 0.78), ("fr", 0.22)), ("Toronto", "Montreal", "Vancouver")),
    ("DE", 0.11, 1.0, (("de", 0.92), ("en", 0.08)), ("Berlin", "Munich", "Hamburg")),
    ("FR", 0.08, 0.85, (("fr", 1.0),), ("Paris", "Lyon")),
    ("AU", 0.07, 1.1, (("en", 1.0),), ("Sydney", "Melbourne")),
    ("NL", 0.07, 0.95, (("nl", 0.7), ("en", 0.3)), ("Amsterdam", "Utrecht")),
)

# fmt: off
TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        #     name      r     alpha  a    b    p    q    gamma cancel return subscribe sBG a, b
        Tier("premium",  1.1,  60.0, 0.5, 4.5, 6.0, 4.0, 50.0, 0.03, 0.03, 0.15, 0.8, 4.0,
             (0.32, 0.3, 0.14, 0.14, 0.05, 0.05), (0.04, 0.16, 0.3, 0.3, 0.15, 0.05), 0.72),
        Tier("loyal",    0.9,  70.0, 0.7, 3.3, 6.0, 4.0, 36.0, 0.04, 0.03, 0.10, 1.0, 3.0,
             (0.25, 0.2, 0.25, 0.15, 0.05, 0.1), (0.06, 0.22, 0.28, 0.24, 0.14, 0.06), 0.65),
        Tier("standard", 0.75, 90.0, 0.8, 2.4, 6.0, 4.0, 30.0, 0.05, 0.04, 0.07, 1.2, 2.8,
             (0.2, 0.15, 0.2, 0.25, 0.1, 0.1), (0.1, 0.28, 0.26, 0.2, 0.11, 0.05), 0.6),
        Tier("gift",     0.25, 200.0, 2.0, 1.0, 8.0, 5.0, 68.0, 0.03, 0.04, 0.03, 1.5, 2.5,
             (0.05, 0.05, 0.05, 0.05, 0.7, 0.1), (0.05, 0.15, 0.3, 0.3, 0.15, 0.05), 0.55),
        Tier("bargain",  0.35, 140.0, 1.4, 1.2, 4.0, 4.0, 16.0, 0.12, 0.10, 0.02, 2.0, 2.0,
             (0.2, 0.05, 0.3, 0.25, 0.05, 0.15), (0.3, 0.35, 0.17, 0.1, 0.05, 0.03), 0.5),
    )
}
# fmt: on

_TEACUPS = AdGroup(
    "Teacups", ("porcelain teacups", "teacup and saucer set", "bone china teacups"), "Tableware"
)
_TEAPOTS = AdGroup(
    "Teapots", ("glass teapot", "cast iron teapot", "teapot with infuser"), "Teapots"
)
_TOWELS = AdGroup(
    "Towels", ("kitchen towels", "linen tea towels", "cotton tea towels"), "Kitchen textiles"
)

CAMPAIGNS: tuple[Campaign, ...] = (
    # Google Ads: search campaigns with keywords, one Shopping campaign without keywords
    Campaign("google", "Brand - Exact", "loyal", 0.035, 0.35, 0.12, 0.08,
             (AdGroup("Brand", ("payback tea", "payback teacups", "payback tea shop")),),
             "Exact match", lead_rate=0.006),
    Campaign("google", "Teaware - Exact", "premium", 0.08, 0.70, 0.065, 0.05,
             (_TEACUPS, _TEAPOTS), "Exact match", verdict="scale"),
    Campaign("google", "Kitchen Textiles - Phrase", "standard", 0.05, 0.85, 0.05, 0.025,
             (_TOWELS, AdGroup("Aprons", ("linen apron", "kitchen apron"), "Kitchen textiles")),
             "Phrase match"),
    Campaign("google", "Generic - Broad", "standard", 0.03, 1.30, 0.035, 0.018,
             (AdGroup("Gifts", ("gift for tea lover", "kitchen gifts"), "Gift sets"),
              AdGroup("Home", ("home decor ideas", "scented candles"), "Candles")),
             "Broad match"),
    Campaign("google", "Shopping - All products", "loyal", 0.04, 0.55, 0.011, 0.03,
             (AdGroup("All products", (None,)),)),
    # Meta: ad sets and ads
    Campaign("meta", "Prospecting - Lookalike", "standard", 0.045, 0.75, 0.009, 0.018,
             (AdGroup("LAL 1% buyers", ("Video - teacups", "Carousel - towels")),
              AdGroup("LAL 3% buyers", ("Video - teacups", "Carousel - towels")))),
    Campaign("meta", "Retargeting - Cart", "loyal", 0.03, 0.60, 0.016, 0.04,
             (AdGroup("Cart abandoners 7d", ("DPA - catalog",)),
              AdGroup("Viewers 30d", ("DPA - catalog", "Reviews - static")))),
    Campaign("meta", "Gift Sets - Interests", "gift", 0.04, 0.90, 0.011, 0.0127,
             (AdGroup("Tea lovers 35-54", ("Gift box video", "Gift box static"), "Gift sets"),
              AdGroup("Home decor fans", ("Gift box video",), "Gift sets")),
             verdict="hold"),
    Campaign("meta", "Giveaway - Broad", "bargain", 0.025, 0.45, 0.014, 0.004,
             (AdGroup("Broad 18-65", ("Win a tea set", "Free sample")),
              AdGroup("Contest entrants", ("Win a tea set",))),
             lead_rate=0.01, spam_boost=3.0, verdict="cut"),
    # Microsoft Advertising
    Campaign("microsoft", "Brand - Exact", "loyal", 0.01, 0.30, 0.10, 0.07,
             (AdGroup("Brand", ("payback tea", "payback tea shop")),), "Exact"),
    Campaign("microsoft", "Teaware - Phrase", "standard", 0.02, 0.55, 0.045, 0.03,
             (AdGroup("Teacups", ("porcelain teacups", "teacup set"), "Tableware"),
              AdGroup("Teapots", ("glass teapot", "teapot with infuser"), "Teapots")), "Phrase"),
    Campaign("microsoft", "Kitchen Textiles - Broad", "standard", 0.012, 0.50, 0.035, 0.022,
             (AdGroup("Towels", ("kitchen towels", "tea towels"), "Kitchen textiles"),),
             "Broad", start_month=6),
    # Yandex Direct
    Campaign("yandex", "Brand - Search", "loyal", 0.008, 0.20, 0.11, 0.07,
             (AdGroup("Brand", ("payback tea",)),)),
    Campaign("yandex", "Teaware - Search", "standard", 0.025, 0.40, 0.05, 0.025,
             (AdGroup("Teacups", ("porcelain teacups", "teacup set"), "Tableware"),
              AdGroup("Teapots", ("glass teapot", "cast iron teapot"), "Teapots"))),
    Campaign("yandex", "Kitchen - Search", "standard", 0.015, 0.35, 0.045, 0.02,
             (AdGroup("Towels", ("kitchen towels", "linen towels"), "Kitchen textiles"),)),
    Campaign("yandex", "Retargeting - Network", "loyal", 0.012, 0.25, 0.006, 0.03,
             (AdGroup("Visitors 30d", ("Retargeting: visitors 30d",)),)),
)  # fmt: skip

PARTNERS: tuple[Partner, ...] = (
    Partner("P01", "tea_blog", "premium", 0.05, commission_rate=0.12),
    Partner("P02", "cashback_plus", "bargain", 0.06, commission_rate=0.07, repeat_via_partner=0.5),
    Partner("P03", "coupon_hub", "standard", 0.04, commission_rate=0.08, repeat_via_partner=0.3),
    Partner("P04", "home_magazine", "loyal", 0.03, fixed_fee=8.0),
)

ORGANIC_SHARE = 0.20
ORGANIC_TIER = "standard"
DIRECT_SHARE = 1.0 - sum(c.share for c in CAMPAIGNS) - sum(p.share for p in PARTNERS) - 0.20
DIRECT_TIER = "loyal"

#: how platforms count conversions against the shop's own orders (view-through, modelled
#: and cross-device conversions inflate; a lost click id deflates)
PLATFORM_CONVERSION_FACTOR: dict[str, float] = {
    "google": 1.12,
    "meta": 1.35,
    "microsoft": 0.9,
    "yandex": 1.05,
}

#: utm_source / utm_medium written by each platform's tracking template, and its click id
UTM_SOURCE: dict[str, tuple[str, ...]] = {
    "google": ("google",),
    "meta": ("facebook", "instagram"),
    "microsoft": ("bing",),
    "yandex": ("yandex",),
}
UTM_MEDIUM: dict[str, str] = {
    "google": "cpc",
    "meta": "paid_social",
    "microsoft": "cpc",
    "yandex": "cpc",
}
CLICK_ID: dict[str, str] = {"google": "gclid", "meta": "fbclid", "yandex": "yclid"}

SUBSCRIPTION_PLAN = "tea_club_monthly"
SUBSCRIPTION_PRICE = 19.0
SUBSCRIPTION_COGS = 7.0

#: non-advertising costs: (category, kind, amount). kind "fixed": amount per customer of the
#: whole shop spread over the months; "per_order": per shipped order; "per_item": per order
#: line; "revenue_share": share of shipped revenue; "per_lead": per lead handled
COST_LINES: tuple[tuple[str, str, float], ...] = (
    ("rent", "fixed", 2.2),
    ("salaries", "fixed", 5.0),
    ("software", "fixed", 0.8),
    ("delivery", "per_order", 2.0),
    ("payment fees", "revenue_share", 0.015),
    ("packaging", "per_item", 0.45),
    ("customer service", "per_lead", 1.2),
)
