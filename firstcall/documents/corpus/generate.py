"""Render realistic borrower documents with reportlab and Faker, each with its ground truth.

Several layouts per type, modelled on what issuers print: the IRS W-2 grid (labels above values in boxes), an
employer's "label: value" W-2 summary, a two-column table; ADP-like stubs (Current / YTD columns), Gusto-like
sectioned stubs, Paychex-like stubs; bank statements with separate deposit and withdrawal sections, with one
table of Withdrawals / Deposits / Balance columns, or with one signed Amount column.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from faker import Faker
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

CENT = Decimal("0.01")
WIDTH, HEIGHT = letter
SS_BASE = {2022: Decimal(147000), 2023: Decimal(160200), 2024: Decimal(168600), 2025: Decimal(176100)}


@dataclass
class Sample:
    name: str
    document_type: str
    layout: str
    pdf: bytes
    truth: dict = field(default_factory=dict)
    pages: int = 1


def m(value) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def fmt(value: Decimal, dollar: bool = False) -> str:
    text = f"{value:,.2f}"
    return ("$" + text) if dollar else text


def us(d: date) -> str:
    return d.strftime("%m/%d/%Y")


class Page:
    """Top-left coordinates over reportlab's bottom-left canvas."""

    def __init__(self, canvas: Canvas):
        self.c = canvas

    def text(self, x, y, value, size=9, bold=False, right=False):
        self.c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        if right:
            self.c.drawRightString(x, HEIGHT - y, str(value))
        else:
            self.c.drawString(x, HEIGHT - y, str(value))

    def box(self, x, y, w, h, width=0.6):
        self.c.setLineWidth(width)
        self.c.rect(x, HEIGHT - y - h, w, h)

    def line(self, x0, y, x1, width=0.5):
        self.c.setLineWidth(width)
        self.c.line(x0, HEIGHT - y, x1, HEIGHT - y)


def _pdf(draw_pages) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, invariant=1)
    for draw in draw_pages:
        draw(Page(canvas))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _person(fake: Faker) -> str:
    return f"{fake.first_name()} {fake.last_name()}"


def _company(fake: Faker) -> str:
    return fake.company().replace(",", "")


# --- W-2 -------------------------------------------------------------------------------------------------


