"""Fields of each document type, found by their printed labels and the values beside or below them.

Every field carries its value, a confidence (0-1), the page, the box of the words it was read from and how it
was read. Confidence starts from how the words were read (a PDF's text layer is exact; OCR carries
Tesseract's own word confidence) and how closely the label matched; the checks then raise the fields they
corroborate (see `checks.py`).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from . import classification as types
from .layout import Found, Layout, Match, normalise, parse_date, parse_money
from .model import METHOD_FORM_FIELD, METHOD_OCR, Field, Page

YEAR = re.compile(r"^(?:19|20)\d{2}$")
EIN = re.compile(r"^\d{2}-?\d{7}$")
SSN = re.compile(r"^(?:\d{3}|[xX*•]{3})[- ]?(?:\d{2}|[xX*•]{2})[- ]?(\d{4})$")
BOX12_CODE = re.compile(r"^(?:[A-HJ-NP-Z]|AA|BB|DD|EE|FF|GG|HH)$")
ACCOUNT = re.compile(r"^[xX*•#.\-\d]*(\d{4})$")
LOOSE_MONEY = re.compile(r"^\(?-?\$?\d{1,3}(?:,\d{3})+\.?\)?$|^\(?-?\$?\d+\.\d{2}\)?$|^\$?\d{3,}\.$")


def money_loose(text: str) -> Decimal | None:
    """Amounts on tax forms, which print whole dollars ("75,000." or "75,000") as often as cents."""
    strict = parse_money(text)
    if strict is not None:
        return strict
    cleaned = text.strip().replace(" ", "")
    if not LOOSE_MONEY.match(cleaned):
        return None
    negative = cleaned.startswith("(") or cleaned.startswith("-")
    amount = Decimal(re.sub(r"[^\d]", "", cleaned.rstrip(".")) or "0")
    return -amount if negative else amount


class Extractor:
    def __init__(self, pages: list[Page]):
        self.pages = pages
        self.layout = Layout(pages)
        self.fields: dict[str, Field] = {}
        self.method_of_page = {page.number: page.method for page in pages}

    # --- recording ------------------------------------------------------------------------------------

    def confidence(self, found: Found) -> float:
        label = 0.75 + 0.25 * found.label_score
        if self.method_of_page[found.page] == METHOD_OCR:
            # Tesseract's word confidence, capped below 0.9: OCR alone is never "sure"; a check can raise it.
            return round(min(0.88, (0.45 + 0.45 * found.word_confidence) * label), 3)
        return round(0.97 * label, 3)

    def put(self, name: str, found: Found | None, value=None, confidence: float | None = None) -> None:
        if found is None or name in self.fields:
            return
        self.fields[name] = Field(
            found.value if value is None else value,
            self.confidence(found) if confidence is None else confidence,
            found.page,
            found.bbox,
            self.method_of_page[found.page],
        )

    def put_form_field(self, name: str, value, page: int) -> None:
        self.fields[name] = Field(value, 0.99, page, None, METHOD_FORM_FIELD)

    # --- generic finders -------------------------------------------------------------------------------

    def labelled(self, phrases, parser, *, pages=None, below=True, right=True, max_words=3) -> Found | None:
        for match in self.layout.find_labels(phrases, pages):
            if right:
                found = self.layout.right_of(match, parser, max_words=max_words)
                if found is not None and self._same_cell_or_next(match, found):
                    return found
            if below:
                found = self.layout.below(match, parser)
                if found is not None:
                    return found
        return None

    def _same_cell_or_next(self, match: Match, found: Found) -> bool:
        # A value further along the label's line is its value unless other words stand between them (then it
        # belongs to the next label on the line).
        line = self.layout.lines[match.page][match.line_index]
        between = [w for w in line.words[match.end :] if w.x1 <= found.words[0].x0]
        return not any(re.search(r"[A-Za-z]{2}", w.text) for w in between)

    def labelled_text(self, phrases, *, pages=None, below=True, right=True) -> Found | None:
        """A name or other text after its label: right of it after a colon, else under it (a box or a column
        heading), else right of it across a gap (a two-column table)."""
        for match in self.layout.find_labels(phrases, pages):
            beside = self.layout.text_right_of(match) if right else None
            if beside is not None and not (
                _is_value_after_label(match, beside, self.layout.page_width[match.page])
                and _name_text(beside.value)
            ):
                beside = None
            if beside is not None and match.words[-1].text.endswith(":"):
                return beside
            under = self.layout.below(match, _name_text, cell_text=True) if below else None
            if under is not None:
                return under
            if beside is not None:
                return beside
        return None

    def last_money_on_line(self, phrases, *, pages=None) -> Found | None:
        # Tax-form lines differ by a word or two ("total income", "total tax"): compare OCR text strictly.
        for match in self.layout.find_labels(phrases, pages, fuzzy=0.93):
            values = self.layout.values_right_of(match, money_loose)
            if values:
                return values[-1]
        return None

    def pages_of(self, *kinds) -> list[int]:
        return [page.number for page in self.pages if page.document_type in kinds]


LABEL_WORDS = {"number", "ssn", "ein", "address", "zip", "name", "date", "period", "id", "code", "street"}


def _is_value_after_label(match: Match, found: Found, page_width: float) -> bool:
    """Text after a label is its value when a colon or a gap separates them; otherwise the label runs on
    ("PAYER'S name, street address, city or town") and the value is below it."""
    gap = found.words[0].x0 - match.x1
    if gap > page_width * 0.45:
        return False
    return match.words[-1].text.endswith(":") or gap > match.words[-1].height * 1.5


def _name_text(text: str):
    if text.rstrip().endswith(":"):
        return None
    text = text.strip(" :")
    if {normalise(part) for part in text.split()} & LABEL_WORDS:
        return None
    if not text or parse_money(text) is not None or parse_date(text) is not None:
        return None
    if not re.search(r"[A-Za-z]{2}", text):
        return None
    return text


def _frequency(text: str):
    flat = normalise(text)
    for key, value in (
        ("biweekly", "biweekly"),
        ("everyotherweek", "biweekly"),
        ("semimonthly", "semimonthly"),
        ("twiceamonth", "semimonthly"),
        ("weekly", "weekly"),
        ("monthly", "monthly"),
    ):
        if flat.startswith(key):
            return value
    return None


def _year(text: str):
    return int(text) if YEAR.match(text.strip()) else None


# --- W-2 -----------------------------------------------------------------------------------------------

W2_BOXES = {
    "w2.box1_wages": ["wages tips other compensation", "wages tips other comp", "box 1 wages"],
    "w2.box2_federal_tax": ["federal income tax withheld", "federal tax withheld"],
    "w2.box3_ss_wages": ["social security wages"],
    "w2.box4_ss_tax": ["social security tax withheld", "social security tax"],
    "w2.box5_medicare_wages": ["medicare wages and tips", "medicare wages"],
    "w2.box6_medicare_tax": ["medicare tax withheld", "medicare tax"],
    "w2.box16_state_wages": ["state wages tips etc", "state wages"],
}


def extract_w2(ex: Extractor) -> None:
    pages = ex.pages_of(types.W2) or None
    for name, phrases in W2_BOXES.items():
        ex.put(name, ex.labelled(phrases, parse_money, pages=pages, max_words=1))
    ex.put(
        "w2.employer_ein",
        ex.labelled(
            ["employer identification number", "employer id number", "employer ein", "ein", "fein"],
            lambda t: t if EIN.match(t.strip()) else None,
            pages=pages,
            max_words=1,
        ),
    )
    if "w2.employer_ein" in ex.fields:
        raw = ex.fields["w2.employer_ein"].value.replace("-", "")
        ex.fields["w2.employer_ein"].value = f"{raw[:2]}-{raw[2:]}"
    ssn = ex.labelled(
        ["employees social security number", "employee ssn", "social security number", "ssn"],
        lambda t: SSN.match(t.strip()).group(1) if SSN.match(t.strip()) else None,
        pages=pages,
        max_words=1,
    )
    ex.put("w2.employee_ssn_last4", ssn)
    ex.put(
        "w2.employer_name",
        ex.labelled_text(
            ["employers name address and zip code", "employers name", "employer name", "employer"],
            pages=pages,
        ),
    )
    _w2_employee(ex, pages)
    _w2_year(ex, pages)
    _w2_box12(ex, pages)


def _w2_employee(ex: Extractor, pages) -> None:
    for match in ex.layout.find_labels(
        ["employees first name and initial", "employees name", "employee name", "employee"], pages
    ):
        line = ex.layout.lines[match.page][match.line_index]
        rest = line.words[match.end :]
        last_label = ex.layout.find_labels(["last name"], [match.page])
        same_line_last = [m for m in last_label if m.line_index == match.line_index and m.x0 > match.x0]
        if same_line_last:
            # The IRS layout: first name and initial, then last name, in two cells under one heading line.
            suffix = [w for w in rest if normalise(w.text) in ("suff", "suffix")]
            right_edge = suffix[0].x0 - 1 if suffix else same_line_last[0].x1 + 200
            for below_line in ex.layout.lines_below(match, 2):
                words = [
                    w
                    for w in below_line.words
                    if match.x0 - 12 <= w.x0 < right_edge and parse_money(w.text) is None
                ]
                if words and _name_text(" ".join(w.text for w in words)):
                    ex.put(
                        "w2.employee_name",
                        Found(" ".join(w.text for w in words), words, match.page, match.score),
                    )
                    return
        found = ex.layout.text_right_of(match)
        if (
            found is not None
            and _name_text(found.value)
            and _is_value_after_label(match, found, ex.layout.page_width[match.page])
        ):
            ex.put("w2.employee_name", found)
            return
        found = ex.layout.below(match, _name_text, cell_text=True)
        if found is not None:
            ex.put("w2.employee_name", found)
            return


def _w2_year(ex: Extractor, pages) -> None:
    for match in ex.layout.find_labels(["wage and tax statement", "tax year", "form w-2", "w-2"], pages):
        line_index = match.line_index
        lines = ex.layout.lines[match.page]
        for nearby in lines[max(0, line_index - 2) : line_index + 3]:
            for word in nearby.words:
                year = _year(word.text)
                if year:
                    ex.put("w2.tax_year", Found(year, [word], match.page, match.score))
                    return


def _w2_box12(ex: Extractor, pages) -> None:
    entries = []
    seen = set()
    for number, lines in ex.layout.lines.items():
        if pages is not None and number not in pages:
            continue
        for line_index, line in enumerate(lines):
            for index, word in enumerate(line.words):
                if not re.match(r"^12[a-d]$", normalise(word.text)):
                    continue
                label = Match(number, line_index, index, index + 1, [word], 1.0)
                candidates = [line.words[index + 1 : index + 6]]
                for below_line in ex.layout.lines_below(label, 2):
                    candidates.append([w for w in below_line.words if word.x0 - 14 <= w.x0 < word.x0 + 170])
                for words in candidates:
                    pair = _code_and_amount(words)
                    if pair:
                        code_word, amount_word = pair
                        key = (code_word.text, amount_word.text, number)
                        if key not in seen:
                            seen.add(key)
                            entries.append((code_word, amount_word, number))
                        break
    if entries:
        words = [w for entry in entries for w in entry[:2]]
        value = [{"code": c.text.upper(), "amount": parse_money(a.text)} for c, a, _ in entries]
        found = Found(value, words, entries[0][2], 1.0)
        ex.put("w2.box12", found)


def _code_and_amount(words):
    for index, word in enumerate(words[:-1]):
        if BOX12_CODE.match(word.text.strip().upper()) and parse_money(words[index + 1].text) is not None:
            return word, words[index + 1]
    return None


# --- Pay stub ------------------------------------------------------------------------------------------

PRETAX_NAMES = (
    "401k",
    "401(k)",
    "403b",
    "403(b)",
    "457",
    "medical",
    "health",
    "dental",
    "vision",
    "hsa",
    "fsa",
    "section 125",
    "pretax",
    "pre-tax",
    "dependent care",
    "commuter",
)


def extract_paystub(ex: Extractor) -> None:
    pages = ex.pages_of(types.PAYSTUB) or None
    ex.put(
        "paystub.employee_name",
        ex.labelled_text(["employee name", "employee", "pay to the order of", "name"], pages=pages),
    )
    ex.put(
        "paystub.employer_name",
        ex.labelled_text(["employer name", "company name", "employer", "company"], pages=pages),
    )
    if "paystub.employer_name" not in ex.fields:
        _first_heading(
            ex,
            "paystub.employer_name",
            pages,
            skip=("earnings statement", "pay stub", "paystub", "pay statement", "statement of earnings"),
        )
    ex.put(
        "paystub.pay_date",
        ex.labelled(
            ["pay date", "check date", "payment date", "advice date", "date paid"], parse_date, pages=pages
        ),
    )
    start = ex.labelled(
        ["period beginning", "period begin", "period start", "pay period start", "period from", "start date"],
        parse_date,
        pages=pages,
    )
    end = ex.labelled(
        ["period ending", "period end", "pay period end", "period to", "end date"], parse_date, pages=pages
    )
    if start is None or end is None:
        both = _two_dates(ex, ["pay period", "period"], pages)
        if both:
            start, end = start or both[0], end or both[1]
    ex.put("paystub.period_start", start)
    ex.put("paystub.period_end", end)
    frequency = ex.labelled(["pay frequency", "frequency", "pay cycle"], _frequency, pages=pages)
    if frequency is not None:
        ex.put("paystub.pay_frequency", frequency)
    elif start is not None and end is not None:
        inferred = _frequency_from_period(start.value, end.value)
        if inferred:
            ex.put("paystub.pay_frequency", end, value=inferred, confidence=0.8)
    _columns_row(
        ex,
        ["gross pay", "total gross", "gross earnings", "total earnings", "gross wages", "gross"],
        "paystub.gross_current",
        "paystub.gross_ytd",
        pages,
    )
    _columns_row(
        ex, ["net pay", "net check", "net amount", "take home pay", "net"], "paystub.net_pay", None, pages
    )
    _regular_earnings(ex, pages)
    _pretax(ex, pages)


def _first_heading(ex: Extractor, name: str, pages, skip) -> None:
    number = (pages or [1])[0]
    for line in ex.layout.lines.get(number, [])[:4]:
        cell_words = []
        for word in line.words:
            if cell_words and word.x0 - cell_words[-1].x1 > word.height * 2.5:
                break
            cell_words.append(word)
        text = " ".join(w.text for w in cell_words)
        if any(phrase in text.lower() for phrase in skip) or not _name_text(text):
            continue
        found = Found(text, cell_words, number, 0.8)
        ex.put(name, found, confidence=round(ex.confidence(found) * 0.9, 3))
        return


def _two_dates(ex: Extractor, phrases, pages):
    for match in ex.layout.find_labels(phrases, pages):
        dates = _dates_in(ex.layout.lines[match.page][match.line_index].words[match.end :], match)
        if len(dates) < 2:
            for below_line in ex.layout.lines_below(match, 2):
                column = [w for w in below_line.words if w.x0 >= match.x0 - 12]
                dates = _dates_in(column, match)
                if len(dates) >= 2:
                    break
        if len(dates) >= 2:
            return dates[0], dates[1]
    return None


def _dates_in(words, match: Match) -> list[Found]:
    found = []
    index = 0
    while index < len(words):
        for size in (3, 1):
            chunk = words[index : index + size]
            if len(chunk) == size:
                value = parse_date(" ".join(w.text for w in chunk))
                if value is not None:
                    found.append(Found(value, chunk, match.page, match.score))
                    index += size
                    break
        else:
            index += 1
    return found


def _frequency_from_period(start: date, end: date) -> str | None:
    days = (end - start).days + 1
    if 6 <= days <= 7:
        return "weekly"
    if 13 <= days <= 14:
        return "biweekly"
    if 15 <= days <= 16:
        return "semimonthly"
    if 28 <= days <= 31:
        return "monthly"
    return None


def _column_headers(ex: Extractor, match: Match):
    """x-centres of the 'current' and 'year to date' column headings above a row, if the table has them."""
    current = ytd = None
    for line in reversed(ex.layout.lines[match.page][max(0, match.line_index - 12) : match.line_index]):
        for index, word in enumerate(line.words):
            flat = normalise(word.text)
            following = normalise(line.words[index + 1].text) if index + 1 < len(line.words) else ""
            if flat in ("current", "amount", "thisperiod") or (flat == "this" and following == "period"):
                current = current or (word.x0 + word.x1) / 2
            if flat in ("ytd", "yeartodate") or (flat == "year" and following.startswith("to")):
                ytd = ytd or (word.x0 + word.x1) / 2
        if current is not None and ytd is not None:
            return current, ytd
    return None


def _columns_row(ex: Extractor, phrases, current_name, ytd_name, pages) -> None:
    for match in ex.layout.find_labels(phrases, pages):
        values = ex.layout.values_right_of(match, parse_money)
        if not values:
            below = ex.layout.below(match, parse_money)
            if below is not None and current_name not in ex.fields:
                ex.put(current_name, below)
            continue
        headers = _column_headers(ex, match)
        if headers and len(values) >= 2 and ytd_name:
            current_x, ytd_x = headers
            by_current = min(values, key=lambda f: abs((f.bbox[0] + f.bbox[2]) / 2 - current_x))
            by_ytd = min(values, key=lambda f: abs((f.bbox[0] + f.bbox[2]) / 2 - ytd_x))
            ex.put(current_name, by_current)
            if by_ytd is not by_current:
                ex.put(ytd_name, by_ytd)
        else:
            ex.put(current_name, values[0])
            if ytd_name and len(values) >= 2:
                ex.put(ytd_name, values[-1])
        return


def _regular_earnings(ex: Extractor, pages) -> None:
    for match in ex.layout.find_labels(
        ["regular pay", "regular earnings", "regular", "salary", "hourly"], pages
    ):
        line = ex.layout.lines[match.page][match.line_index]
        numbers = []
        for word in line.words[match.end :]:
            text = word.text.replace("$", "").replace(",", "")
            if re.match(r"^\d+(?:\.\d{1,4})?$", text):
                numbers.append((Decimal(text), word))
        if len(numbers) < 3:
            continue
        headers = {}
        for header_line in reversed(
            ex.layout.lines[match.page][max(0, match.line_index - 6) : match.line_index]
        ):
            for word in header_line.words:
                flat = normalise(word.text)
                if flat in ("hours", "hrs", "units") and "hours" not in headers:
                    headers["hours"] = (word.x0 + word.x1) / 2
                if flat in ("rate", "payrate") and "rate" not in headers:
                    headers["rate"] = (word.x0 + word.x1) / 2
            if len(headers) == 2:
                break
        if len(headers) == 2:
            centre = lambda item: (item[1].x0 + item[1].x1) / 2  # noqa: E731
            hours = min(numbers, key=lambda item: abs(centre(item) - headers["hours"]))
            rate = min(numbers, key=lambda item: abs(centre(item) - headers["rate"]))
        else:
            rate, hours = numbers[0], numbers[1]
        if hours is rate:
            continue
        ex.put(
            "paystub.regular_hours",
            Found(hours[0].quantize(Decimal("0.01")), [hours[1]], match.page, match.score),
        )
        ex.put(
            "paystub.regular_rate",
            Found(
                rate[0].quantize(Decimal("0.0001")).normalize()
                if rate[0] != rate[0].to_integral()
                else rate[0].quantize(Decimal("0.01")),
                [rate[1]],
                match.page,
                match.score,
            ),
        )
        return


def _pretax(ex: Extractor, pages) -> None:
    rows = []
    words = []
    page = None
    for line in ex.layout.all_lines():
        if pages is not None and line.page not in pages:
            continue
        text = line.text.lower()
        if not any(name in text for name in PRETAX_NAMES):
            continue
        if "total" in text or "employer" in text:
            continue
        amounts = [(parse_money(w.text), w) for w in line.words]
        amounts = [(amount, word) for amount, word in amounts if amount is not None]
        if not amounts:
            continue
        first_amount_index = line.words.index(amounts[0][1])
        name = " ".join(w.text for w in line.words[:first_amount_index]).strip(" *:")
        if not name:
            continue
        rows.append({"name": name, "current": abs(amounts[0][0])})
        words.extend([line.words[0], amounts[0][1]])
        page = page or line.page
    if rows:
        ex.put("paystub.pretax_deductions", Found(rows, words, page, 1.0))


# --- Bank statement ------------------------------------------------------------------------------------


def extract_bank(ex: Extractor) -> None:
    pages = ex.pages_of(types.BANK_STATEMENT) or None
    for name, phrases in {
        "bank.beginning_balance": [
            "beginning balance",
            "opening balance",
            "previous balance",
            "balance last statement",
            "starting balance",
        ],
        "bank.ending_balance": ["ending balance", "closing balance", "new balance", "balance this statement"],
        "bank.total_deposits": [
            "total deposits and other credits",
            "deposits and other credits",
            "total deposits",
            "deposits credits",
            "total credits",
            "deposits and additions",
        ],
        "bank.total_withdrawals": [
            "total withdrawals and other debits",
            "withdrawals and other debits",
            "total withdrawals",
            "withdrawals debits",
            "total debits",
            "checks and withdrawals",
            "withdrawals and subtractions",
        ],
    }.items():
        ex.put(name, ex.labelled(phrases, parse_money, pages=pages, below=False, max_words=1))
    ex.put("bank.account_holders", _holder(ex, pages))
    account = ex.labelled(
        ["account number", "account no", "account #", "acct number", "acct no", "account"],
        lambda t: ACCOUNT.match(t.strip()).group(1) if ACCOUNT.match(t.strip()) else None,
        pages=pages,
        max_words=1,
    )
    ex.put("bank.account_last4", account)
    dates = _two_dates(ex, ["statement period", "for the period", "statement dates", "period"], pages)
    if dates:
        ex.put("bank.period_start", dates[0])
        ex.put("bank.period_end", dates[1])
    else:
        ex.put(
            "bank.period_start",
            ex.labelled(["beginning date", "start date", "from"], parse_date, pages=pages),
        )
        ex.put(
            "bank.period_end", ex.labelled(["ending date", "end date", "through"], parse_date, pages=pages)
        )
    _institution(ex, pages)
    _transactions(ex, pages)


def _holder(ex: Extractor, pages):
    found = ex.labelled_text(
        [
            "account holders",
            "account holder",
            "account owners",
            "account owner",
            "account name",
            "prepared for",
        ],
        pages=pages,
    )
    if found is None:
        return None
    names = [part.strip() for part in re.split(r"\s+(?:and|&)\s+|;", found.value) if part.strip()]
    return Found(names, found.words, found.page, found.label_score)


def _institution(ex: Extractor, pages) -> None:
    number = (pages or [1])[0]
    lines = ex.layout.lines.get(number, [])
    top = [line for line in lines if line.top < ex.pages[number - 1].height * 0.25]
    if not top:
        return
    tallest = max(top, key=lambda line: max(w.height for w in line.words))
    cell = []
    for word in tallest.words:
        if cell and word.x0 - cell[-1].x1 > word.height * 2:
            break
        cell.append(word)
    text = " ".join(w.text for w in cell)
    if _name_text(text):
        found = Found(text, cell, number, 0.85)
        ex.put("bank.institution", found, confidence=round(ex.confidence(found) * 0.92, 3))


DEPOSIT_HEADINGS = (
    "deposits",
    "credits",
    "deposits and other credits",
    "deposits and additions",
    "electronic deposits",
    "other credits",
)
WITHDRAWAL_HEADINGS = (
    "withdrawals",
    "debits",
    "checks",
    "withdrawals and other debits",
    "checks paid",
    "electronic withdrawals",
    "other debits",
    "withdrawals and subtractions",
    "fees",
)
NSF = re.compile(r"\b(?:nsf|insufficient funds|overdraft|od fee|returned item)\b")
SHORT_DATE = re.compile(r"^(\d{1,2})[/\-](\d{1,2})$")


def _transaction_date(text: str, year_hint: int | None, period_start: date | None):
    full = parse_date(text)
    if full is not None:
        return full
    match = SHORT_DATE.match(text.strip())
    if not match or year_hint is None:
        return None
    month, day = int(match.group(1)), int(match.group(2))
    year = year_hint
    if period_start is not None and month < period_start.month:
        year = period_start.year + 1  # a December-January statement
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _transactions(ex: Extractor, pages) -> None:
    period_start = ex.fields.get("bank.period_start")
    period_end = ex.fields.get("bank.period_end")
    start_date = period_start.value if period_start else None
    year_hint = start_date.year if start_date else (period_end.value.year if period_end else None)
    section = None
    columns: dict[str, float] = {}
    deposits, nsf, words, first_page = [], [], [], None
    for line in ex.layout.all_lines():
        if pages is not None and line.page not in pages:
            continue
        flat = " ".join(normalise(w.text) for w in line.words if normalise(w.text))
        amounts = [(parse_money(w.text), w) for w in line.words]
        amounts = [(a, w) for a, w in amounts if a is not None]
        if not amounts:
            heading = flat.replace(" continued", "").strip()
            if heading in DEPOSIT_HEADINGS or any(heading.startswith(h + " ") for h in DEPOSIT_HEADINGS):
                section, columns = "deposit", {}
            elif heading in WITHDRAWAL_HEADINGS or any(
                heading.startswith(h + " ") for h in WITHDRAWAL_HEADINGS
            ):
                section, columns = "withdrawal", {}
            elif heading.startswith("daily") or heading.startswith("summary"):
                section, columns = None, {}
            tokens = [normalise(w.text) for w in line.words]
            if "date" in tokens and any(
                t in tokens for t in ("deposits", "credits", "withdrawals", "debits", "amount")
            ):
                columns = {}
                for word in line.words:
                    token = normalise(word.text)
                    centre = (word.x0 + word.x1) / 2
                    if token in ("deposits", "credits", "deposit", "credit", "additions"):
                        columns["deposit"] = centre
                    elif token in ("withdrawals", "debits", "withdrawal", "debit", "subtractions"):
                        columns["withdrawal"] = centre
                    elif token == "balance":
                        columns["balance"] = centre
                    elif token == "amount":
                        columns["amount"] = centre
            continue
        when = _transaction_date(line.words[0].text, year_hint, start_date)
        if when is None:
            continue
        first_amount_index = line.words.index(amounts[0][1])
        description_words = line.words[1:first_amount_index]
        description = " ".join(w.text for w in description_words)
        amount, amount_word = amounts[0]
        kind = section
        if columns.get("deposit") is not None or columns.get("withdrawal") is not None:
            centre = (amount_word.x0 + amount_word.x1) / 2
            nearest = min(columns.items(), key=lambda item: abs(item[1] - centre))[0]
            kind = nearest if nearest in ("deposit", "withdrawal") else kind
        elif kind is None and "amount" in columns:
            kind = "withdrawal" if amount < 0 else "deposit"
        lowered = description.lower()
        if NSF.search(lowered):
            nsf.append({"date": when, "description": description, "amount": abs(amount)})
        if kind == "deposit":
            deposits.append({"date": when, "description": description, "amount": abs(amount)})
            words.extend([line.words[0], amount_word])
            first_page = first_page or line.page
    if deposits:
        ex.put("bank.deposits", Found(deposits, words, first_page, 1.0))
    if nsf or deposits:
        found = Found(nsf, words[:2] or [line.words[0]], first_page or 1, 1.0)
        ex.put("bank.nsf_events", found)


# --- Form 1040 and schedules ----------------------------------------------------------------------------

FILING_STATUSES = {
    "single": "single",
    "married filing jointly": "married_filing_jointly",
    "married filing separately": "married_filing_separately",
    "head of household": "head_of_household",
    "qualifying surviving spouse": "qualifying_surviving_spouse",
    "qualifying widow": "qualifying_surviving_spouse",
}
CHECK_MARKS = ("x", "☒", "✓", "✔", "■", "[x]", "(x)")


def extract_1040(ex: Extractor) -> None:
    form_pages = ex.pages_of(types.FORM_1040) or None
    for match in ex.layout.find_labels(["individual income tax return"], form_pages):
        lines = ex.layout.lines[match.page]
        for nearby in lines[max(0, match.line_index - 2) : match.line_index + 3]:
            for word in nearby.words:
                if _year(word.text):
                    ex.put("f1040.tax_year", Found(int(word.text), [word], match.page, match.score))
                    break
        if "f1040.tax_year" in ex.fields:
            break
    _filing_status(ex, form_pages)
    ex.put(
        "f1040.wages_1z", ex.last_money_on_line(["add lines 1a through 1h", "total wages"], pages=form_pages)
    )
    ex.put(
        "f1040.agi_11",
        ex.last_money_on_line(
            ["this is your adjusted gross income", "adjusted gross income"], pages=form_pages
        ),
    )
    ex.put(
        "f1040.taxable_income_15",
        ex.last_money_on_line(["this is your taxable income", "taxable income"], pages=form_pages),
    )
    ex.put(
        "f1040.total_tax_24", ex.last_money_on_line(["this is your total tax", "total tax"], pages=form_pages)
    )
    schedule_c = ex.pages_of(types.SCHEDULE_C)
    if schedule_c:
        ex.put("schedule_c.net_profit_31", ex.last_money_on_line(["net profit or loss"], pages=schedule_c))
        ex.put(
            "schedule_c.gross_receipts_1",
            ex.last_money_on_line(["gross receipts or sales"], pages=schedule_c),
        )
    schedule_e = ex.pages_of(types.SCHEDULE_E)
    if schedule_e:
        ex.put(
            "schedule_e.total_rental_26",
            ex.last_money_on_line(
                ["total rental real estate and royalty income or loss", "total rental real estate"],
                pages=schedule_e,
            ),
        )


def _filing_status(ex: Extractor, pages) -> None:
    for line in ex.layout.all_lines():
        if pages is not None and line.page not in pages:
            continue
        words = line.words
        for index, word in enumerate(words):
            if word.text.lower() not in CHECK_MARKS:
                continue
            following = " ".join(normalise(w.text) for w in words[index + 1 : index + 5])
            for phrase, value in FILING_STATUSES.items():
                if following.startswith(phrase):
                    ex.put(
                        "f1040.filing_status",
                        Found(value, words[index : index + 1 + len(phrase.split())], line.page, 1.0),
                    )
                    return


# --- 1099s and mortgage statements ---------------------------------------------------------------------


# The boxes read from each 1099, by the labels the IRS prints on Copy B (and payers' consolidated statements repeat).
F1099_BOXES = {
    types.F1099_NEC: [("f1099.nonemployee_compensation", ["nonemployee compensation"])],
    types.F1099_MISC: [
        ("f1099.rents", ["rents"]),
        ("f1099.royalties", ["royalties"]),
        ("f1099.other_income", ["other income"]),
    ],
    types.F1099_INT: [
        ("f1099.interest_income", ["interest income"]),
        (
            "f1099.us_bond_interest",
            ["interest on us savings bonds and treasury obligations", "interest on us savings bonds"],
        ),
    ],
    types.F1099_DIV: [
        ("f1099.ordinary_dividends", ["total ordinary dividends", "ordinary dividends"]),
        ("f1099.qualified_dividends", ["qualified dividends"]),
    ],
}


def extract_1099(ex: Extractor, kind: str) -> None:
    for name, phrases in F1099_BOXES[kind]:
        ex.put(name, ex.labelled(phrases, parse_money, max_words=1))
    ex.put(
        "f1099.federal_tax_withheld", ex.labelled(["federal income tax withheld"], parse_money, max_words=1)
    )
    ex.put("f1099.payer_name", ex.labelled_text(["payers name", "payer name", "payer"]))
    ex.put("f1099.recipient_name", ex.labelled_text(["recipients name", "recipient name", "recipient"]))
    year_phrases = ["form 1099", "1099-nec", "1099-misc", "1099-int", "1099-div", "tax information statement"]
    for match in ex.layout.find_labels(year_phrases + ["tax year"]):
        for word in ex.layout.lines[match.page][match.line_index].words:
            if _year(word.text):
                ex.put("f1099.tax_year", Found(int(word.text), [word], match.page, match.score))
                return


def extract_mortgage(ex: Extractor) -> None:
    ex.put(
        "mortgage.principal_balance",
        ex.labelled(
            ["outstanding principal balance", "principal balance", "unpaid principal balance"],
            parse_money,
            max_words=1,
        ),
    )
    ex.put(
        "mortgage.payment_amount",
        ex.labelled(
            ["amount due", "total amount due", "regular monthly payment", "monthly payment"],
            parse_money,
            max_words=1,
        ),
    )


EXTRACTORS = {
    types.W2: extract_w2,
    types.PAYSTUB: extract_paystub,
    types.BANK_STATEMENT: extract_bank,
    types.FORM_1040: extract_1040,
    types.MORTGAGE_STATEMENT: extract_mortgage,
}


def extract_fields(pages: list[Page], document_type: str) -> dict[str, Field]:
    extractor = Extractor(pages)
    if document_type in EXTRACTORS:
        EXTRACTORS[document_type](extractor)
    elif document_type in (types.F1099_NEC, types.F1099_MISC, types.F1099_INT, types.F1099_DIV):
        extract_1099(extractor, document_type)
    _form_field_overrides(extractor, document_type)
    return extractor.fields


# AcroForm field names used by fillable W-2s (the SSA's W-2 Online and common payroll exports name boxes this
# way); a filled form field is the issuer's own value and outranks reading the printed page.
FORM_FIELD_NAMES = {
    "w2.box1_wages": ("box1", "wages", "box_1"),
    "w2.box2_federal_tax": ("box2", "federal_income_tax", "box_2"),
    "w2.box3_ss_wages": ("box3", "social_security_wages", "box_3"),
    "w2.box4_ss_tax": ("box4", "social_security_tax", "box_4"),
    "w2.box5_medicare_wages": ("box5", "medicare_wages", "box_5"),
    "w2.box6_medicare_tax": ("box6", "medicare_tax", "box_6"),
    "w2.box16_state_wages": ("box16", "state_wages", "box_16"),
}


def _form_field_overrides(ex: Extractor, document_type: str) -> None:
    if document_type != types.W2:
        return
    for page in ex.pages:
        lowered = {
            name.lower().replace(" ", "_").replace(".", "_"): value
            for name, value in page.form_fields.items()
        }
        for field_name, candidates in FORM_FIELD_NAMES.items():
            for candidate in candidates:
                raw = lowered.get(candidate)
                amount = parse_money(raw) if raw else None
                if amount is not None:
                    previous = ex.fields.get(field_name)
                    ex.put_form_field(field_name, amount, page.number)
                    if previous is not None and previous.bbox:
                        ex.fields[field_name].bbox = previous.bbox
                    break
