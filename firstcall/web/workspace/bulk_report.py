"""What a bulk enrolment from the lead list says about the leads it left alone: each by name with its reason,
so a loan officer knows which borrowers still need a plan."""

NAMED_AT_MOST = 5


def enrolment_report(cadence_name: str, skipped: dict, names: dict, missing: int = 0) -> str | None:
    """`skipped` maps lead id to the enrolment service's reason; `names` maps lead id to the borrower's name;
    `missing` counts selected leads the person may not work (not named: they may not even see them)."""
    if not skipped and not missing:
        return None
    count = len(skipped) + missing
    parts = [
        f"{names.get(lead_id) or 'A lead'}: {reason.rstrip('.')}"
        for lead_id, reason in sorted(skipped.items(), key=lambda item: (names.get(item[0]) or "", item[0]))
    ]
    shown = parts[:NAMED_AT_MOST]
    if len(parts) > NAMED_AT_MOST:
        shown.append(f"{len(parts) - NAMED_AT_MOST} more")
    if missing:
        shown.append(f"{missing} you may not work")
    return f"{count} not enrolled in {cadence_name}. " + "; ".join(shown) + "."
