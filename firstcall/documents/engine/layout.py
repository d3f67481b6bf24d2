"""Lines, cells and labels from positioned words: how a value is found beside or below the words naming it.

Real issuers put a label to the left of its value (pay stubs, statements' summaries), above it (the IRS W-2's
boxes) or at the head of a column (transaction tables). Every finder here works from the label's own position
and its neighbours, never from fixed page coordinates, so a layout the code has never seen still reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from statistics import median

from .model import METHOD_OCR, Page, Word

MONEY = re.compile(r"^\(?-?\$?\s?-?\d{1,3}(?:[,.\s]?\d{3})*[.,]\d{2}\)?-?$")
_PUNCT = re.compile(r"[^\w$%#]+")
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
NUMERIC_DATE = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{2}|\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def normalise(text: str) -> str:
    return _PUNCT.sub("", text.lower())


DASHES = str.maketrans({"—": "-", "–": "-", "−": "-", "~": "-"})


def parse_money(text: str) -> Decimal | None:
    cleaned = text.strip().replace(" ", "").translate(DASHES)
    if not MONEY.match(cleaned):
        return None
    negative = cleaned.startswith("(") or "-" in cleaned
    digits = re.sub(r"[^\d.,]", "", cleaned)
    # The last separator before two digits is the decimal point; OCR sometimes reads it as a comma.
    whole, cents = digits[:-3], digits[-2:]
    whole = re.sub(r"[^\d]", "", whole) or "0"
    try:
        amount = Decimal(f"{whole}.{cents}")
    except InvalidOperation:
        return None
    return -amount if negative else amount


def parse_date(text: str) -> date | None:
    text = text.strip().strip(",.;:")
    match = ISO_DATE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _safe_date(year, month, day)
    match = NUMERIC_DATE.match(text)
    if match:
        month, day, year = (int(part) for part in match.groups())
        if year < 100:
            year += 2000
        return _safe_date(year, month, day)
    parts = re.split(r"[\s,]+", text)
    if len(parts) == 3 and normalise(parts[0])[:9] in MONTHS:
        try:
            return _safe_date(int(parts[2]), MONTHS[normalise(parts[0])[:9]], int(parts[1]))
        except ValueError:
            return None
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if 1990 <= found.year <= 2100 else None


@dataclass
class Line:
    words: list[Word]
    page: int

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


@dataclass
class Match:
    """A label found on a page: its words, line and box."""

    page: int
    line_index: int
    start: int  # index of the first label word in the line
    end: int  # index after the last label word
    words: list[Word]
    score: float

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)


@dataclass
class Found:
    value: object
    words: list[Word]
    page: int
    label_score: float

    @property
    def bbox(self) -> list[float]:
        return [
            min(word.x0 for word in self.words),
            min(word.top for word in self.words),
            max(word.x1 for word in self.words),
            max(word.bottom for word in self.words),
        ]

    @property
    def word_confidence(self) -> float:
        return min(word.confidence for word in self.words)


def build_lines(page: Page) -> list[Line]:
    words = sorted(page.words, key=lambda word: (word.center_y, word.x0))
    if not words:
        return []
    typical = median(word.height for word in words) or 8.0
    lines: list[list[Word]] = []
    centers: list[float] = []
    for word in words:
        if lines and abs(word.center_y - centers[-1]) <= typical * 0.45:
            lines[-1].append(word)
            count = len(lines[-1])
            centers[-1] = centers[-1] + (word.center_y - centers[-1]) / count
        else:
            lines.append([word])
            centers.append(word.center_y)
    return [Line(sorted(items, key=lambda word: word.x0), page.number) for items in lines]


def _token_similarity(expected: str, seen: str) -> float:
    if expected == seen:
        return 1.0
    if not seen:
        return 0.0
    if len(expected) <= 3:
        return 0.0
    return SequenceMatcher(None, expected, seen).ratio()


class Layout:
    """The lines of every page of one document, and label searches over them."""

    def __init__(self, pages: list[Page]):
        self.pages = pages
        self.lines: dict[int, list[Line]] = {page.number: build_lines(page) for page in pages}
        self.page_width = {page.number: page.width for page in pages}
        self.methods = {page.number: page.method for page in pages}

    def find_labels(
        self, phrases: list[str], pages: list[int] | None = None, fuzzy: float = 0.86
    ) -> list[Match]:
        """Where the phrases appear: earlier phrases (the more specific ones) first, then by position.

        A PDF's text layer must spell the label exactly (punctuation and spacing aside); OCR may misread a
        letter or two, so its words are compared with `fuzzy` similarity."""
        found: list[Match] = []
        for phrase in phrases:
            for number, lines in self.lines.items():
                if pages is not None and number not in pages:
                    continue
                threshold = fuzzy if self.methods.get(number) == METHOD_OCR else 1.0
                for line_index, line in enumerate(lines):
                    tokens = [normalise(word.text) for word in line.words]
                    match = _match_phrase(phrase, tokens, threshold)
                    if match:
                        start, end, score = match
                        found.append(Match(number, line_index, start, end, line.words[start:end], score))
        return found

    # --- value finders --------------------------------------------------------------------------------

    def right_of(self, match: Match, parser, max_words: int = 1) -> Found | None:
        """The first parsable value after the label on its own line."""
        line = self.lines[match.page][match.line_index]
        rest = line.words[match.end :]
        for index in range(len(rest)):
            for size in range(max_words, 0, -1):
                chunk = rest[index : index + size]
                if len(chunk) < size:
                    continue
                value = parser(" ".join(word.text for word in chunk))
                if value is not None:
                    return Found(value, chunk, match.page, match.score)
        return None

    def values_right_of(self, match: Match, parser) -> list[Found]:
        """Every parsable single-word value after the label on its line (e.g. current and YTD columns)."""
        line = self.lines[match.page][match.line_index]
        found = []
        for word in line.words[match.end :]:
            value = parser(word.text)
            if value is not None:
                found.append(Found(value, [word], match.page, match.score))
        return found

    def text_right_of(self, match: Match, gap_factor: float = 2.5) -> Found | None:
        """The words after the label up to the next wide gap (the rest of its cell)."""
        line = self.lines[match.page][match.line_index]
        rest = [word for word in line.words[match.end :] if word.text not in (":", "-")]
        if not rest:
            return None
        cell = _cell(rest, gap_factor)
        text = " ".join(word.text for word in cell).strip(" :")
        return Found(text, cell, match.page, match.score) if text else None

    def below(self, match: Match, parser, *, max_lines: int = 3, cell_text: bool = False) -> Found | None:
        """The nearest value under the label, inside the label's column (up to the next label to its right)."""
        lines = self.lines[match.page]
        label_line = lines[match.line_index]
        right_limit = self.page_width[match.page]
        following = label_line.words[match.end :]
        if following:
            gap = following[0].x0 - match.x1
            if gap > match.words[-1].height * 1.2:
                right_limit = following[0].x0 - 1
            else:
                # The label runs on in its box; the next box starts after a wide gap.
                rest = _cell(following, 2.5)
                after = following[len(rest) :]
                right_limit = after[0].x0 - 1 if after else right_limit
        left_limit = match.x0 - max(12.0, match.words[0].height * 1.5)
        height = match.words[0].height or 8
        for line in lines[match.line_index + 1 : match.line_index + 1 + max_lines]:
            if line.top - match.bottom > height * 6:
                break
            column = [word for word in line.words if word.x0 >= left_limit and word.x0 < right_limit]
            if not column:
                continue
            if cell_text:
                # Text that starts beyond the label's own span is the next box's label or value (the IRS's
                # 1099s put box 3's label beside the recipient's name), not this label's value.
                if column[0].x0 > max(match.x1, match.x0 + 60):
                    continue
                cell = _cell(column, 2.5)
                text = " ".join(word.text for word in cell)
                value = parser(text)
                if value is not None:
                    return Found(value, cell, match.page, match.score)
                continue
            for size in (3, 2, 1):
                for index in range(len(column) - size + 1):
                    chunk = column[index : index + size]
                    value = parser(" ".join(word.text for word in chunk))
                    if value is not None:
                        return Found(value, chunk, match.page, match.score)
        return None

    def lines_below(self, match: Match, count: int) -> list[Line]:
        lines = self.lines[match.page]
        return lines[match.line_index + 1 : match.line_index + 1 + count]

    def all_lines(self):
        for number in sorted(self.lines):
            yield from self.lines[number]


