"""The demo organisation: a small lender with people, sources and a few hundred believable leads.

Every lead enters through `capture()`, exactly as a real one would, so the demo exercises the same door as
production: normalisation, dedupe (some borrowers come back), idempotency (some vendors retry) and rejections
(some payloads are broken). Work that has no service of its own yet (moving leads along the pipeline) is
applied afterwards in bulk, with a timeline event for every step, so the screens tell a coherent story.

Everything is fake and deterministic (fixed random seed): names, 555-01xx phone numbers (reserved for
fiction by the North American Numbering Plan), example.* email domains (RFC 2606) and documentation IP
ranges (RFC 5737).

One module per part of the story:
- cast.py: the people (roles, passwords, licences, hours); sources.py: the lead sources;
- borrowers.py: who the borrowers are and what a planned delivery looks like;
- people.py, arrivals.py, capturing.py, pipeline_work.py, todays_work.py: the chapters of the seeding, in order;
- story.py: seed_demo(), which runs the chapters in one transaction.
"""

from firstcall.web.demo.cast import (
    ADMIN_PASSWORD,
    DEFAULT_LEAD_COUNT,
    DEFAULT_SEED,
    DEMO_LOGINS,
    DEMO_ORG_NAME,
    DEMO_ORG_SLUG,
    MANAGER_PASSWORD,
    OFFICER_PASSWORD,
    PARTNER_PASSWORD,
    PEOPLE,
    PROCESSOR_PASSWORD,
)
from firstcall.web.demo.story import DemoAlreadySeeded, SeedSummary, seed_demo

__all__ = [
    "ADMIN_PASSWORD",
    "DEFAULT_LEAD_COUNT",
    "DEFAULT_SEED",
    "DEMO_LOGINS",
    "DEMO_ORG_NAME",
    "DEMO_ORG_SLUG",
    "MANAGER_PASSWORD",
    "OFFICER_PASSWORD",
    "PARTNER_PASSWORD",
    "PEOPLE",
    "PROCESSOR_PASSWORD",
    "DemoAlreadySeeded",
    "SeedSummary",
    "seed_demo",
]
