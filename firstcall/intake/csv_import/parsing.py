"""Reading an uploaded spreadsheet: bytes to text, the delimiter, unique column names, and numbered rows.

Pure Python (no Django), so the awkward files (Excel's cp1252, a BOM, semicolons, quoted line breaks) are
tested with plain data."""

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
DELIMITERS = ",;\t|"


class CsvUnreadable(ValueError):
    """The file cannot be imported at all; the message tells the uploader what to do."""


@dataclass
class ParsedCsv:
    text: str
    sha256: str
    delimiter: str
    headers: list[str]
    rows_total: int
    preview: list[dict]


def file_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def decode(raw: bytes) -> str:
    """UTF-8 (with or without Excel's byte-order mark), else Windows-1252, which Excel on Windows writes."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise CsvUnreadable(
                "This looks like a binary file (such as .xlsx). Save it as CSV and upload again."
            )
        return text
    raise CsvUnreadable("The file is not UTF-8 or Windows text. Save it as 'CSV UTF-8' and upload again.")


def sniff_delimiter(text: str) -> str:
    sample = text[:20_000]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.split("\n", 1)[0]
        counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def unique_headers(raw_headers: list[str]) -> list[str]:
    headers: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_headers, start=1):
        name = " ".join(str(raw).split())[:100] or f"Column {index}"
        candidate, suffix = name, 2
        while candidate.lower() in seen:
            candidate, suffix = f"{name} ({suffix})", suffix + 1
        seen.add(candidate.lower())
        headers.append(candidate)
    return headers


def _reader(text: str, delimiter: str):
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)


def iter_rows(text: str, delimiter: str, headers: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: value}) for every row that is not blank."""
    reader = _reader(text, delimiter)
    next(reader, None)
    for row_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            header: (cells[index] if index < len(cells) else "")[:MAX_CELL_CHARS]
            for index, header in enumerate(headers)
        }
        # Cells beyond the header row are kept, not dropped: they may be the data someone needs.
        for extra_index, cell in enumerate(cells[len(headers) :], start=len(headers) + 1):
            if cell.strip():
                values[f"Column {extra_index}"] = cell[:MAX_CELL_CHARS]
        yield row_number, values


def blank_rows(text: str, delimiter: str, row_numbers: set[int]) -> str:
    """The file with the given rows' cells emptied (the cells stay, so every other row keeps its number): what
    is left of a kept file once a borrower's data in it is erased. iter_rows skips the emptied rows."""
    if not row_numbers:
        return text
    output = io.StringIO(newline="")
    writer = csv.writer(output, delimiter=delimiter, lineterminator="\r\n")
    for row_number, cells in enumerate(_reader(text, delimiter), start=1):
        writer.writerow([""] * len(cells) if row_number in row_numbers else cells)
    return output.getvalue()


def parse_upload(raw: bytes, preview_rows: int = 5) -> ParsedCsv:
    if not raw.strip():
        raise CsvUnreadable("The file is empty.")
    text = decode(raw)
    delimiter = sniff_delimiter(text)
    try:
        first_row = next(_reader(text, delimiter), [])
        if not any(cell.strip() for cell in first_row):
            raise CsvUnreadable("The first row must name the columns (First Name, Email, Phone, ...).")
        if len(first_row) > MAX_COLUMNS:
            raise CsvUnreadable(
                f"The file has {len(first_row)} columns; at most {MAX_COLUMNS} can be imported."
            )
        headers = unique_headers(first_row)
        preview, rows_total = [], 0
        for _, values in iter_rows(text, delimiter, headers):
            rows_total += 1
            if len(preview) < preview_rows:
                preview.append(values)
    except csv.Error as error:
        raise CsvUnreadable(f"The file is not valid CSV: {error}.") from error
    if rows_total == 0:
        raise CsvUnreadable("The file has a header row but no rows to import.")
    return ParsedCsv(
        text=text,
        sha256=file_sha256(raw),
        delimiter=delimiter,
        headers=headers,
        rows_total=rows_total,
        preview=preview,
    )