def w2(rng: random.Random, fake: Faker, layout: int, name: str | None = None) -> Sample:
    year = rng.choice([2023, 2024, 2025])
    salary = m(rng.randrange(28000, 240000) + rng.randrange(100) / 100)
    deferral = m(salary * Decimal(rng.choice([0, 0, 3, 5, 6, 8])) / 100)
    health = m(rng.choice([0, 0, 1200, 2400, 3600]))
    box1 = salary - deferral - health
    box3 = min(salary - health, SS_BASE[year])
    box5 = salary - health
    box4 = m(box3 * Decimal("0.062"))
    box6 = m(box5 * Decimal("0.0145") + max(Decimal(0), box5 - 200000) * Decimal("0.009"))
    box2 = m(box1 * Decimal(rng.choice([8, 10, 12, 15, 18])) / 100)
    box16 = box1
    codes = []
    if deferral:
        codes.append({"code": "D", "amount": deferral})
    if health:
        codes.append({"code": "DD", "amount": m(health * 3)})
    employee = name or _person(fake)
    employer = _company(fake)
    ein = f"{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}"
    ssn4 = f"{rng.randrange(0, 9999):04d}"
    ssn_shown = rng.choice(
        [f"XXX-XX-{ssn4}", f"***-**-{ssn4}", f"{rng.randrange(100, 899)}-{rng.randrange(10, 99)}-{ssn4}"]
    )
    truth = {
        "w2.tax_year": year,
        "w2.employer_name": employer,
        "w2.employer_ein": ein,
        "w2.employee_name": employee,
        "w2.employee_ssn_last4": ssn4,
        "w2.box1_wages": box1,
        "w2.box2_federal_tax": box2,
        "w2.box3_ss_wages": box3,
        "w2.box4_ss_tax": box4,
        "w2.box5_medicare_wages": box5,
        "w2.box6_medicare_tax": box6,
        "w2.box16_state_wages": box16,
    }
    if codes:
        truth["w2.box12"] = codes
    address = fake.street_address()
    city = f"{fake.city()}, {fake.state_abbr()} {fake.zipcode()}"
    first, last = employee.split(" ", 1)

    def irs(p: Page):
        top = rng.randrange(40, 90)
        left = rng.randrange(30, 50)
        half = 270
        p.text(left, top - 12, f"Form W-2 Wage and Tax Statement {year}", 12, bold=True)
        p.text(left + 380, top - 12, "Copy B-To Be Filed With Employee's FEDERAL Tax Return", 6)
        rows = [
            ("a Employee's social security number", ssn_shown, None, None),
        ]
        y = top
        p.box(left, y, half, 26)
        p.text(left + 3, y + 8, rows[0][0], 6)
        p.text(left + 8, y + 20, rows[0][1], 9)
        y += 26
        grid = [
            ("b Employer identification number (EIN)", ein, "1 Wages, tips, other compensation", fmt(box1)),
            ("c Employer's name, address, and ZIP code", None, "2 Federal income tax withheld", fmt(box2)),
            (None, None, "3 Social security wages", fmt(box3)),
            (None, None, "4 Social security tax withheld", fmt(box4)),
            ("d Control number", str(rng.randrange(10000, 99999)), "5 Medicare wages and tips", fmt(box5)),
            (None, None, "6 Medicare tax withheld", fmt(box6)),
        ]
        employer_lines = [
            employer,
            fake.street_address(),
            f"{fake.city()}, {fake.state_abbr()} {fake.zipcode()}",
        ]
        for index, (left_label, left_value, right_label, right_value) in enumerate(grid):
            p.box(left + half, y, half, 26)
            p.text(left + half + 3, y + 8, right_label, 6)
            p.text(left + half + 10, y + 20, right_value, 9)
            if left_label:
                p.box(left, y, half, 26 if index not in (1,) else 78)
                p.text(left + 3, y + 8, left_label, 6)
                if left_value:
                    p.text(left + 8, y + 20, left_value, 9)
                if index == 1:
                    for offset, text in enumerate(employer_lines):
                        p.text(left + 8, y + 20 + offset * 11, text, 9)
            y += 26
        p.box(left, y, half, 60)
        p.text(left + 3, y + 8, "e Employee's first name and initial", 6)
        p.text(left + 140, y + 8, "Last name", 6)
        p.text(left + 240, y + 8, "Suff.", 6)
        p.text(left + 8, y + 20, first, 9)
        p.text(left + 140, y + 20, last, 9)
        p.text(left + 8, y + 32, address, 9)
        p.text(left + 8, y + 43, city, 9)
        p.text(left + 3, y + 56, "f Employee's address and ZIP code", 6)
        letters = "abcd"
        for index in range(4):
            p.box(left + half, y + index * 26 - 0 if False else y + index * 15, half, 15)
            p.text(left + half + 3, y + index * 15 + 6, f"12{letters[index]}", 6)
            if index < len(codes):
                p.text(left + half + 30, y + index * 15 + 12, codes[index]["code"], 9)
                p.text(left + half + 60, y + index * 15 + 12, fmt(codes[index]["amount"]), 9)
        y += 70
        p.box(left, y, half * 2, 26)
        p.text(left + 3, y + 8, "15 State   Employer's state ID number", 6)
        p.text(left + 180, y + 8, "16 State wages, tips, etc.", 6)
        p.text(left + 300, y + 8, "17 State income tax", 6)
        p.text(left + 8, y + 20, f"{fake.state_abbr()}   {rng.randrange(1000000, 9999999)}", 9)
        p.text(left + 185, y + 20, fmt(box16), 9)
        p.text(left + 305, y + 20, fmt(m(box16 * Decimal("0.04"))), 9)
        p.text(left, y + 44, "Department of the Treasury-Internal Revenue Service", 7)

    def summary(p: Page):
        top = rng.randrange(50, 100)
        p.text(50, top, employer, 14, bold=True)
        p.text(50, top + 16, f"{year} W-2 Wage and Tax Statement - Employee Copy", 10)
        rows = [
            ("Employee name:", employee),
            ("Employee SSN:", ssn_shown),
            ("Employer name:", employer),
            ("Employer ID number (EIN):", ein),
            ("Box 1 Wages, tips, other compensation:", fmt(box1, True)),
            ("Box 2 Federal income tax withheld:", fmt(box2, True)),
            ("Box 3 Social security wages:", fmt(box3, True)),
            ("Box 4 Social security tax withheld:", fmt(box4, True)),
            ("Box 5 Medicare wages and tips:", fmt(box5, True)),
            ("Box 6 Medicare tax withheld:", fmt(box6, True)),
        ]
        for index, code in enumerate(codes):
            rows.append((f"Box 12{'abcd'[index]}:", f"{code['code']} {fmt(code['amount'])}"))
        rows.append(("Box 16 State wages, tips, etc.:", fmt(box16, True)))
        y = top + 50
        for label, value in rows:
            p.text(60, y, label, 10)
            p.text(300, y, value, 10)
            y += 18

    def table(p: Page):
        top = rng.randrange(50, 90)
        p.text(306, top, f"Form W-2 Wage and Tax Statement  Tax Year {year}", 12, bold=True, right=False)
        p.text(50, top + 26, "Employer", 8, bold=True)
        p.text(50, top + 38, employer, 10)
        p.text(50, top + 50, f"EIN {ein}", 10)
        p.text(320, top + 26, "Employee", 8, bold=True)
        p.text(320, top + 38, employee, 10)
        p.text(320, top + 50, f"SSN {ssn_shown}", 10)
        y = top + 90
        p.text(50, y, "Box", 9, bold=True)
        p.text(90, y, "Description", 9, bold=True)
        p.text(500, y, "Amount", 9, bold=True, right=True)
        p.line(50, y + 4, 520)
        items = [
            ("1", "Wages, tips, other compensation", box1),
            ("2", "Federal income tax withheld", box2),
            ("3", "Social security wages", box3),
            ("4", "Social security tax withheld", box4),
            ("5", "Medicare wages and tips", box5),
            ("6", "Medicare tax withheld", box6),
            ("16", "State wages, tips, etc.", box16),
        ]
        for number, label, value in items:
            y += 18
            p.text(50, y, number, 10)
            p.text(90, y, label, 10)
            p.text(500, y, fmt(value), 10, right=True)
        for index, code in enumerate(codes):
            y += 18
            p.text(50, y, f"12{'abcd'[index]}", 10)
            p.text(90, y, code["code"], 10)
            p.text(130, y, fmt(code["amount"]), 10)

    draw = [irs, summary, table][layout % 3]
    truth_layout = ["irs", "summary", "table"][layout % 3]
    if truth_layout == "table":
        # The table layout prints "EIN 12-3456789" and "SSN ..." beside labels the reader knows.
        pass
    return Sample(f"w2-{truth_layout}", "w2", truth_layout, _pdf([draw]), truth)


