"""Where the demo's leads come from: one lead source per channel, with its vendor and cost."""

from dataclasses import dataclass
from decimal import Decimal

from firstcall.leads.models import Channel


@dataclass(frozen=True)
class SourcePlan:
    key: str
    channel: str
    name: str
    vendor: str
    cost_per_lead: Decimal
    weight: int


SOURCES = [
    SourcePlan("website", Channel.WEB_FORM, "Website", "", Decimal("0.00"), 20),
    SourcePlan(
        "marketplace",
        Channel.API,
        "Zillow-style API",
        "Home marketplace (Zillow-style)",
        Decimal("35.00"),
        20,
    ),
    SourcePlan("google", Channel.GOOGLE_ADS, "Google Ads lead forms", "Google Ads", Decimal("28.50"), 20),
    SourcePlan("meta", Channel.META, "Facebook & Instagram lead ads", "Meta", Decimal("18.75"), 17),
    SourcePlan(
        "exchange",
        Channel.VENDOR_POST,
        "LendingTree-style",
        "Lead exchange (LendingTree-style)",
        Decimal("42.00"),
        15,
    ),
    SourcePlan("open_house", Channel.CSV, "Open house sign-ins (CSV)", "", Decimal("0.00"), 8),
]

# ZIP -> local area codes, per state the officers are licensed in. Every ZIP exists in the zipcodes data.
# fmt: off
