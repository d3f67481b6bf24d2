"""Sandboxed message templates and the SMS segment counter. Pure Python (no Django).

The language is deliberately tiny: literal text plus ``{{ path }}`` merge fields with optional filters,
e.g. ``{{ borrower.first_name|default:"there" }}``. A template sees only the plain dict of strings it is given
(borrower, scenario, officer, organisation): no model instances, no attribute access, no method calls, no
tags, no includes. ``{% ... %}`` and ``{# ... #}`` are refused by ``problems()`` and render as nothing, and an
unknown field renders as "" (or its default), so a template can never read anything it was not handed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_FIELD = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_PATH = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_FILTER = re.compile(r"""^\s*([a-z_]+)\s*(?::\s*("[^"]*"|'[^']*'))?\s*$""")
FILTERS = {
    "default": None,  # handled specially: needs the argument
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
    "capfirst": lambda text: text[:1].upper() + text[1:],
}
MAX_TEMPLATE_CHARACTERS = 20_000


@dataclass(frozen=True)
class MergeField:
    path: str
    filters: tuple[tuple[str, str | None], ...] = ()


def _parse_field(inner: str) -> MergeField | str:
    """A MergeField, or the reason the text between the braces is not one."""
    parts = inner.split("|")
    path = parts[0].strip()
    if not _PATH.match(path):
        return f"'{{{{{inner.strip()[:40]}}}}}' is not a merge field (use names like borrower.first_name)"
    filters = []
    for raw in parts[1:]:
        match = _FILTER.match(raw)
        if not match or match.group(1) not in FILTERS:
            return f"unknown filter '{raw.strip()[:30]}' (allowed: {', '.join(sorted(FILTERS))})"
        name, argument = match.group(1), match.group(2)
        if name == "default" and argument is None:
            return 'default needs a value, e.g. default:"there"'
        filters.append((name, argument[1:-1] if argument else None))
    return MergeField(path, tuple(filters))


def problems(text: str, known_paths: Iterable[str]) -> list[str]:
    """What is wrong with a template, for the editor (empty when it is fine)."""
    found = []
    if len(text) > MAX_TEMPLATE_CHARACTERS:
        found.append(f"longer than {MAX_TEMPLATE_CHARACTERS} characters")
    for tag in _TAG.findall(text):
        found.append(f"template tags such as '{tag[:30]}' are not allowed: only {{{{ merge fields }}}}")
    known = set(known_paths)
    for match in _FIELD.finditer(_TAG.sub("", text)):
        parsed = _parse_field(match.group(1))
        if isinstance(parsed, str):
            found.append(parsed)
        elif parsed.path not in known:
            found.append(f"unknown merge field '{parsed.path}'")
    if "{{" in _FIELD.sub("", text):
        found.append("a '{{' is never closed with '}}'")
    return list(dict.fromkeys(found))


def _lookup(context: Mapping, path: str) -> str:
    value: object = context
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return ""
        value = value[part]
    if value is None or isinstance(value, (Mapping, list, tuple, set)):
        return ""
    return str(value) if isinstance(value, (str, int, float)) else str(value)


def render(text: str, context: Mapping[str, Mapping[str, object]]) -> str:
    """Fill merge fields from ``context`` (plain dicts of plain values). Never raises on bad input: an
    unreadable field renders as nothing, a tag renders as nothing."""
    text = _TAG.sub("", text or "")

    def fill(match: re.Match) -> str:
        parsed = _parse_field(match.group(1))
        if isinstance(parsed, str):
            return ""
        value = _lookup(context, parsed.path)
        for name, argument in parsed.filters:
            if name == "default":
                value = value if value.strip() else (argument or "")
            else:
                value = FILTERS[name](value)
        return value

    return _FIELD.sub(fill, text)


# --------------------------------------------------------------------------------------------- SMS segments

# GSM 03.38 basic character set (one septet each) and its extension table (two septets: escape + char).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # what a person counts
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # 160 or 153 (GSM-7), 70 or 67 (UCS-2)
    remaining: int  # units left in the last segment
    non_gsm_characters: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        plural = "" if self.segments == 1 else "s"
        text = f"{self.characters} characters, {self.segments} segment{plural} ({self.encoding})"
        if self.non_gsm_characters:
            text += f"; {' '.join(self.non_gsm_characters[:5])} force UCS-2"
        return text


def _pack(costs: list[int], capacity: int) -> int:
    """Segments needed when a character's units may not be split across segments."""
    segments, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            segments, used = segments + 1, 0
        used += cost
    return segments


def count_segments(text: str) -> SegmentCount:
    """GSM-7: 160 septets in one segment, 153 per segment when concatenated (the UDH takes 7); extension
    characters take two. Anything outside GSM-7 makes the whole text UCS-2: 70, or 67 per segment;
    characters outside the BMP (emoji) take two UTF-16 units."""
    text = text or ""
    non_gsm = [ch for ch in dict.fromkeys(text) if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION]
    if not non_gsm:
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        encoding, single, multi = "GSM-7", 160, 153
    else:
        costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        encoding, single, multi = "UCS-2", 70, 67
    units = sum(costs)
    if units <= single:
        segments, per_segment = 1, single
        remaining = single - units
    else:
        segments, per_segment = _pack(costs, multi), multi
        remaining = segments * multi - units if segments == math.ceil(units / multi) else 0
    return SegmentCount(encoding, len(text), units, segments, per_segment, max(remaining, 0), non_gsm)
