"""Applies routing decisions to leads. Scoring, assignment and the first touch hook in at capture."""


def on_lead_captured(lead, outcome: str) -> None:
    """Called inside the capture transaction for every created or merged lead."""
    return None
