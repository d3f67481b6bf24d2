"""What each role is shown of a lead, by explicit allow-list: the lead's fields, the kinds of timeline event, and
whether the conversation between borrower and loan officer is shown at all.

Every list names what is allowed; anything not named (a field or an event kind added later) stays hidden from
a role until someone adds it here on purpose. `tests/web/test_role_allow_lists.py` checks every role against
every page and every event kind.

Referral partners follow a referral's progress only: no finances, credit, notes, calls or messages. Under the
Gramm-Leach-Bliley Act's privacy rule (16 CFR 313 / 12 CFR 1016) a borrower's nonpublic personal information
is not shared with a non-affiliated third party such as a real estate agent without an exception or consent.
"""

ADMIN, MANAGER, LOAN_OFFICER, PROCESSOR, PARTNER = "admin", "manager", "loan_officer", "processor", "partner"
ROLES = (ADMIN, MANAGER, LOAN_OFFICER, PROCESSOR, PARTNER)

# Timeline event kinds (leads.TimelineEvent.Kind values), named here as plain strings.
EVERY_EVENT_KIND = frozenset(
    {
        "created", "merged", "reopened", "field_changed", "consent_recorded", "consent_revoked",
        "stage_changed", "assigned", "scored", "message", "note", "call", "sla", "cadence", "task",
    }
)  # fmt: skip

TIMELINE_KINDS: dict[str, frozenset[str]] = {
    ADMIN: EVERY_EVENT_KIND,
    MANAGER: EVERY_EVENT_KIND,
    LOAN_OFFICER: EVERY_EVENT_KIND,
    # A processor works the file: its changes, notes, tasks, calls and messages; not how the lead was scored,
    # chased for a first response or put into a follow-up cadence.
    PROCESSOR: frozenset(
        {
            "created",
            "merged",
            "reopened",
            "field_changed",
            "consent_recorded",
            "consent_revoked",
            "stage_changed",
            "assigned",
            "message",
            "note",
            "call",
            "task",
        }
    ),  # fmt: skip
    # A partner sees the referral arrive, move along the pipeline and who is looking after it.
    PARTNER: frozenset({"created", "stage_changed", "assigned"}),
}

# Lead fields a partner's page shows (the full page is for the organisation's own staff).
PARTNER_FIELDS = (
    "first_name",
    "last_name",
    "pipeline",
    "stage",
    "owner",
    "created_at",
    "updated_at",
    "closed_at",
)

# What of a lead the workspace pages (lead page, list, board, My day) show each role, by named group of facts.
# A partner has a page of its own (PARTNER_FIELDS); "owner" is all of these groups they are shown elsewhere.
LEAD_FACTS = frozenset(
    {
        "contact", "consent", "scenario", "finances", "owner", "tasks", "inquiries", "documents",
        "score", "source", "routing", "response_clock",
    }
)  # fmt: skip
# A processor works the loan file: the borrower, consent, scenario, finances, tasks and documents, and who owns
# the lead. How the lead was bought (source, campaign, cost), scored and routed, and the first-response clock,
# are the sales side's and are not shown.
PROCESSOR_FACTS = frozenset(
    {"contact", "consent", "scenario", "finances", "owner", "tasks", "inquiries", "documents"}
)
FACTS: dict[str, frozenset[str]] = {
    ADMIN: LEAD_FACTS,
    MANAGER: LEAD_FACTS,
    LOAN_OFFICER: LEAD_FACTS,
    PROCESSOR: PROCESSOR_FACTS,
    PARTNER: frozenset({"owner"}),
}

# Who may read messages between the borrower and the loan officer (My day replies, the Outbox, the timeline).
SEES_CONVERSATIONS = frozenset({ADMIN, MANAGER, LOAN_OFFICER, PROCESSOR})


def role_of(user) -> str:
    return getattr(user, "role", "") or ""


def timeline_kinds_for(user) -> frozenset[str]:
    if getattr(user, "is_superuser", False) and not role_of(user):
        return EVERY_EVENT_KIND
    return TIMELINE_KINDS.get(role_of(user), frozenset())


def sees_conversations(user) -> bool:
    return role_of(user) in SEES_CONVERSATIONS or (getattr(user, "is_superuser", False) and not role_of(user))


def shows(user, fact: str) -> bool:
    """Whether the workspace shows `user` this group of a lead's facts (see FACTS)."""
    if getattr(user, "is_superuser", False) and not role_of(user):
        return True
    return fact in FACTS.get(role_of(user), frozenset())
