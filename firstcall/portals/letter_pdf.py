"""Draw a pre-approval letter as a PDF (reportlab). Pure: it takes the letter's printed values and returns
bytes; what may be printed and who may download it is decided elsewhere (portals.letters).

The letter carries the loan officer's and the company's NMLS IDs (SAFE Act, 12 U.S.C. 5101 et seq.; 12 CFR
1008), says it is not a commitment to lend and when it expires, and carries the Equal Housing Opportunity
statement (Fair Housing Act advertising, 24 CFR 109; Regulation B, 12 CFR 1002)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer

NMLS_CONSUMER_ACCESS = "www.nmlsconsumeraccess.org"


@dataclass(frozen=True)
class LetterContent:
    number: int
    company_name: str
    company_nmls_id: str
    company_address: str
    colour: str  # "#rrggbb"
    logo: bytes  # PNG or JPEG, or b""
    borrower_name: str
    amount: Decimal
    program: str
    property_address: str  # "" prints "TBD"
    issued_on: date
    expires_on: date
    officer_name: str
    officer_nmls_id: str
    officer_phone: str


def disclaimers(content: LetterContent) -> list[str]:
    return [
        "This letter is not a commitment to lend or a loan approval. Final approval is subject to a satisfactory "
        "appraisal, clear title, verification of the information the borrower provided, no material change in the "
        "borrower's financial condition or credit, and the property and the loan meeting the lender's and the "
        "program's requirements at the time of application.",
        f"This pre-approval expires on {content.expires_on:%B} {content.expires_on.day}, {content.expires_on:%Y}. "
        "Rates, terms and programs are subject to change without notice.",
        f"{content.company_name}, NMLS ID {content.company_nmls_id}. Loan officer {content.officer_name}, "
        f"NMLS ID {content.officer_nmls_id}. Licensing: {NMLS_CONSUMER_ACCESS}.",
        "Equal Housing Opportunity. We do business in accordance with the Fair Housing Act and the Equal Credit "
        "Opportunity Act.",
    ]


def render(content: LetterContent) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=0.9 * inch,
        rightMargin=0.9 * inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
        title=f"Pre-approval letter {content.number}",
        author=content.company_name,
    )
    colour = HexColor(content.colour)
    heading = ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=18, leading=22, textColor=colour)
    company = ParagraphStyle("company", fontName="Helvetica-Bold", fontSize=13, leading=16, textColor=colour)
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14.5, spaceAfter=8)
    small = ParagraphStyle("small", fontName="Helvetica", fontSize=8, leading=10.5, spaceAfter=5)
    flow = []
    if content.logo:
        reader = ImageReader(io.BytesIO(content.logo))
        width, height = reader.getSize()
        scale = min(1.6 * inch / width, 0.7 * inch / height)
        flow.append(
            Image(io.BytesIO(content.logo), width=width * scale, height=height * scale, hAlign="LEFT")
        )
        flow.append(Spacer(1, 6))
    flow.append(Paragraph(escape(content.company_name), company))
    if content.company_address:
        flow.append(Paragraph(escape(content.company_address), small))
    flow.append(Spacer(1, 14))
    flow.append(Paragraph("Pre-Approval Letter", heading))
    flow.append(Spacer(1, 8))
    issued = f"{content.issued_on:%B} {content.issued_on.day}, {content.issued_on:%Y}"
    expires = f"{content.expires_on:%B} {content.expires_on.day}, {content.expires_on:%Y}"
    facts = [
        ("Date", issued),
        ("Letter number", str(content.number)),
        ("Borrower", content.borrower_name),
        ("Purchase price up to", f"${content.amount:,.2f}"),
        ("Loan program", content.program),
        ("Property", content.property_address or "TBD"),
        ("Valid until", expires),
    ]
    for label, value in facts:
        flow.append(Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", body))
    flow.append(Spacer(1, 6))
    flow.append(
        Paragraph(
            f"Dear {escape(content.borrower_name)}, based on a review of the information you provided, you are "
            f"pre-approved for a {escape(content.program)} home loan to purchase a property at a price of up to "
            f"${content.amount:,.2f}, subject to the conditions below.",
            body,
        )
    )
    contact = f"{escape(content.officer_name)}, NMLS ID {escape(content.officer_nmls_id)}"
    if content.officer_phone:
        contact += f", {escape(content.officer_phone)}"
    flow.append(Paragraph(f"Your loan officer: {contact}", body))
    flow.append(Spacer(1, 10))
    for line in disclaimers(content):
        flow.append(Paragraph(escape(line), small))
    document.build(flow)
    return buffer.getvalue()
