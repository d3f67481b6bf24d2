"""Parse JSON from strangers: bounded depth, no NaN/Infinity, objects only where an object is expected."""

import json
import re


class UnsafeJson(ValueError):
    pass


MAX_DEPTH = 20


def _reject_constant(name):
    raise UnsafeJson(f"{name} is not valid JSON")


def loads_object(
    raw: bytes | str, max_depth: int = MAX_DEPTH, *, refuse_unpaired_surrogates: bool = False
) -> dict:
    text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
    # Nesting is checked before parsing so a 100,000-deep array cannot exhaust the parser's stack.
    if text.count("{") + text.count("[") > max_depth:
        _check_depth(text, max_depth)
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise UnsafeJson(
            f"Malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error
    except RecursionError as error:
        raise UnsafeJson("JSON is nested too deeply") from error
    if not isinstance(data, dict):
        raise UnsafeJson("Expected a JSON object")
    if refuse_unpaired_surrogates and _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            raise UnsafeJson(
                "JSON holds an unpaired surrogate escape (\\ud800-\\udfff), which is not text"
            ) from error
    return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def scrub_for_storage(value):
    """Drop what databases refuse in text and JSON (NUL, unpaired surrogates), keys included, recursively."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    if isinstance(value, dict):
        return {scrub_for_storage(str(key)): scrub_for_storage(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_for_storage(item) for item in value]
    return value


def _check_depth(text: str, max_depth: int) -> None:
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise UnsafeJson(f"JSON is nested deeper than {max_depth} levels")
        elif char in "]}":
            depth -= 1
