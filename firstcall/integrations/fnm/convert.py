"""Application (integrations.application) <-> Fannie Mae 1003 3.2 flat file. Pure: no Django.

Writing: every line at its record's full width (layout.RECORDS), CRLF line ends as DOS-era tools expect.
Reading: trailing blanks may be missing (many tools strip them), but a line that ends inside a number, a date
or a key field is truncated and refused with its line number and field; a record type outside the 3.2 layout
is reported (problems and unplaced), as is every non-blank field FirstCall does not read.

Applicants are keyed by Social Security number in the 3.2 layout (03A-030 and every per-applicant record).
FirstCall does not hold SSNs, so its files use 000000001, 000000002, ... (the 000 area is never issued) for the
LOS to replace; an imported SSN links the records and is reported unplaced, not stored.

Code tables below are from the 1003 3.2 Integration Guide's appendix as FirstCall reads it; a code FirstCall
does not know is reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from firstcall.integrations.application import (
    CENT,
    LEAD_EXTRA_BOOLEANS,
    LEAD_EXTRA_FIELDS,
    LEAD_EXTRA_INTEGERS,
    LEAD_EXTRA_MONEY,
    e164_phone,
    empty_application,
    empty_borrower,
    money,
    ten_digit_phone,
    total_monthly_debts,
    total_monthly_income,
)
from firstcall.integrations.fnm.layout import (
    OTHER_KNOWN_RECORDS,
    RECORDS,
    TRANSACTION_ID,
    VERSION,
    Field,
    record_id_of,
)

MORTGAGE_TYPE = {"conventional": "01", "va": "02", "fha": "03", "usda": "04", "other": "07"}
AMORTIZATION = {"fixed": "05", "adjustable": "01"}
PURPOSE = {"purchase": "16", "refinance": "05", "other": "15"}
REFINANCE_PURPOSE = {"rate_term_refinance": "F1", "cash_out_refinance": "11"}
CASH_OUT_CODES = {"01", "04", "11"}  # cash-out: debt consolidation, home improvement, other
PROPERTY_USE = {"primary": "1", "second_home": "2", "investment": "D"}
MARITAL = {"married": "M", "separated": "S", "unmarried": "U"}
CITIZENSHIP = {"us_citizen": "01", "permanent_resident": "03", "non_permanent_resident": "05"}
INCOME_TYPE = {
    "base": "20", "overtime": "09", "bonus": "08", "commissions": "10", "dividends_interest": "17",
    "net_rental": "33", "military_base_pay": "F1", "social_security": "35", "pension": "41",
    "va_benefits": "36", "disability": "M1", "other": "45",
}  # fmt: skip
ASSET_TYPE = {
    "checking": "03", "savings": "SG", "certificate_of_deposit": "01", "money_market": "MM", "mutual_fund": "MF",
    "stock": "05", "bond": "06", "retirement": "F3", "trust": "TR", "life_insurance": "F4", "cash_on_hand": "COH",
    "gift": "GF", "other": "OL",
}  # fmt: skip
LIABILITY_TYPE = {
    "installment": "I", "mortgage": "M", "revolving": "R", "open_30_day": "O", "lease": "N", "heloc": "H",
    "collection": "C", "other": "Z",
}  # fmt: skip
# 08A a-i (legacy 1003 section VIII) -> FirstCall's declaration names (URLA 2021 Section 5 wording).
DECLARATION_FIELDS = {
    "08A-030": "outstanding_judgments",
    "08A-040": "bankruptcy",
    "08A-050": "foreclosure",
    "08A-060": "party_to_lawsuit",
    "08A-080": "presently_delinquent",
    "08A-100": "undisclosed_borrowed_funds",
    "08A-110": "comaker_of_note",
    "08A-130": "intent_to_occupy",
    "08A-140": "homeowner_past_three_years",
}
ADS_PREFIX = "FirstCall:"


def _reverse(table: dict) -> dict:
    return {value: key for key, value in table.items()}


def placeholder_ssn(index: int) -> str:
    return f"{index + 1:09d}"


# ------------------------------------------------------------------------------------------------ writing


def _format(field: Field, value) -> str:
    if value is None or value == "":
        return " " * field.width
    if field.kind == "N":
        text = f"{Decimal(value).quantize(CENT):.2f}".rjust(field.width)
    elif field.kind == "R":
        text = f"{Decimal(value):.3f}".rjust(field.width)
    elif field.kind == "I":
        text = str(int(value)).rjust(field.width)
    elif field.kind == "D":
        text = value.strftime("%Y%m%d") if hasattr(value, "strftime") else str(value)
    else:
        text = str(value).replace("\r", " ").replace("\n", " ").ljust(field.width)
    if len(text) > field.width:
        if field.kind in ("N", "R", "I"):
            raise ValueError(f"{field.id} ({field.name}) {value} does not fit in {field.width} characters")
        text = text[: field.width]
    return text


def _line(record_id: str, values: dict) -> str:
    return "".join(
        _format(field, record_id if field.id.endswith("-010") else values.get(field.id.rsplit("-", 1)[1]))
        for field in RECORDS[record_id]
    )


def export_fnm(application: dict, *, created_at: datetime | None = None) -> str:
    created_at = created_at or datetime.now(UTC)
    loan, prop, extra = application["loan"], application["property"], application.get("lead") or {}
    purpose = loan.get("purpose") or ""
    lines = [
        _line("EH", {"040": created_at.strftime("%Y%m%d"), "050": "ENV1"}),
        _line("TH", {"020": TRANSACTION_ID, "030": "TRAN1"}),
        _line("TPI", {"020": "1.00", "030": "01", "050": "N"}),
        _line("000", {"020": "1", "030": VERSION, "040": "W"}),
        _line("00A", {}),
        _line("01A", {
            "020": MORTGAGE_TYPE.get(loan.get("mortgage_type") or ""),
            "040": loan.get("agency_case_number"), "050": loan.get("loan_number"), "060": loan.get("amount"),
            "070": loan.get("interest_rate"), "080": loan.get("term_months"),
            "090": AMORTIZATION.get(loan.get("amortization") or ""),
        }),
        _line("02A", {
            "020": prop.get("street"), "030": prop.get("city"), "040": prop.get("state"), "050": prop.get("zip"),
            "070": prop.get("units") or (1 if prop.get("type") and prop.get("type") != "multi_family" else None),
            "100": prop.get("year_built"),
        }),
        _line("02B", {
            "030": {"purchase": PURPOSE["purchase"], "rate_term_refinance": PURPOSE["refinance"],
                    "cash_out_refinance": PURPOSE["refinance"], "heloc": PURPOSE["other"]}.get(purpose),
            "040": "HELOC" if purpose == "heloc" else None,
            "050": PROPERTY_USE.get(prop.get("use") or ""),
        }),
    ]  # fmt: skip
    if purpose in REFINANCE_PURPOSE or prop.get("existing_lien_balance") is not None:
        lines.append(
            _line("02D", {"040": prop.get("existing_lien_balance"), "070": REFINANCE_PURPOSE.get(purpose)})
        )
    if application.get("down_payment") is not None:
        lines.append(_line("02E", {"020": "H3", "030": application["down_payment"]}))  # H3: checking/savings
    borrowers = application["borrowers"]
    for index, borrower in enumerate(borrowers):
        lines.extend(_borrower_lines(borrower, index, len(borrowers)))
    for asset in application["assets"]:
        owner = (asset.get("borrowers") or [0])[0]
        lines.append(_line("06C", {
            "020": placeholder_ssn(owner), "030": ASSET_TYPE.get(asset.get("type") or "", "OL"),
            "040": asset.get("institution"), "100": asset.get("account_number"), "110": asset.get("value"),
        }))  # fmt: skip
    for liability in application["liabilities"]:
        owner = (liability.get("borrowers") or [0])[0]
        lines.append(_line("06L", {
            "020": placeholder_ssn(owner), "030": LIABILITY_TYPE.get(liability.get("type") or "", "Z"),
            "040": liability.get("creditor"), "100": liability.get("account_number"),
            "110": liability.get("monthly_payment"), "120": liability.get("months_left"),
            "130": liability.get("unpaid_balance"), "140": "Y" if liability.get("paid_off") else "N",
        }))  # fmt: skip
    if prop.get("purchase_price") is not None:
        lines.append(_line("07A", {"020": prop["purchase_price"]}))
    for index, borrower in enumerate(borrowers):
        lines.append(_declarations_line(borrower, index))
    officer, lender = application["loan_officer"], application["lender"]
    if officer.get("name") or lender.get("name"):
        lines.append(_line("10B", {
            "030": officer.get("name"), "050": ten_digit_phone(officer.get("phone", "")), "060": lender.get("name"),
            "070": lender.get("street"), "090": lender.get("city"), "100": lender.get("state"), "110": lender.get("zip"),
        }))  # fmt: skip
    if prop.get("value") is not None:
        lines.append(_line("99B", {"040": prop["value"]}))
    ads = []
    if officer.get("nmls_id"):
        ads.append(("LoanOriginatorID", officer["nmls_id"]))
    if lender.get("nmls_id"):
        ads.append(("LoanOriginationCompanyID", lender["nmls_id"]))
    # What the 1003 3.2 layout has no field for, in Additional Data Segments so it comes back.
    if officer.get("email"):
        ads.append((ADS_PREFIX + "loan_officer_email", officer["email"]))
    if prop.get("type"):
        ads.append((ADS_PREFIX + "property_type", prop["type"]))
    if prop.get("county"):
        ads.append((ADS_PREFIX + "property_county", prop["county"]))
    for index, borrower in enumerate(borrowers):
        for number, phone in enumerate(borrower.get("other_phones") or []):
            ads.append((f"{ADS_PREFIX}other_phone.{index}.{number}", phone))
        for number, employer in enumerate(borrower.get("employers") or []):
            if employer.get("start_date"):
                ads.append((f"{ADS_PREFIX}employment_start.{index}.{number}", employer["start_date"].isoformat()
                            if hasattr(employer["start_date"], "isoformat") else employer["start_date"]))  # fmt: skip
    for key in LEAD_EXTRA_FIELDS:
        value = extra.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        ads.append((ADS_PREFIX + key, f"{value:.2f}" if isinstance(value, Decimal) else str(value)))
    lines.extend(_line("ADS", {"020": name, "030": value}) for name, value in ads)
    lines.append(_line("TT", {"020": "TRAN1"}))
    lines.append(_line("ET", {"020": "ENV1"}))
    return "\r\n".join(lines) + "\r\n"


def _borrower_lines(borrower: dict, index: int, count: int) -> list[str]:
    ssn = placeholder_ssn(index)
    partner = index + 1 if index % 2 == 0 else index - 1
    joint = partner < count
    lines = [_line("03A", {
        "020": "BW" if index % 2 == 0 else "QZ", "030": ssn, "040": borrower.get("first_name"),
        "050": borrower.get("middle_name"), "060": borrower.get("last_name"), "070": borrower.get("suffix"),
        "080": ten_digit_phone(borrower.get("phone", "")), "110": MARITAL.get(borrower.get("marital_status") or ""),
        "120": borrower.get("dependents"), "130": "Y" if joint else "N",
        "140": placeholder_ssn(partner) if joint else None, "150": borrower.get("birth_date"),
        "160": borrower.get("email"),
    })]  # fmt: skip
    address = borrower.get("current_address") or {}
    if any(address.values()):
        lines.append(_line("03C", {"020": ssn, "030": "ZG", "040": address.get("street"), "050": address.get("city"),
                                   "060": address.get("state"), "070": address.get("zip")}))  # fmt: skip
    for number, employer in enumerate(borrower.get("employers") or []):
        common = {
            "020": ssn, "030": employer.get("name"), "040": employer.get("street"), "050": employer.get("city"),
            "060": employer.get("state"), "070": employer.get("zip"),
            "090": "Y" if employer.get("self_employed") else "N",
        }  # fmt: skip
        if number == 0:
            lines.append(_line("04A", {**common, "120": employer.get("years_in_line_of_work"),
                                       "130": employer.get("position"),
                                       "140": ten_digit_phone(employer.get("phone", ""))}))  # fmt: skip
        else:
            lines.append(_line("04B", {**common, "100": "Y", "140": employer.get("position"),
                                       "150": ten_digit_phone(employer.get("phone", ""))}))  # fmt: skip
    for income in borrower.get("incomes") or []:
        lines.append(_line("05I", {"020": ssn, "030": INCOME_TYPE.get(income.get("type") or "", "45"),
                                   "040": income.get("monthly_amount")}))  # fmt: skip
    return lines


def _declarations_line(borrower: dict, index: int) -> str:
    declarations = dict(borrower.get("declarations") or {})
    if "homeowner_past_three_years" not in declarations and borrower.get("first_time_buyer") is not None:
        declarations["homeowner_past_three_years"] = not borrower["first_time_buyer"]
    values = {"020": placeholder_ssn(index), "120": CITIZENSHIP.get(borrower.get("citizenship") or "")}
    for field_id, name in DECLARATION_FIELDS.items():
        if declarations.get(name) is not None:
            values[field_id.split("-")[1]] = "Y" if declarations[name] else "N"
    return _line("08A", values)


# ------------------------------------------------------------------------------------------------ reading


class NotFnm(ValueError):
    """Not a 1003 3.2 flat file, or a line that cannot be read (truncated): `line` says where."""


@dataclass
class FnmImport:
    application: dict
    unplaced: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# A line must reach at least the end of these fields (keys and numbers that cannot be cut short).
REQUIRED_THROUGH = {
    "000": "000-030", "01A": "01A-020", "03A": "03A-030", "03C": "03C-030", "04A": "04A-020", "04B": "04B-020",
    "05I": "05I-040", "06C": "06C-030", "06L": "06L-030", "08A": "08A-020", "ADS": "ADS-020",
}  # fmt: skip


def _split(line_number: int, record_id: str, line: str) -> tuple[dict, str]:
    """Field id suffix -> raw text; raises NotFnm for a truncated line. Returns the text past the layout too."""
    fields = RECORDS[record_id]
    values, position = {}, 0
    required = REQUIRED_THROUGH.get(record_id)
    for item in fields:
        end = position + item.width
        raw = line[position:end]
        if len(line) < end and raw.strip() and item.kind in ("N", "R", "I", "D"):
            raise NotFnm(f"line {line_number} ({record_id}) is truncated inside {item.id} ({item.name})")
        values[item.id.split("-")[1]] = raw
        if item.id == required and len(line) < end:
            raise NotFnm(
                f"line {line_number} ({record_id}) is truncated: it ends before {item.id} ({item.name})"
            )
        position = end
    return values, line[position:]


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.unplaced: list[str] = []
        self.problems: list[str] = []
        self.application = empty_application()
        self.borrower_by_key: dict[str, int] = {}

    def read(self) -> FnmImport:
        lines = self.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            raise NotFnm("The file is empty.")
        ids = [record_id_of(line) for line in lines]
        if "000" not in ids:
            raise NotFnm(
                "This is not a Fannie Mae 1003 flat file: it has no 000 (file identification) record."
            )
        parsed = []
        for number, (record_id, line) in enumerate(zip(ids, lines, strict=True), start=1):
            if not line.strip():
                continue
            if record_id not in RECORDS:
                where = f"line {number} {record_id}"
                if record_id in OTHER_KNOWN_RECORDS:
                    self.unplaced.append(where)
                else:
                    self.problems.append(
                        f"line {number}: record type {record_id!r} is not in the 1003 3.2 layout"
                    )
                    self.unplaced.append(where)
                continue
            values, rest = _split(number, record_id, line)
            if rest.strip():
                self.problems.append(f"line {number} ({record_id}) is longer than its layout")
                self.unplaced.append(f"line {number} {record_id} past column {len(line) - len(rest)}")
            parsed.append((number, record_id, values))
        file_id = next(values for _, record_id, values in parsed if record_id == "000")
        if file_id["030"].strip() != VERSION:
            raise NotFnm(f"000-030 version is {file_id['030'].strip()!r}; this reader takes {VERSION}.")
        self.used: set[tuple[int, str]] = set()
        for number, record_id, values in parsed:
            if record_id == "03A":
                self._applicant(number, values)
        for number, record_id, values in parsed:
            handler = getattr(self, f"_record_{record_id}", None)
            if handler is not None and record_id != "03A":
                handler(number, values)
            elif record_id in ("EH", "TH", "TPI", "000", "00A", "TT", "ET"):
                self.used.update((number, key) for key in values)
        for number, record_id, values in parsed:
            for key, raw in values.items():
                if key != "010" and raw.strip() and (number, key) not in self.used:
                    self.unplaced.append(f"line {number} {record_id}-{key}")
        self._derive()
        return FnmImport(self.application, self.unplaced, self.problems)

    # -- values -----------------------------------------------------------------------------------------

    def take(self, number: int, values: dict, key: str) -> str:
        raw = values.get(key, "").strip()
        if raw:
            self.used.add((number, key))
        return raw

    def amount(self, number, values, key, record_id) -> Decimal | None:
        raw = self.take(number, values, key)
        if not raw:
            return None
        try:
            return money(raw)
        except ValueError:
            self.used.discard((number, key))
            self.problems.append(f"line {number} {record_id}-{key} '{raw}' is not an amount")
            return None

    def whole(self, number, values, key, record_id) -> int | None:
        raw = self.take(number, values, key)
        if not raw:
            return None
        if not raw.isdigit():
            self.used.discard((number, key))
            self.problems.append(f"line {number} {record_id}-{key} '{raw}' is not a whole number")
            return None
        return int(raw)

    def day(self, number, values, key, record_id) -> date | None:
        raw = self.take(number, values, key)
        if not raw:
            return None
        try:
            return datetime.strptime(raw, "%Y%m%d").date()
        except ValueError:
            self.used.discard((number, key))
            self.problems.append(f"line {number} {record_id}-{key} '{raw}' is not a date (CCYYMMDD)")
            return None

    def code(self, number, values, key, record_id, table: dict) -> str:
        raw = self.take(number, values, key)
        if not raw:
            return ""
        reverse = _reverse(table)
        if raw not in reverse:
            self.used.discard((number, key))
            self.problems.append(f"line {number} {record_id}-{key} code {raw!r} is not one FirstCall knows")
            return ""
        return reverse[raw]

    def yes_no(self, number, values, key) -> bool | None:
        raw = self.take(number, values, key)
        return {"Y": True, "N": False}.get(raw)

    def borrower_for(self, number, values, record_id) -> dict | None:
        key = values.get("020", "").strip()
        index = self.borrower_by_key.get(key)
        if index is None:
            self.problems.append(
                f"line {number} ({record_id}) names applicant {_mask(key)} that has no 03A record"
            )
            return None
        self.used.add((number, "020"))
        return self.application["borrowers"][index]

    # -- records ----------------------------------------------------------------------------------------

    def _applicant(self, number, values):
        borrower = empty_borrower()
        key = values["030"].strip()
        self.borrower_by_key[key] = len(self.application["borrowers"])
        self.used.add((number, "020"))
        if key.startswith("00000"):
            self.used.add((number, "030"))  # FirstCall's placeholder, not an SSN
        borrower["first_name"] = self.take(number, values, "040")
        borrower["middle_name"] = self.take(number, values, "050")
        borrower["last_name"] = self.take(number, values, "060")
        borrower["suffix"] = self.take(number, values, "070")
        phone = self.take(number, values, "080")
        borrower["phone"] = e164_phone(phone) if phone else ""
        borrower["marital_status"] = self.code(number, values, "110", "03A", MARITAL)
        borrower["dependents"] = self.whole(number, values, "120", "03A")
        self.take(number, values, "130")
        cross_reference = values["140"].strip()
        if cross_reference.startswith("00000"):
            self.used.add((number, "140"))
        borrower["birth_date"] = self.day(number, values, "150", "03A")
        borrower["email"] = self.take(number, values, "160")
        self.application["borrowers"].append(borrower)

    def _record_01A(self, number, values):
        loan = self.application["loan"]
        loan["mortgage_type"] = self.code(number, values, "020", "01A", MORTGAGE_TYPE)
        loan["agency_case_number"] = self.take(number, values, "040")
        loan["loan_number"] = self.take(number, values, "050")
        loan["amount"] = self.amount(number, values, "060", "01A")
        rate = self.take(number, values, "070")
        if rate:
            try:
                loan["interest_rate"] = Decimal(rate)
            except InvalidOperation:
                self.used.discard((number, "070"))
                self.problems.append(f"line {number} 01A-070 '{rate}' is not a rate")
        loan["term_months"] = self.whole(number, values, "080", "01A")
        loan["amortization"] = self.code(number, values, "090", "01A", AMORTIZATION)

    def _record_02A(self, number, values):
        prop = self.application["property"]
        prop["street"] = self.take(number, values, "020")
        prop["city"] = self.take(number, values, "030")
        prop["state"] = self.take(number, values, "040")
        prop["zip"] = self.take(number, values, "050")
        prop["units"] = self.whole(number, values, "070", "02A")
        prop["year_built"] = self.whole(number, values, "100", "02A")

    def _record_02B(self, number, values):
        code = self.take(number, values, "030")
        explanation = self.take(number, values, "040")
        loan = self.application["loan"]
        if code == PURPOSE["purchase"]:
            loan["purpose"] = "purchase"
        elif code == PURPOSE["refinance"]:
            loan.setdefault("purpose", "rate_term_refinance")
        elif code == PURPOSE["other"] and explanation.upper() == "HELOC":
            loan["purpose"] = "heloc"
        elif code:
            self.used.discard((number, "030"))
            self.used.discard((number, "040"))
            self.problems.append(f"line {number} 02B-030 purpose {code!r} has no FirstCall equivalent")
        self.application["property"]["use"] = self.code(number, values, "050", "02B", PROPERTY_USE)

    def _record_02D(self, number, values):
        self.application["property"]["existing_lien_balance"] = self.amount(number, values, "040", "02D")
        code = self.take(number, values, "070")
        if code in CASH_OUT_CODES:
            self.application["loan"]["purpose"] = "cash_out_refinance"
        elif code in ("F1", "13"):
            self.application["loan"]["purpose"] = "rate_term_refinance"
        elif code:
            self.used.discard((number, "070"))
            self.problems.append(
                f"line {number} 02D-070 refinance purpose {code!r} is not one FirstCall knows"
            )

    def _record_02E(self, number, values):
        self.take(number, values, "020")
        amount = self.amount(number, values, "030", "02E")
        if amount is not None:
            self.application["down_payment"] = (self.application["down_payment"] or Decimal("0.00")) + amount

    def _record_03C(self, number, values):
        borrower = self.borrower_for(number, values, "03C")
        if borrower is None or self.take(number, values, "030") != "ZG":
            self.used.discard((number, "030"))
            return
        borrower["current_address"] = {
            key: self.take(number, values, column)
            for key, column in (("street", "040"), ("city", "050"), ("state", "060"), ("zip", "070"))
            if values.get(column, "").strip()
        }

    def _employer(self, number, values, record_id, position_key, phone_key) -> dict:
        phone = self.take(number, values, phone_key)
        employer = {
            "name": self.take(number, values, "030"),
            "street": self.take(number, values, "040"),
            "city": self.take(number, values, "050"),
            "state": self.take(number, values, "060"),
            "zip": self.take(number, values, "070"),
            "self_employed": self.yes_no(number, values, "090") is True,
            "position": self.take(number, values, position_key),
            "phone": e164_phone(phone) if phone else "",
            "start_date": None,
            "years_in_line_of_work": None,
        }
        return employer

    def _record_04A(self, number, values):
        borrower = self.borrower_for(number, values, "04A")
        if borrower is None:
            return
        employer = self._employer(number, values, "04A", "130", "140")
        employer["years_in_line_of_work"] = self.whole(number, values, "120", "04A")
        borrower["employers"].insert(0, employer)
        for income in borrower["incomes"]:
            if income["employer"] is not None:
                income["employer"] += 1

    def _record_04B(self, number, values):
        borrower = self.borrower_for(number, values, "04B")
        if borrower is None:
            return
        if self.take(number, values, "100") != "Y":
            self.used.discard((number, "100"))
            return  # previous employment: FirstCall keeps current employers only; the line is reported
        borrower["employers"].append(self._employer(number, values, "04B", "140", "150"))

    def _record_05I(self, number, values):
        borrower = self.borrower_for(number, values, "05I")
        if borrower is None:
            return
        kind = self.code(number, values, "030", "05I", INCOME_TYPE) or "other"
        employment = kind in ("base", "overtime", "bonus", "commissions")
        borrower["incomes"].append({"type": kind, "monthly_amount": self.amount(number, values, "040", "05I"),
                                    "employer": 0 if employment else None})  # fmt: skip

    def _record_06C(self, number, values):
        borrower = self.borrower_for(number, values, "06C")
        if borrower is None:
            return
        self.application["assets"].append({
            "type": self.code(number, values, "030", "06C", ASSET_TYPE) or "other", "mismo_type": "",
            "institution": self.take(number, values, "040"), "account_number": self.take(number, values, "100"),
            "value": self.amount(number, values, "110", "06C"),
            "borrowers": [self.application["borrowers"].index(borrower)],
        })  # fmt: skip

    def _record_06L(self, number, values):
        borrower = self.borrower_for(number, values, "06L")
        if borrower is None:
            return
        self.application["liabilities"].append({
            "type": self.code(number, values, "030", "06L", LIABILITY_TYPE) or "other",
            "creditor": self.take(number, values, "040"), "account_number": self.take(number, values, "100"),
            "monthly_payment": self.amount(number, values, "110", "06L"),
            "unpaid_balance": self.amount(number, values, "130", "06L"),
            "months_left": self.whole(number, values, "120", "06L"),
            "paid_off": self.yes_no(number, values, "140") is True,
            "borrowers": [self.application["borrowers"].index(borrower)],
        })  # fmt: skip

    def _record_07A(self, number, values):
        self.application["property"]["purchase_price"] = self.amount(number, values, "020", "07A")

    def _record_08A(self, number, values):
        borrower = self.borrower_for(number, values, "08A")
        if borrower is None:
            return
        for field_id, name in DECLARATION_FIELDS.items():
            answer = self.yes_no(number, values, field_id.split("-")[1])
            if answer is not None:
                borrower["declarations"][name] = answer
        borrower["citizenship"] = self.code(number, values, "120", "08A", CITIZENSHIP)
        if "homeowner_past_three_years" in borrower["declarations"]:
            borrower["first_time_buyer"] = not borrower["declarations"]["homeowner_past_three_years"]

    def _record_10B(self, number, values):
        officer, lender = self.application["loan_officer"], self.application["lender"]
        officer["name"] = self.take(number, values, "030")
        first, _, last = officer["name"].partition(" ")
        officer["first_name"], officer["last_name"] = first, last
        phone = self.take(number, values, "050")
        officer["phone"] = e164_phone(phone) if phone else ""
        lender["name"] = self.take(number, values, "060")
        for key, column in (("street", "070"), ("city", "090"), ("state", "100"), ("zip", "110")):
            if values.get(column, "").strip():
                lender[key] = self.take(number, values, column)

    def _record_99B(self, number, values):
        self.application["property"]["value"] = self.amount(number, values, "040", "99B")

    def _record_ADS(self, number, values):  # noqa: N802 - the record's id
        name, value = values["020"].strip(), values["030"].strip()
        application = self.application
        if name == "LoanOriginatorID":
            application["loan_officer"]["nmls_id"] = value
        elif name == "LoanOriginationCompanyID":
            application["lender"]["nmls_id"] = value
        elif name == ADS_PREFIX + "loan_officer_email":
            application["loan_officer"]["email"] = value
        elif name == ADS_PREFIX + "property_type":
            application["property"]["type"] = value
        elif name == ADS_PREFIX + "property_county":
            application["property"]["county"] = value
        elif name.startswith(ADS_PREFIX + "other_phone."):
            index = int(name.split(".")[1])
            if index < len(application["borrowers"]):
                application["borrowers"][index]["other_phones"].append(value)
        elif name.startswith(ADS_PREFIX + "employment_start."):
            _, index, employer = name.split(".")
            employers = application["borrowers"][int(index)]["employers"] if int(index) < len(
                application["borrowers"]) else []  # fmt: skip
            if int(employer) < len(employers):
                employers[int(employer)]["start_date"] = date.fromisoformat(value)
        elif name.startswith(ADS_PREFIX) and name[len(ADS_PREFIX) :] in LEAD_EXTRA_FIELDS:
            key = name[len(ADS_PREFIX) :]
            if key in LEAD_EXTRA_MONEY:
                application["lead"][key] = money(value)
            elif key in LEAD_EXTRA_INTEGERS:
                application["lead"][key] = int(value)
            elif key in LEAD_EXTRA_BOOLEANS:
                application["lead"][key] = value == "true"
            else:
                application["lead"][key] = value
        else:
            return
        self.used.update({(number, "020"), (number, "030")})

    def _derive(self):
        application, extra = self.application, self.application["lead"]
        if not application["property"].get("type") and application["property"].get("units"):
            units = application["property"]["units"]
            application["property"]["type"] = "multi_family" if units > 1 else ""
        if "annual_income" not in extra and total_monthly_income(application) is not None:
            extra["annual_income"] = total_monthly_income(application) * 12
        if "monthly_debts" not in extra and total_monthly_debts(application) is not None:
            extra["monthly_debts"] = total_monthly_debts(application)
        if "loan_type" not in extra and application["loan"].get("mortgage_type") not in (None, "", "other"):
            extra["loan_type"] = application["loan"]["mortgage_type"]
        borrowers = application["borrowers"]
        if "first_time_buyer" not in extra and borrowers and borrowers[0].get("first_time_buyer") is not None:
            extra["first_time_buyer"] = borrowers[0]["first_time_buyer"]
        if "employment_type" not in extra and borrowers and borrowers[0]["employers"]:
            extra["employment_type"] = (
                "self_employed" if borrowers[0]["employers"][0]["self_employed"] else "w2"
            )


def _mask(key: str) -> str:
    return "*****" + key[-4:] if len(key) >= 4 else key


def read_fnm(data: bytes | str) -> FnmImport:
    if isinstance(data, bytes):
        if b"\x00" in data:
            raise NotFnm("This is a binary file, not a Fannie Mae 1003 flat file.")
        text = data.decode("latin-1")  # the 3.2 layout is ASCII; latin-1 never fails and keeps columns
    else:
        text = data
    return _Reader(text).read()
