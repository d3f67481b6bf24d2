"""Paths into a payload ("Borrower.Phones[0]", "Answers[question=credit].value", "**.Email") and the resolver
that finds them, remembering which places were used."""

import re
from collections import deque
from dataclasses import dataclass
from functools import lru_cache

from firstcall.intake.mapping.values import scalar
from firstcall.intake.mapping.vocabulary import MAX_NODES, MAX_PATH_LENGTH, MAX_PATH_SEGMENTS, MappingError

# ------------------------------------------------------------------------------------------------ paths


@dataclass(frozen=True)
class Segment:
    kind: str  # "key", "index", "select", "deep"
    name: str = ""
    index: int = 0
    value: str = ""


_TOKEN = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")
_INTEGER = re.compile(r"^-?\d{1,6}$")


def parse_path(path) -> tuple[Segment, ...]:
    if isinstance(path, str):
        return _parse_path(path)
    raise MappingError(["A path must be a non-empty text."])


@lru_cache(maxsize=4096)
def _parse_path(path: str) -> tuple[Segment, ...]:
    if not isinstance(path, str) or not path.strip():
        raise MappingError(["A path must be a non-empty text."])
    if len(path) > MAX_PATH_LENGTH:
        raise MappingError([f"Path '{path[:40]}…' is longer than {MAX_PATH_LENGTH} characters."])
    leftover = _TOKEN.sub("", path).replace(".", "")
    if leftover.strip():
        raise MappingError([f"Path '{path}' has unbalanced brackets."])
    segments = []
    for match in _TOKEN.finditer(path.strip()):
        bracket, plain = match.groups()
        text = (bracket if bracket is not None else plain).strip()
        if bracket is not None and "=" in text:
            name, value = text.split("=", 1)
            if not name.strip():
                raise MappingError([f"Path '{path}': a selector needs a key, as in [column_id=EMAIL]."])
            segments.append(Segment("select", name=name.strip(), value=value.strip().strip("'\"")))
        elif text == "**":
            segments.append(Segment("deep"))
        elif _INTEGER.match(text):
            segments.append(Segment("index", name=text, index=int(text)))
        elif text:
            segments.append(Segment("key", name=text))
    if not segments:
        raise MappingError([f"Path '{path}' is empty."])
    if len(segments) > MAX_PATH_SEGMENTS:
        raise MappingError([f"Path '{path}' has more than {MAX_PATH_SEGMENTS} segments."])
    if segments[-1].kind == "deep":
        raise MappingError([f"Path '{path}': '**' must be followed by a key."])
    return tuple(segments)


def loose_key(text) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


class Resolver:
    """Finds paths in one payload and remembers which places were used, so the rest is reported as unknown."""

    def __init__(self, payload):
        self.payload = payload
        self._indexes: dict[int, tuple[dict, dict]] = {}
        self._deep_index: dict[str, tuple] | None = None
        self.consumed: set[tuple] = set()

    def _index(self, node: dict) -> tuple[dict, dict]:
        cached = self._indexes.get(id(node))
        if cached is None:
            lower, loose = {}, {}
            for key in node:
                lower.setdefault(str(key).lower(), key)
                loose.setdefault(loose_key(key), key)
            cached = self._indexes[id(node)] = (lower, loose)
        return cached

    def find_key(self, node: dict, name: str):
        if name in node:
            return name
        lower, loose = self._index(node)
        found = lower.get(name.lower())
        if found is None:
            found = loose.get(loose_key(name))
        return found

    def resolve(self, segments: tuple[Segment, ...]):
        """Return (value, concrete trail) for the first match, or None."""
        return self._walk(self.payload, segments, ())

    def _walk(self, node, segments, trail):
        if not segments:
            return node, trail
        segment, rest = segments[0], segments[1:]
        if segment.kind == "deep":
            return self._deep(node, rest, trail)
        if isinstance(node, dict):
            if segment.kind in ("key", "index"):
                # A key that itself holds dots ("borrower.first_name" as one form field) wins over descent.
                if rest and all(s.kind in ("key", "index") for s in rest):
                    dotted = ".".join(s.name for s in segments)
                    key = self.find_key(node, dotted)
                    if key is not None:
                        return node[key], (*trail, key)
                key = self.find_key(node, segment.name)
                if key is None:
                    return None
                return self._walk(node[key], rest, (*trail, key))
            return None
        if isinstance(node, list):
            if segment.kind == "index":
                position = segment.index if segment.index >= 0 else len(node) + segment.index
                if 0 <= position < len(node):
                    return self._walk(node[position], rest, (*trail, position))
                return None
            if segment.kind == "select":
                wanted = segment.value.lower()
                for position, item in enumerate(node):
                    if isinstance(item, dict):
                        key = self.find_key(item, segment.name)
                        if key is not None and str(item[key]).strip().lower() == wanted:
                            self.consumed.add((*trail, position, key))
                            return self._walk(item, rest, (*trail, position))
                return None
            if segment.kind == "key" and len(node) > 0:
                # "Borrower.FirstName" where Borrower repeats (XML): look in the first element.
                return self._walk(node[0], segments, (*trail, 0))
        return None

    def _deep(self, node, rest, trail):
        if len(rest) == 1 and rest[0].kind == "key" and node is self.payload:
            found = self._build_deep_index().get(loose_key(rest[0].name))
            return found
        visited = 0
        queue = deque([(node, trail)])
        while queue and visited < MAX_NODES:
            current, current_trail = queue.popleft()
            visited += 1
            result = self._walk(current, rest, current_trail)
            if result is not None and scalar(result[0]) is not None:
                return result
            children = current.items() if isinstance(current, dict) else (
                enumerate(current) if isinstance(current, list) else ()
            )  # fmt: skip
            for key, child in children:
                if isinstance(child, dict | list):
                    queue.append((child, (*current_trail, key)))
        return None

    def _build_deep_index(self) -> dict[str, tuple]:
        """Loose key -> (value, trail) of its first non-empty occurrence, breadth first."""
        if self._deep_index is None:
            index: dict[str, tuple] = {}
            queue = deque([(self.payload, ())])
            visited = 0
            while queue and visited < MAX_NODES:
                current, trail = queue.popleft()
                visited += 1
                if isinstance(current, dict):
                    for key, child in current.items():
                        loose = loose_key(key)
                        if loose not in index and scalar(child) is not None:
                            index[loose] = (child, (*trail, key))
                        if isinstance(child, dict | list):
                            queue.append((child, (*trail, key)))
                elif isinstance(current, list):
                    for position, child in enumerate(current):
                        if isinstance(child, dict | list):
                            queue.append((child, (*trail, position)))
            self._deep_index = index
        return self._deep_index
