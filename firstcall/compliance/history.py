"""A lead's compliance history for a dispute: every consent given or revoked (with its proof), every gate
decision (what, when, rule, version, outcome), partner-sharing authorisations and do-not-call entries, as rows
for CSV and as a PDF (reportlab)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from firstcall.compliance.models import InternalDoNotCall, PartnerSharingConsent, TouchDecision
from firstcall.leads.models import Consent, Lead

HEADER = ["when (UTC)", "record", "channel", "address", "outcome", "rules and versions", "detail"]


def _stamp(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else ""


def rows(lead: Lead) -> list[list[str]]:
    out: list[tuple[datetime, list[str]]] = []
    for consent in Consent.objects.filter(lead=lead).order_by("recorded_at", "id"):
        proof = "; ".join(
            part
            for part in (
                f"how: {consent.how}" if consent.how else "",
                f"text: {consent.disclosure_text[:300]}" if consent.disclosure_text else "",
                f"IP: {consent.ip_address}" if consent.ip_address else "",
                f"page: {consent.page_url}" if consent.page_url else "",
                f"TrustedForm: {consent.trusted_form_url}" if consent.trusted_form_url else "",
                f"Jornaya LeadiD: {consent.leadid_token}" if consent.leadid_token else "",
            )
            if part
        )
        out.append(
            (
                consent.recorded_at,
                [
                    _stamp(consent.recorded_at),
                    "consent",
                    consent.channel,
                    consent.address,
                    "given" if consent.is_granted else "revoked",
                    "",
                    proof,
                ],
            )
        )
    for decision in TouchDecision.objects.filter(lead=lead).order_by("decided_at", "id"):
        rules = "; ".join(f"{rule}@{version}" for rule, version in sorted(decision.rule_versions.items()))
        detail = " | ".join(f"{r['rule']}: {r['detail']} ({r['citation']})" for r in decision.reasons)
        what = f"{decision.kind} {decision.subject_type or 'touch'}".strip()
        outcome = decision.outcome + (f" until {_stamp(decision.until)}" if decision.until else "")
        out.append(
            (
                decision.decided_at,
                [
                    _stamp(decision.decided_at),
                    what,
                    decision.channel,
                    decision.address,
                    outcome,
                    rules,
                    detail,
                ],
            )
        )
    for sharing in PartnerSharingConsent.objects.filter(lead=lead).order_by("recorded_at", "id"):
        out.append(
            (
                sharing.recorded_at,
                [_stamp(sharing.recorded_at), "partner sharing", sharing.field, "",
                 "authorised" if sharing.is_granted else "not authorised", "", sharing.how],
            )
        )  # fmt: skip
    for entry in InternalDoNotCall.objects.filter(lead=lead).order_by("created_at", "id"):
        out.append(
            (
                entry.created_at,
                [_stamp(entry.created_at), "internal do-not-call", "call", entry.phone or "every number",
                 "lifted " + _stamp(entry.lifted_at) if entry.lifted_at else "active", "", entry.reason],
            )
        )  # fmt: skip
    out.sort(key=lambda item: item[0])
    return [row for _, row in out]


def as_csv(lead: Lead) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows(lead):
        # A cell starting with = + - @ is a formula in spreadsheets: prefix it so it stays text.
        writer.writerow(["'" + cell if cell[:1] in ("=", "+", "-", "@") else cell for cell in row])
    return buffer.getvalue()


def as_pdf(lead: Lead) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=landscape(letter), title=f"Compliance history, lead {lead.pk}"
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    story = [
        Paragraph(f"Compliance history: lead {lead.pk}", styles["Title"]),
        Paragraph(escape(f"{lead.organisation.name}. Times are UTC."), styles["BodyText"]),
        Spacer(1, 8),
    ]
    data = [[Paragraph(escape(cell), small) for cell in HEADER]]
    data += [[Paragraph(escape(cell), small) for cell in row] for row in rows(lead)]
    table = Table(data, colWidths=[70, 70, 40, 90, 70, 120, 270], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    document.build(story)
    return buffer.getvalue()
