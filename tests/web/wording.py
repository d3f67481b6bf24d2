"""Finding words on a rendered page that were written for developers rather than loan officers."""

import re
from html.parser import HTMLParser

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
DOTTED = re.compile(r"\b[a-z_]+\.[a-z_]+\.[a-z_.]+\b")
BRACES = re.compile(r"\{\{|\}\}|\{%|%\}")
DEVELOPER_WORDS = re.compile(r"\b(?:issue|contract|null|None|True|False|traceback|exception)\b")


class _Text(HTMLParser):
    SKIP = {"script", "style", "code", "textarea", "template"}

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def code_like_words(html: str) -> list[str]:
    text = visible_text(html)
    found = []
    for pattern in (SNAKE, DOTTED, BRACES, DEVELOPER_WORDS):
        found += [match.group(0) for match in pattern.finditer(text)]
    # E-mail addresses and web addresses are what they are.
    return [word for word in found if "@" not in word and not word.startswith(("www.", "example."))]