# --- Pay stubs ------------------------------------------------------------------------------------------

FREQUENCIES = {"weekly": (52, 7), "biweekly": (26, 14), "semimonthly": (24, 15), "monthly": (12, 30)}


def paystub(
    rng: random.Random, fake: Faker, layout: int, name: str | None = None, today: date | None = None
) -> Sample:
    today = today or date(2025, 9, 30)
    frequency = rng.choice(list(FREQUENCIES))
    per_year, days = FREQUENCIES[frequency]
    pay_date = today - timedelta(days=rng.randrange(0, 40))
    if frequency == "semimonthly":
        end = (
            date(pay_date.year, pay_date.month, 15)
            if pay_date.day > 15
            else date(pay_date.year, pay_date.month, 1) - timedelta(days=1)
        )
        start = date(end.year, end.month, 1) if end.day == 15 else date(end.year, end.month, 16)
        pay_date = end + timedelta(days=5)
    elif frequency == "monthly":
        end = date(pay_date.year, pay_date.month, 1) - timedelta(days=1)
        start = date(end.year, end.month, 1)
        pay_date = end + timedelta(days=3)
    else:
        end = pay_date - timedelta(days=rng.randrange(3, 6))
        start = end - timedelta(days=days - 1)
    hourly = layout % 3 != 1 and rng.random() < 0.6 and frequency in ("weekly", "biweekly")
    if hourly:
        rate = m(rng.randrange(1800, 6500) / 100)
        hours = Decimal(40 * (days // 7)).quantize(CENT)
        gross = m(rate * hours)
    else:
        annual = rng.randrange(36000, 220000)
        gross = m(Decimal(annual) / per_year)
        rate = hours = None
    periods = max(1, round(per_year * pay_date.timetuple().tm_yday / 365))
    ytd = m(gross * periods)
    k401 = m(gross * Decimal(rng.choice([0, 4, 5, 6])) / 100)
    medical = m(rng.choice([0, 45, 85, 120, 160]))
    pretax = [
        row
        for row in ([{"name": "401(k)", "current": k401}] if k401 else [])
        + ([{"name": "Medical", "current": medical}] if medical else [])
    ]
    taxable = gross - k401 - medical
    federal = m(taxable * Decimal("0.11"))
    social = m(gross * Decimal("0.062"))
    medicare = m(gross * Decimal("0.0145"))
    state = m(taxable * Decimal("0.04"))
    net = gross - k401 - medical - federal - social - medicare - state
    employee = name or _person(fake)
    employer = _company(fake)
    truth = {
        "paystub.employer_name": employer,
        "paystub.employee_name": employee,
        "paystub.period_start": start,
        "paystub.period_end": end,
        "paystub.pay_date": pay_date,
        "paystub.pay_frequency": frequency,
        "paystub.gross_current": gross,
        "paystub.gross_ytd": ytd,
        "paystub.net_pay": net,
    }
    if hourly:
        truth["paystub.regular_hours"] = hours
        truth["paystub.regular_rate"] = rate
    if pretax:
        truth["paystub.pretax_deductions"] = pretax
    deductions = [(row["name"], row["current"], m(row["current"] * periods)) for row in pretax] + [
        ("Federal Income Tax", federal, m(federal * periods)),
        ("Social Security", social, m(social * periods)),
        ("Medicare", medicare, m(medicare * periods)),
        ("State Income Tax", state, m(state * periods)),
    ]
    frequency_label = {
        "weekly": "Weekly",
        "biweekly": "Biweekly",
        "semimonthly": "Semi-Monthly",
        "monthly": "Monthly",
    }

    def adp(p: Page):
        top = rng.randrange(40, 80)
        p.text(40, top, employer, 13, bold=True)
        p.text(400, top, "Earnings Statement", 13, bold=True)
        p.text(40, top + 14, fake.street_address(), 8)
        p.text(400, top + 20, f"Period Beginning: {us(start)}", 8)
        p.text(400, top + 31, f"Period Ending: {us(end)}", 8)
        p.text(400, top + 42, f"Pay Date: {us(pay_date)}", 8)
        p.text(400, top + 53, f"Pay Frequency: {frequency_label[frequency]}", 8)
        p.text(40, top + 60, f"Employee Name: {employee}", 9)
        y = top + 95
        p.text(40, y, "Earnings", 9, bold=True)
        p.text(160, y, "Rate", 9, bold=True, right=True)
        p.text(220, y, "Hours", 9, bold=True, right=True)
        p.text(300, y, "This Period", 9, bold=True, right=True)
        p.text(380, y, "Year To Date", 9, bold=True, right=True)
        y += 14
        p.text(40, y, "Regular", 9)
        if hourly:
            p.text(160, y, f"{rate:.2f}", 9, right=True)
            p.text(220, y, f"{hours:.2f}", 9, right=True)
        p.text(300, y, fmt(gross), 9, right=True)
        p.text(380, y, fmt(ytd), 9, right=True)
        y += 16
        p.text(40, y, "Gross Pay", 9, bold=True)
        p.text(300, y, fmt(gross), 9, right=True)
        p.text(380, y, fmt(ytd), 9, right=True)
        y += 24
        p.text(40, y, "Deductions", 9, bold=True)
        p.text(300, y, "This Period", 9, bold=True, right=True)
        p.text(380, y, "Year To Date", 9, bold=True, right=True)
        for label, current, year_to_date in deductions:
            y += 13
            p.text(40, y, label, 9)
            p.text(300, y, fmt(current), 9, right=True)
            p.text(380, y, fmt(year_to_date), 9, right=True)
        y += 22
        p.text(40, y, "Net Pay", 10, bold=True)
        p.text(300, y, fmt(net, True), 10, bold=True, right=True)

    def gusto(p: Page):
        top = rng.randrange(40, 80)
        p.text(50, top, "Pay Stub", 16, bold=True)
        p.text(50, top + 24, "Company", 8, bold=True)
        p.text(50, top + 36, employer, 10)
        p.text(300, top + 24, "Employee", 8, bold=True)
        p.text(300, top + 36, employee, 10)
        p.text(50, top + 60, "Pay period", 8, bold=True)
        p.text(50, top + 72, f"{start.strftime('%b %d, %Y')} - {end.strftime('%b %d, %Y')}", 10)
        p.text(300, top + 60, "Pay date", 8, bold=True)
        p.text(300, top + 72, pay_date.strftime("%b %d, %Y"), 10)
        y = top + 105
        p.text(50, y, "Summary", 11, bold=True)
        p.text(330, y, "Current", 9, bold=True, right=True)
        p.text(430, y, "YTD", 9, bold=True, right=True)
        y += 16
        p.text(50, y, "Gross Earnings", 10)
        p.text(330, y, fmt(gross, True), 10, right=True)
        p.text(430, y, fmt(ytd, True), 10, right=True)
        y += 16
        p.text(50, y, "Pre-Tax Deductions", 11, bold=True)
        for row in pretax:
            y += 14
            p.text(60, y, row["name"], 10)
            p.text(330, y, fmt(row["current"], True), 10, right=True)
        y += 16
        p.text(50, y, "Taxes", 11, bold=True)
        for label, current, year_to_date in deductions[len(pretax) :]:
            y += 14
            p.text(60, y, label, 10)
            p.text(330, y, fmt(current, True), 10, right=True)
            p.text(430, y, fmt(year_to_date, True), 10, right=True)
        y += 20
        p.text(50, y, "Net Pay", 11, bold=True)
        p.text(330, y, fmt(net, True), 11, bold=True, right=True)

    def paychex(p: Page):
        top = rng.randrange(40, 80)
        p.text(40, top, employer, 12, bold=True)
        p.text(40, top + 14, "Statement of Earnings and Deductions", 9)
        p.box(360, top - 10, 210, 60)
        p.text(366, top + 2, f"Check Date {us(pay_date)}", 8)
        p.text(366, top + 14, f"Period Start {us(start)}", 8)
        p.text(366, top + 26, f"Period End {us(end)}", 8)
        p.text(366, top + 38, f"Frequency {frequency_label[frequency]}", 8)
        p.text(40, top + 40, "EMPLOYEE", 7, bold=True)
        p.text(40, top + 51, employee.upper(), 9)
        y = top + 85
        p.text(40, y, "Description", 8, bold=True)
        p.text(200, y, "Hours", 8, bold=True, right=True)
        p.text(260, y, "Rate", 8, bold=True, right=True)
        p.text(340, y, "Current", 8, bold=True, right=True)
        p.text(430, y, "YTD", 8, bold=True, right=True)
        p.line(40, y + 4, 440)
        y += 14
        p.text(40, y, "Hourly" if hourly else "Salary", 9)
        if hourly:
            p.text(200, y, f"{hours:.2f}", 9, right=True)
            p.text(260, y, f"{rate:.2f}", 9, right=True)
        p.text(340, y, fmt(gross), 9, right=True)
        p.text(430, y, fmt(ytd), 9, right=True)
        y += 14
        p.text(40, y, "Total Gross", 9, bold=True)
        p.text(340, y, fmt(gross), 9, right=True)
        p.text(430, y, fmt(ytd), 9, right=True)
        y += 22
        for label, current, year_to_date in deductions:
            p.text(40, y, label, 9)
            p.text(340, y, fmt(current), 9, right=True)
            p.text(430, y, fmt(year_to_date), 9, right=True)
            y += 13
        y += 10
        p.text(40, y, "Net Check", 10, bold=True)
        p.text(340, y, fmt(net), 10, bold=True, right=True)

    kind = ["adp", "gusto", "paychex"][layout % 3]
    if kind == "gusto":
        truth["paystub.pay_frequency"] = frequency  # inferred from the period by the reader
    return Sample(f"paystub-{kind}", "paystub", kind, _pdf([[adp, gusto, paychex][layout % 3]]), truth)


# --- Bank statements ------------------------------------------------------------------------------------

DEPOSIT_NAMES = [
    "Payroll Direct Deposit",
    "Mobile Check Deposit",
    "Zelle Transfer From",
    "ATM Deposit",
    "Transfer From Savings",
    "Tax Refund IRS Treas",
]
WITHDRAWAL_NAMES = [
    "Card Purchase Grocery",
    "Online Transfer To",
    "Utility Payment",
    "Rent Payment",
    "ATM Withdrawal",
    "Insurance Premium",
    "Card Purchase Fuel",
    "Check",
]


def bank(
    rng: random.Random, fake: Faker, layout: int, name: str | None = None, today: date | None = None
) -> Sample:
    today = today or date(2025, 9, 30)
    end = date(today.year, today.month, 1) - timedelta(days=1)
    start = date(end.year, end.month, 1)
    holder = name or _person(fake)
    institution = rng.choice(
        [
            "First Harbor Bank",
            "Summit Federal Credit Union",
            "Prairie State Bank",
            "Coastal Community Bank",
            "Granite Trust Bank",
        ]
    )
    account = str(rng.randrange(10**9, 10**10))
    begin = m(rng.randrange(500, 40000) + rng.randrange(100) / 100)
    rows = []
    for _ in range(rng.randrange(3, 7)):
        rows.append(
            (
                "deposit",
                start + timedelta(days=rng.randrange(0, (end - start).days + 1)),
                rng.choice(DEPOSIT_NAMES),
                m(rng.randrange(100, 6000) + rng.randrange(100) / 100),
            )
        )
    for _ in range(rng.randrange(5, 14)):
        rows.append(
            (
                "withdrawal",
                start + timedelta(days=rng.randrange(0, (end - start).days + 1)),
                rng.choice(WITHDRAWAL_NAMES),
                m(rng.randrange(10, 1500) + rng.randrange(100) / 100),
            )
        )
    nsf = []
    if rng.random() < 0.2:
        when = start + timedelta(days=rng.randrange(0, 27))
        rows.append(("withdrawal", when, "NSF Returned Item Fee", m(35)))
        nsf.append({"date": when, "description": "NSF Returned Item Fee", "amount": m(35)})
    rows.sort(key=lambda row: (row[1], row[0]))
    deposits = sum((row[3] for row in rows if row[0] == "deposit"), Decimal(0))
    withdrawals = sum((row[3] for row in rows if row[0] == "withdrawal"), Decimal(0))
    ending = begin + deposits - withdrawals
    truth = {
        "bank.institution": institution,
        "bank.account_holders": [holder],
        "bank.account_last4": account[-4:],
        "bank.period_start": start,
        "bank.period_end": end,
        "bank.beginning_balance": begin,
        "bank.ending_balance": ending,
        "bank.total_deposits": deposits,
        "bank.total_withdrawals": withdrawals,
        "bank.deposits": [
            {"date": r[1], "description": r[2], "amount": r[3]} for r in rows if r[0] == "deposit"
        ],
        "bank.nsf_events": nsf,
    }
    masked = rng.choice([f"XXXXXX{account[-4:]}", f"****{account[-4:]}", f"...{account[-4:]}"])

    def header(p: Page, top: int):
        p.text(40, top, institution, 16, bold=True)
        p.text(40, top + 14, "Member FDIC", 7)
        p.text(40, top + 50, f"Account Holder: {holder}", 9)
        p.text(40, top + 62, fake.street_address(), 9)
        p.text(330, top + 50, f"Account Number: {masked}", 9)
        p.text(330, top + 62, f"Statement Period: {us(start)} - {us(end)}", 9)

    def summary(p: Page, y: int, labels):
        p.text(40, y, "Account Summary", 11, bold=True)
        for index, (label, value) in enumerate(
            zip(labels, (begin, deposits, withdrawals, ending), strict=True)
        ):
            p.text(50, y + 16 + index * 13, label, 9)
            p.text(300, y + 16 + index * 13, fmt(value, True), 9, right=True)
        return y + 16 + 4 * 13 + 14

    pages = []

    def sectioned_pages():
        state = {
            "rows": [r for r in rows if r[0] == "deposit"],
            "w": [r for r in rows if r[0] == "withdrawal"],
        }

        def first(p: Page):
            top = rng.randrange(36, 60)
            header(p, top)
            y = summary(
                p,
                top + 90,
                [
                    "Beginning Balance",
                    "Deposits and Other Credits",
                    "Withdrawals and Other Debits",
                    "Ending Balance",
                ],
            )
            p.text(40, y, "Deposits and Other Credits", 11, bold=True)
            y += 14
            p.text(40, y, "Date", 8, bold=True)
            p.text(100, y, "Description", 8, bold=True)
            p.text(520, y, "Amount", 8, bold=True, right=True)
            for _kind, when, text, amount in state["rows"]:
                y += 13
                p.text(40, y, when.strftime("%m/%d"), 9)
                p.text(100, y, text, 9)
                p.text(520, y, fmt(amount), 9, right=True)

        def second(p: Page):
            y = 50
            p.text(40, y, "Withdrawals and Other Debits", 11, bold=True)
            y += 14
            p.text(40, y, "Date", 8, bold=True)
            p.text(100, y, "Description", 8, bold=True)
            p.text(520, y, "Amount", 8, bold=True, right=True)
            for _kind, when, text, amount in state["w"]:
                y += 13
                p.text(40, y, when.strftime("%m/%d"), 9)
                p.text(100, y, text, 9)
                p.text(520, y, fmt(amount), 9, right=True)

        return [first, second]

    def columns_page(p: Page):
        top = rng.randrange(36, 60)
        header(p, top)
        y = summary(
            p, top + 90, ["Opening Balance", "Total Deposits", "Total Withdrawals", "Closing Balance"]
        )
        p.text(40, y, "Transaction Detail", 11, bold=True)
        y += 14
        p.text(40, y, "Date", 8, bold=True)
        p.text(110, y, "Description", 8, bold=True)
        p.text(390, y, "Withdrawals", 8, bold=True, right=True)
        p.text(460, y, "Deposits", 8, bold=True, right=True)
        p.text(540, y, "Balance", 8, bold=True, right=True)
        balance = begin
        for kind, when, text, amount in rows:
            y += 12
            balance += amount if kind == "deposit" else -amount
            p.text(40, y, us(when), 8)
            p.text(110, y, text, 8)
            p.text(390 if kind == "withdrawal" else 460, y, fmt(amount), 8, right=True)
            p.text(540, y, fmt(balance), 8, right=True)

    def signed_page(p: Page):
        top = rng.randrange(36, 60)
        header(p, top)
        y = summary(p, top + 90, ["Previous Balance", "Total Credits", "Total Debits", "New Balance"])
        p.text(40, y, "Activity", 11, bold=True)
        y += 14
        p.text(40, y, "Date", 8, bold=True)
        p.text(110, y, "Description", 8, bold=True)
        p.text(480, y, "Amount", 8, bold=True, right=True)
        for kind, when, text, amount in rows:
            y += 12
            p.text(40, y, us(when), 8)
            p.text(110, y, text, 8)
            p.text(480, y, fmt(amount if kind == "deposit" else -amount), 8, right=True)

    kind = ["sections", "columns", "signed"][layout % 3]
    pages = sectioned_pages() if kind == "sections" else [columns_page if kind == "columns" else signed_page]
    return Sample(f"bank-{kind}", "bank_statement", kind, _pdf(pages), truth, len(pages))


# --- Form 1040 with schedules, 1099s, mortgage statements, IDs, letters ---------------------------------


def form_1040(rng: random.Random, fake: Faker, layout: int, name: str | None = None) -> Sample:
    year = rng.choice([2023, 2024])
    person = name or _person(fake)
    wages = m(rng.randrange(20000, 180000))
    schedule_c_profit = m(rng.randrange(5000, 90000)) if layout % 3 != 1 else None
    rental = m(rng.randrange(-5000, 30000)) if layout % 3 == 2 else None
    agi = wages + (schedule_c_profit or 0) + (rental or 0)
    status_value, status_label = rng.choice(
        [
            ("single", "Single"),
            ("married_filing_jointly", "Married filing jointly"),
            ("head_of_household", "Head of household"),
        ]
    )
    deduction = {"single": 14600, "married_filing_jointly": 29200, "head_of_household": 21900}[status_value]
    taxable = max(Decimal(0), agi - deduction)
    total_tax = (taxable * Decimal("0.14")).quantize(Decimal(1))  # returns may be rounded to whole dollars
    truth = {
        "f1040.tax_year": year,
        "f1040.filing_status": status_value,
        "f1040.wages_1z": wages,
        "f1040.agi_11": agi,
        "f1040.taxable_income_15": taxable,
        "f1040.total_tax_24": total_tax,
    }

    def whole(value: Decimal) -> str:
        return f"{value:,.0f}." if layout % 2 == 0 else fmt(value)

    def page1(p: Page):
        p.text(40, 40, f"Form 1040 U.S. Individual Income Tax Return {year}", 13, bold=True)
        p.text(40, 54, "Department of the Treasury-Internal Revenue Service  OMB No. 1545-0074", 7)
        p.text(40, 76, f"Your first name and middle initial   {person}", 9)
        p.text(40, 96, "Filing Status", 9, bold=True)
        x = 110
        for value, label in (
            ("single", "Single"),
            ("married_filing_jointly", "Married filing jointly"),
            ("married_filing_separately", "Married filing separately"),
            ("head_of_household", "Head of household"),
        ):
            mark = "X" if value == status_value else "[ ]"
            p.text(x, 96, f"{mark} {label}", 8)
            x += 110
        lines = [
            (150, "1a Total amount from Form(s) W-2, box 1", "1a", wages),
            (164, "1z Add lines 1a through 1h", "1z", wages),
            (178, "8 Additional income from Schedule 1, line 10", "8", agi - wages),
            (192, "9 Add lines 1z, 2b, 3b, 4b, 5b, 6b, 7, and 8. This is your total income", "9", agi),
            (206, "11 Subtract line 10 from line 9. This is your adjusted gross income", "11", agi),
            (220, "12 Standard deduction or itemized deductions", "12", Decimal(deduction)),
            (234, "15 Subtract line 14 from line 11. This is your taxable income", "15", taxable),
        ]
        for y, label, number, value in lines:
            p.text(40, y, label, 8)
            p.text(480, y, number, 8)
            p.text(570, y, whole(value), 8, right=True)

    def page2(p: Page):
        p.text(40, 40, f"Form 1040 ({year})  Page 2", 9)
        p.text(40, 70, "16 Tax", 8)
        p.text(570, 70, whole(total_tax), 8, right=True)
        p.text(40, 84, "24 Add lines 22 and 23. This is your total tax", 8)
        p.text(480, 84, "24", 8)
        p.text(570, 84, whole(total_tax), 8, right=True)
        p.text(
            40, 110, "Sign Here  Under penalties of perjury, I declare that I have examined this return", 7
        )

    def schedule_c(p: Page):
        receipts = schedule_c_profit + m(rng.randrange(1000, 40000))
        p.text(40, 40, "SCHEDULE C (Form 1040)", 11, bold=True)
        p.text(40, 54, f"Profit or Loss From Business (Sole Proprietorship) {year}", 11, bold=True)
        p.text(40, 76, f"Name of proprietor  {person}", 8)
        p.text(40, 90, "A Principal business or profession, including product or service", 8)
        p.text(40, 120, "1 Gross receipts or sales", 8)
        p.text(570, 120, whole(receipts), 8, right=True)
        p.text(40, 134, "28 Total expenses before expenses for business use of home", 8)
        p.text(570, 134, whole(receipts - schedule_c_profit), 8, right=True)
        p.text(40, 148, "31 Net profit or (loss). Subtract line 30 from line 29.", 8)
        p.text(480, 148, "31", 8)
        p.text(570, 148, whole(schedule_c_profit), 8, right=True)
        truth["schedule_c.gross_receipts_1"] = receipts

    def schedule_e(p: Page):
        p.text(40, 40, "SCHEDULE E (Form 1040)", 11, bold=True)
        p.text(40, 54, f"Supplemental Income and Loss {year}", 11, bold=True)
        p.text(40, 76, "Part I Income or Loss From Rental Real Estate and Royalties", 8)
        p.text(40, 100, "3 Rents received", 8)
        p.text(570, 100, whole(abs(rental) + 12000), 8, right=True)
        p.text(40, 130, "26 Total rental real estate and royalty income or (loss)", 8)
        p.text(
            570,
            130,
            ("(" + whole(abs(rental)).rstrip(".") + ")") if rental < 0 else whole(rental),
            8,
            right=True,
        )

    drawers = [page1, page2]
    if schedule_c_profit is not None:
        drawers.append(schedule_c)
        truth["schedule_c.net_profit_31"] = schedule_c_profit
    if rental is not None:
        drawers.append(schedule_e)
        truth["schedule_e.total_rental_26"] = rental
    kind = ["with_c", "plain", "with_c_e"][layout % 3]
    return Sample(f"1040-{kind}", "form_1040", kind, _pdf(drawers), truth, len(drawers))


F1099_FORMS = {
    "1099_nec": (
        "Form 1099-NEC",
        "Nonemployee Compensation",
        [("1", "Nonemployee compensation", "f1099.nonemployee_compensation")],
    ),
    "1099_misc": (
        "Form 1099-MISC",
        "Miscellaneous Information",
        [
            ("1", "Rents", "f1099.rents"),
            ("2", "Royalties", "f1099.royalties"),
            ("3", "Other income", "f1099.other_income"),
        ],
    ),
    "1099_int": (
        "Form 1099-INT",
        "Interest Income",
        [
            ("1", "Interest income", "f1099.interest_income"),
            ("3", "Interest on U.S. Savings Bonds and Treasury obligations", "f1099.us_bond_interest"),
        ],
    ),
    "1099_div": (
        "Form 1099-DIV",
        "Dividends and Distributions",
        [
            ("1a", "Total ordinary dividends", "f1099.ordinary_dividends"),
            ("1b", "Qualified dividends", "f1099.qualified_dividends"),
        ],
    ),
}


def form_1099(
    rng: random.Random, fake: Faker, layout: int, name: str | None = None, tax_year: int | None = None
) -> Sample:
    """Layouts 0-3: the IRS's Copy B boxes (NEC, MISC, INT, DIV); 4-7: a payer's or broker's tax information
    statement listing the same boxes as rows."""
    kind = ["1099_nec", "1099_misc", "1099_int", "1099_div"][layout % 4]
    style = "irs" if layout < 4 else "statement"
    year = tax_year or rng.choice([2023, 2024])
    payer, recipient = _company(fake), name or _person(fake)
    form, title, boxes = F1099_FORMS[kind]
    amounts = {}
    for index, (_box, _label, field_name) in enumerate(boxes):
        top = 60000 if index == 0 else 8000
        amounts[field_name] = m(rng.randrange(200, top) + rng.randrange(100) / 100)
    if kind == "1099_div":  # qualified dividends are part of the ordinary dividends
        ordinary = amounts["f1099.ordinary_dividends"]
        amounts["f1099.qualified_dividends"] = m(ordinary * Decimal(rng.randrange(40, 95)) / 100)
    withheld = m(0) if rng.random() < 0.4 else m(amounts[boxes[0][2]] * Decimal("0.1"))
    rows = [(box, label, amounts[field_name]) for box, label, field_name in boxes]
    rows.append(("4", "Federal income tax withheld", withheld))
    rows.sort(key=lambda row: row[0])

    def draw_irs(p: Page):
        p.text(40, 50, f"{form} {title} {year}", 12, bold=True)
        p.box(40, 70, 260, 60)
        p.text(44, 80, "PAYER'S name, street address, city or town", 6)
        p.text(50, 94, payer, 9)
        p.box(40, 130, 260, 30)
        p.text(44, 140, "RECIPIENT'S name", 6)
        p.text(50, 154, recipient, 9)
        for index, (box, label, amount) in enumerate(rows):
            top = 70 + index * 34
            p.box(300, top, 230, 34)
            p.text(304, top + 10, f"{box} {label}", 6)
            p.text(310, top + 25, fmt(amount, True), 9)
        p.text(
            40,
            70 + len(rows) * 34 + 30,
            "Copy B For Recipient. This is important tax information and is being furnished to the IRS.",
            7,
        )

    def draw_statement(p: Page):
        p.text(40, 50, payer, 14, bold=True)
        p.text(40, 70, f"Tax Information Statement {year}", 11, bold=True)
        p.text(40, 100, f"Recipient's name: {recipient}", 9)
        p.text(40, 114, f"Payer's name: {payer}", 9)
        p.text(40, 150, f"{form} {title}", 10, bold=True)
        p.line(40, 156, 560)
        for index, (box, label, amount) in enumerate(rows):
            top = 172 + index * 16
            p.text(48, top, f"Box {box}", 9)
            p.text(90, top, label, 9)
            p.text(540, top, fmt(amount, True), 9, right=True)
        p.text(
            40,
            172 + len(rows) * 16 + 30,
            "This is important tax information and is being furnished to the IRS.",
            7,
        )

    truth = {
        **amounts,
        "f1099.federal_tax_withheld": withheld,
        "f1099.payer_name": payer,
        "f1099.recipient_name": recipient,
        "f1099.tax_year": year,
    }
    draw = draw_irs if style == "irs" else draw_statement
    return Sample(f"{kind}" if style == "irs" else f"{kind}-statement", kind, style, _pdf([draw]), truth)


def mortgage_statement(rng: random.Random, fake: Faker, layout: int, name: str | None = None) -> Sample:
    servicer = rng.choice(["Lakeview Home Loans", "Northstar Mortgage Servicing", "Keystone Loan Servicing"])
    principal = m(rng.randrange(80000, 600000))
    payment = m(principal * Decimal("0.0065"))

    def draw(p: Page):
        p.text(40, 50, servicer, 14, bold=True)
        p.text(40, 68, "Mortgage Statement", 11, bold=True)
        p.text(360, 68, f"Loan Number: {rng.randrange(10**8, 10**9)}", 9)
        p.text(360, 82, f"Payment Due Date: {us(date(2025, 10, 1))}", 9)
        p.text(360, 96, f"Amount Due: {fmt(payment, True)}", 9)
        p.text(40, 120, f"{name or _person(fake)}", 9)
        p.text(40, 160, "Outstanding Principal Balance", 9)
        p.text(300, 160, fmt(principal, True), 9)
        p.text(40, 174, "Escrow Balance", 9)
        p.text(300, 174, fmt(m(rng.randrange(500, 5000)), True), 9)
        p.text(40, 188, "Interest Rate", 9)
        p.text(300, 188, "6.125%", 9)
        p.text(40, 220, "If a payment is received after 10/16/2025, a late fee of $45.00 will be charged.", 8)

    truth = {"mortgage.principal_balance": principal, "mortgage.payment_amount": payment}
    return Sample("mortgage-statement", "mortgage_statement", "servicer", _pdf([draw]), truth)


def photo_id(rng: random.Random, fake: Faker, layout: int, name: str | None = None) -> Sample:
    person = name or _person(fake)

    def draw(p: Page):
        p.box(60, 60, 330, 200, 1.2)
        p.text(75, 85, f"{fake.state().upper()}", 12, bold=True)
        p.text(75, 100, "DRIVER LICENSE", 11, bold=True)
        p.text(180, 130, f"DL {rng.randrange(10**7, 10**8)}", 9)
        p.text(180, 144, f"EXP {us(date(2029, rng.randrange(1, 12), 10))}", 9)
        p.text(180, 158, person.upper(), 10, bold=True)
        p.text(180, 172, fake.street_address().upper(), 8)
        p.text(180, 190, f"DOB {us(date(rng.randrange(1960, 2000), rng.randrange(1, 12), 5))}", 9)
        p.text(180, 204, "SEX M  HGT 5-10  EYES BRN  CLASS C", 8)

    return Sample("photo-id", "photo_id", "card", _pdf([draw]), {})


def letter_other(rng: random.Random, fake: Faker, layout: int, name: str | None = None) -> Sample:
    def draw(p: Page):
        p.text(50, 60, _company(fake), 13, bold=True)
        p.text(50, 90, fake.date_this_year().strftime("%B %d, %Y"), 10)
        p.text(50, 120, f"Dear {name or _person(fake)},", 10)
        y = 140
        for _ in range(8):
            p.text(50, y, fake.sentence(nb_words=14)[:95], 10)
            y += 14

    return Sample("letter", "other", "letter", _pdf([draw]), {})


GENERATORS = {
    "w2": (w2, 3),
    "paystub": (paystub, 3),
    "bank_statement": (bank, 3),
    "form_1040": (form_1040, 3),
    "1099": (form_1099, 8),
    "mortgage_statement": (mortgage_statement, 1),
    "photo_id": (photo_id, 1),
    "other": (letter_other, 1),
}


def corpus(count_per_layout: int = 2, seed: int = 7, types: tuple[str, ...] | None = None) -> list[Sample]:
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    samples = []
    for kind, (generator, layouts) in GENERATORS.items():
        if types and kind not in types:
            continue
        for layout in range(layouts):
            for _ in range(count_per_layout):
                samples.append(generator(rng, fake, layout))
    return samples


def one(
    kind: str,
    layout: int = 0,
    seed: int = 1,
    name: str | None = None,
    today: date | None = None,
    tax_year: int | None = None,
) -> Sample:
    """One sample; `today` dates pay stubs and statements (the default keeps the corpus reproducible);
    `tax_year` sets a 1099's year."""
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    if tax_year is not None and kind == "1099":
        return form_1099(rng, fake, layout, name=name, tax_year=tax_year)
    if today is not None and kind in ("paystub", "bank_statement"):
        return GENERATORS[kind][0](rng, fake, layout, name=name, today=today)
    return GENERATORS[kind][0](rng, fake, layout, name=name)
