"""Which documents a lead still needs for its likely program, and signed upload links for the borrower.

The list follows the Fannie Mae Selling Guide's standard documentation, which FHA, VA and USDA lenders ask for in
the same shape:
- B3-3.1-02 (Standards for Employment Documentation): a pay stub covering the most recent 30 days, with
  year-to-date earnings, and W-2s for the most recent two years.
- B3-3.2-01 (self-employed): the most recent two years' personal tax returns with all schedules.
- B3-4.2-01 (Verification of Deposits and Assets): bank statements for the most recent two months (one month for a
  refinance).
- B1-1-03: documents are at most four months old (the reader's `document_age` check).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core import signing

from firstcall.documents.models import Document

UPLOAD_LINK_SALT = "firstcall.documents.borrower-upload"
UPLOAD_LINK_DAYS = 7
COUNTED = (
    Document.Status.NEEDS_REVIEW,
    Document.Status.REVIEWED,
    Document.Status.RECEIVED,
    Document.Status.PROCESSING,
)


@dataclass
class Need:
    key: str
    label: str
    have: int
    want: int
    rule: str

    @property
    def met(self) -> bool:
        return self.have >= self.want

    @property
    def missing(self) -> int:
        return max(0, self.want - self.have)


def _fields(document: Document) -> dict:
    return {
        field.name: field.final_value if field.status != "pending" else field.value
        for field in document.fields.all()
    }


def needs_for(lead) -> list[Need]:
    documents = list(Document.objects.filter(lead=lead, status__in=COUNTED).prefetch_related("fields"))
    by_type: dict[str, list[Document]] = {}
    for document in documents:
        by_type.setdefault(document.document_type or "pending", []).append(document)
    self_employed = lead.employment_type == "self_employed"
    needs = []
    if self_employed:
        years = {_fields(d).get("f1040.tax_year") for d in by_type.get("form_1040", [])} - {None}
        needs.append(
            Need(
                "tax_returns",
                "Personal tax returns (Form 1040 with all schedules), last two years",
                len(years),
                2,
                "Fannie Mae Selling Guide B3-3.2-01",
            )
        )
    else:
        years = {_fields(d).get("w2.tax_year") for d in by_type.get("w2", [])} - {None}
        needs.append(
            Need("w2", "W-2s for the last two years", len(years), 2, "Fannie Mae Selling Guide B3-3.1-02")
        )
        days = 0
        for stub in by_type.get("paystub", []):
            values = _fields(stub)
            try:
                start = date.fromisoformat(str(values.get("paystub.period_start")))
                end = date.fromisoformat(str(values.get("paystub.period_end")))
                days += (end - start).days + 1
            except ValueError:
                days += 14
        needs.append(
            Need(
                "paystubs",
                "Pay stubs covering the most recent 30 days",
                min(days, 30),
                30,
                "Fannie Mae Selling Guide B3-3.1-02",
            )
        )
    periods = {(_fields(d).get("bank.period_end") or d.pk) for d in by_type.get("bank_statement", [])}
    months = 1 if lead.purpose in ("rate_term_refinance", "cash_out_refinance") else 2
    needs.append(
        Need(
            "bank_statements",
            f"Bank statements for the most recent {months} month(s)",
            len(periods),
            months,
            "Fannie Mae Selling Guide B3-4.2-01",
        )
    )
    needs.append(
        Need(
            "photo_id",
            "Photo ID (driver licence or passport)",
            len(by_type.get("photo_id", [])),
            1,
            "Customer identification (31 CFR 1020.220)",
        )
    )
    return needs


def missing_labels(lead) -> list[str]:
    return [need.label for need in needs_for(lead) if not need.met]


def upload_token(lead) -> str:
    """A signed token for one lead's borrower upload page (expires after UPLOAD_LINK_DAYS)."""
    return signing.dumps({"lead": lead.pk, "org": lead.organisation_id}, salt=UPLOAD_LINK_SALT, compress=True)


class InvalidUploadLink(Exception):
    pass


def lead_id_from_token(token: str) -> tuple[int, int]:
    try:
        data = signing.loads(token, salt=UPLOAD_LINK_SALT, max_age=UPLOAD_LINK_DAYS * 24 * 3600)
    except signing.SignatureExpired as error:
        raise InvalidUploadLink(
            "This upload link has expired; ask your loan officer for a new one."
        ) from error
    except signing.BadSignature as error:
        raise InvalidUploadLink("This upload link is not valid.") from error
    return int(data["lead"]), int(data["org"])