def _cell(words: list[Word], gap_factor: float) -> list[Word]:
    cell = [words[0]]
    for word in words[1:]:
        if word.x0 - cell[-1].x1 > max(word.height, 6) * gap_factor:
            break
        cell.append(word)
    return cell


def _match_phrase(phrase: str, tokens: list[str], fuzzy: float) -> tuple[int, int, float] | None:
    wanted = [normalise(part) for part in phrase.split()]
    wanted = [part for part in wanted if part]
    if not wanted:
        return None
    joined_wanted = "".join(wanted)
    best = None
    for start in range(len(tokens)):
        # Allow the label to span one more or one fewer word than expected (OCR splits and joins words).
        for span in {len(wanted) - 1, len(wanted), len(wanted) + 1}:
            if span < 1 or start + span > len(tokens):
                continue
            seen = "".join(tokens[start : start + span])
            if not seen or seen[0] != joined_wanted[0]:
                continue
            if seen == joined_wanted:
                score = 1.0
            elif _confused(joined_wanted, seen):
                continue
            elif len(joined_wanted) >= 6:
                score = SequenceMatcher(None, joined_wanted, seen).ratio()
            else:
                continue
            if score >= fuzzy and (best is None or score > best[2]):
                best = (start, start + span, score)
        if best and best[2] == 1.0:
            break
    return best


# Labels one letter apart that name different people: never let a misread turn one into the other.
CONFUSABLE = (("employer", "employee"), ("payer", "payee"))


def _confused(wanted: str, seen: str) -> bool:
    for left, right in CONFUSABLE:
        if (left in wanted and right in seen) or (right in wanted and left in seen):
            return True
    return False
