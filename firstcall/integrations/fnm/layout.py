"""Fannie Mae 1003 version 3.2 flat file (.fnm): the fixed-width records FirstCall writes and reads.

Source: "Residential Loan Data — Fannie Mae Form 1003 Version 3.2 Requirements and Data Format Integration
Guide" (Fannie Mae, rev. July 2014): one record per line, the record id in the first 3 characters, then fields
of fixed width; text left-justified and blank-padded, amounts right-justified with two decimals, every 000-030
version "3.20". Field ids (01A-060 ...) are the guide's. Widths were checked against the guide's layout as
reproduced by public generators (EH/TH/TPI/000 envelope, 01A, 02A, 03A, 04A, 05I, 06C, 06L, 08A, 10B, ADS).

Kinds: "A" text (left-justified), "N" amount (right-justified, 2 decimals), "R" rate (right-justified, 3
decimals), "I" whole number (right-justified), "D" date CCYYMMDD.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "3.20"
TRANSACTION_ID = "T100099-002"  # TH-020: fixed for a 1003 transaction


@dataclass(frozen=True)
class Field:
    id: str
    width: int
    kind: str
    name: str


def _record(record_id: str, *fields: tuple[str, int, str, str]) -> list[Field]:
    return [Field(f"{record_id}-010", 3, "A", "Record id")] + [
        Field(f"{record_id}-{number}", size, kind, name) for number, size, kind, name in fields
    ]


RECORDS: dict[str, list[Field]] = {
    "EH": _record("EH", ("020", 6, "A", "Reserved"), ("030", 25, "A", "Reserved"),
                  ("040", 11, "A", "Envelope creation date"), ("050", 9, "A", "Envelope control number")),
    "TH": _record("TH", ("020", 11, "A", "Transaction id"), ("030", 9, "A", "Transaction control number")),
    "TPI": _record("TPI", ("020", 5, "A", "Version"), ("030", 2, "A", "Identifier code"),
                   ("040", 30, "A", "Identifier"), ("050", 1, "A", "New or resubmission")),
    "000": _record("000", ("020", 3, "A", "File type"), ("030", 5, "A", "Version"), ("040", 1, "A", "File source")),
    "00A": _record("00A", ("020", 1, "A", "Indicator 1"), ("030", 1, "A", "Indicator 2")),
    "01A": _record("01A", ("020", 2, "A", "Mortgage applied for"), ("030", 80, "A", "Mortgage applied for (other)"),
                   ("040", 30, "A", "Agency case number"), ("050", 15, "A", "Lender case number"),
                   ("060", 15, "N", "Loan amount"), ("070", 7, "R", "Interest rate"), ("080", 3, "I", "Number of months"),
                   ("090", 2, "A", "Amortization type"), ("100", 80, "A", "Amortization type (other)"),
                   ("110", 80, "A", "ARM description")),
    "02A": _record("02A", ("020", 50, "A", "Property street"), ("030", 35, "A", "Property city"),
                   ("040", 2, "A", "Property state"), ("050", 5, "A", "Property ZIP"), ("060", 4, "A", "ZIP+4"),
                   ("070", 3, "I", "Number of units"), ("080", 2, "A", "Legal description type"),
                   ("090", 80, "A", "Legal description"), ("100", 4, "I", "Year built")),
    "02B": _record("02B", ("020", 2, "A", "Reserved"), ("030", 2, "A", "Purpose of loan"),
                   ("040", 80, "A", "Purpose of loan (other)"), ("050", 1, "A", "Property will be"),
                   ("060", 60, "A", "Manner in which title will be held"), ("070", 1, "A", "Estate will be held in"),
                   ("080", 8, "D", "Leasehold expiration date")),
    "02D": _record("02D", ("020", 4, "I", "Year acquired"), ("030", 15, "N", "Original cost"),
                   ("040", 15, "N", "Amount of existing liens"), ("050", 15, "N", "Present value of lot"),
                   ("060", 15, "N", "Cost of improvements"), ("070", 2, "A", "Purpose of refinance"),
                   ("080", 80, "A", "Describe improvements"), ("090", 1, "A", "Improvements made / to be made"),
                   ("100", 15, "N", "Improvements cost")),
    "02E": _record("02E", ("020", 2, "A", "Down payment type"), ("030", 15, "N", "Down payment amount"),
                   ("040", 80, "A", "Down payment explanation")),
    "03A": _record("03A", ("020", 2, "A", "Applicant / co-applicant"), ("030", 9, "A", "Social Security number"),
                   ("040", 35, "A", "First name"), ("050", 35, "A", "Middle name"), ("060", 35, "A", "Last name"),
                   ("070", 4, "A", "Generation"), ("080", 10, "A", "Home phone"), ("090", 3, "I", "Age"),
                   ("100", 2, "I", "Years of school"), ("110", 1, "A", "Marital status"),
                   ("120", 2, "I", "Dependents (number)"), ("130", 1, "A", "Completed jointly"),
                   ("140", 9, "A", "Cross-reference SSN"), ("150", 8, "D", "Date of birth"),
                   ("160", 80, "A", "Email address")),
    "03C": _record("03C", ("020", 9, "A", "Applicant SSN"), ("030", 2, "A", "Residence type"),
                   ("040", 50, "A", "Street"), ("050", 35, "A", "City"), ("060", 2, "A", "State"),
                   ("070", 5, "A", "ZIP"), ("080", 4, "A", "ZIP+4"), ("090", 1, "A", "Own / rent"),
                   ("100", 2, "I", "Years"), ("110", 2, "I", "Months"), ("120", 50, "A", "Country")),
    "04A": _record("04A", ("020", 9, "A", "Applicant SSN"), ("030", 35, "A", "Employer name"),
                   ("040", 35, "A", "Employer street"), ("050", 35, "A", "Employer city"), ("060", 2, "A", "State"),
                   ("070", 5, "A", "ZIP"), ("080", 4, "A", "ZIP+4"), ("090", 1, "A", "Self employed"),
                   ("100", 2, "I", "Years on this job"), ("110", 2, "I", "Months on this job"),
                   ("120", 2, "I", "Years in this line of work"), ("130", 25, "A", "Position / title"),
                   ("140", 10, "A", "Business phone")),
    "04B": _record("04B", ("020", 9, "A", "Applicant SSN"), ("030", 35, "A", "Employer name"),
                   ("040", 35, "A", "Employer street"), ("050", 35, "A", "Employer city"), ("060", 2, "A", "State"),
                   ("070", 5, "A", "ZIP"), ("080", 4, "A", "ZIP+4"), ("090", 1, "A", "Self employed"),
                   ("100", 1, "A", "Current employment"), ("110", 8, "D", "From date"), ("120", 8, "D", "To date"),
                   ("130", 15, "N", "Monthly income"), ("140", 25, "A", "Position / title"),
                   ("150", 10, "A", "Business phone")),
    "05I": _record("05I", ("020", 9, "A", "Applicant SSN"), ("030", 2, "A", "Income type"),
                   ("040", 15, "N", "Monthly income amount")),
    "06C": _record("06C", ("020", 9, "A", "Applicant SSN"), ("030", 3, "A", "Account / asset type"),
                   ("040", 35, "A", "Depository name"), ("050", 35, "A", "Depository street"),
                   ("060", 35, "A", "Depository city"), ("070", 2, "A", "State"), ("080", 5, "A", "ZIP"),
                   ("090", 4, "A", "ZIP+4"), ("100", 30, "A", "Account number"), ("110", 15, "N", "Cash or market value"),
                   ("120", 7, "I", "Number of stock / bond shares"), ("130", 80, "A", "Asset description"),
                   ("140", 1, "A", "Reserved"), ("150", 2, "A", "Reserved")),
    "06L": _record("06L", ("020", 9, "A", "Applicant SSN"), ("030", 2, "A", "Liability type"),
                   ("040", 35, "A", "Creditor name"), ("050", 35, "A", "Creditor street"), ("060", 35, "A", "Creditor city"),
                   ("070", 2, "A", "State"), ("080", 5, "A", "ZIP"), ("090", 4, "A", "ZIP+4"),
                   ("100", 30, "A", "Account number"), ("110", 15, "N", "Monthly payment amount"),
                   ("120", 3, "I", "Months left to pay"), ("130", 15, "N", "Unpaid balance"),
                   ("140", 1, "A", "Paid prior to closing"), ("150", 2, "A", "REO asset id"),
                   ("160", 1, "A", "Resubordinated"), ("170", 1, "A", "Omitted"), ("180", 1, "A", "Subject property"),
                   ("190", 1, "A", "Rental property")),
    "08A": _record("08A", ("020", 9, "A", "Applicant SSN"), ("030", 1, "A", "a. Outstanding judgments"),
                   ("040", 1, "A", "b. Declared bankrupt"), ("050", 1, "A", "c. Property foreclosed"),
                   ("060", 1, "A", "d. Party to a lawsuit"), ("070", 1, "A", "e. Obligated on a foreclosed loan"),
                   ("080", 1, "A", "f. Presently delinquent"), ("090", 1, "A", "g. Alimony or child support"),
                   ("100", 1, "A", "h. Down payment borrowed"), ("110", 1, "A", "i. Co-maker or endorser"),
                   ("120", 2, "A", "j./k. Citizenship"), ("130", 1, "A", "l. Intend to occupy"),
                   ("140", 1, "A", "m. Ownership interest in the last three years"),
                   ("150", 1, "A", "m.(1) Type of property"), ("160", 2, "A", "m.(2) Title held")),
    "10B": _record("10B", ("020", 1, "A", "Application taken by"), ("030", 60, "A", "Loan originator name"),
                   ("040", 8, "D", "Interview date"), ("050", 10, "A", "Loan originator phone"),
                   ("060", 35, "A", "Loan origination company name"), ("070", 35, "A", "Company street"),
                   ("080", 35, "A", "Company street 2"), ("090", 35, "A", "Company city"), ("100", 2, "A", "State"),
                   ("110", 5, "A", "ZIP"), ("120", 4, "A", "ZIP+4")),
    "99B": _record("99B", ("020", 1, "A", "Property falls in"), ("030", 2, "A", "Property type"),
                   ("040", 15, "N", "Property appraised value"), ("050", 7, "R", "Buydown rate"),
                   ("060", 2, "A", "Reserved"), ("070", 3, "A", "Reserved"), ("080", 60, "A", "Reserved"),
                   ("090", 35, "A", "Reserved"), ("100", 15, "A", "Reserved"), ("110", 2, "A", "Reserved")),
    "07A": _record("07A", ("020", 15, "N", "a. Purchase price"), ("030", 15, "N", "b. Alterations, improvements"),
                   ("040", 15, "N", "c. Land"), ("050", 15, "N", "d. Refinance (debts to be paid off)"),
                   ("060", 15, "N", "e. Estimated prepaid items"), ("070", 15, "N", "f. Estimated closing costs"),
                   ("080", 15, "N", "g. PMI, MIP, funding fee"), ("090", 15, "N", "h. Discount"),
                   ("100", 15, "N", "j. Subordinate financing"), ("110", 15, "N", "k. Closing costs paid by seller"),
                   ("120", 15, "N", "n. PMI, MIP, funding fee financed")),
    "ADS": _record("ADS", ("020", 35, "A", "Additional data name"), ("030", 50, "A", "Additional data value")),
    "TT": _record("TT", ("020", 9, "A", "Transaction control number")),
    "ET": _record("ET", ("020", 9, "A", "Envelope control number")),
}  # fmt: skip

# Records of the 3.2 layout FirstCall does not read: a line of one is kept as unplaced, never refused.
OTHER_KNOWN_RECORDS = {
    "02C", "03B", "05H", "06A", "06B", "06D", "06F", "06G", "06H", "06S", "07B", "09A", "10A", "10R", "LNC",
    "PID", "PCH", "PAI", "PMI", "ARM", "GOA", "GOB", "GOC", "GOD", "GOE", "LMD", "99C", "BUA", "IDA", "LEA",
    "RAB", "SCA", "PAJ", "ADC", "BA", "03D", "06E", "04C",
}  # fmt: skip


def record_id_of(line: str) -> str:
    return line[:3].rstrip()


def line_width(record_id: str) -> int:
    return sum(field.width for field in RECORDS[record_id])
