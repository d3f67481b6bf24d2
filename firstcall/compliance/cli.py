"""`firstcall gate -` and `firstcall optout-check -`: the compliance decisions as JSON. No Django needed.

    firstcall gate TOUCH.json | -         prints {"decision", "until", "reasons": [{"rule", "citation", "detail"}]}
    firstcall optout-check MESSAGE | -    prints {"revokes", "matched", "language", "needs_review"}

Exit 0 with the answer on stdout; exit 2 with {"error": "..."} on stdout when the input cannot be read or the
touch is malformed (a missing or mistyped field). A malformed phone number inside a well-formed touch is not an
error: the touch is refused with a reason. ``optout-check`` reads the message as plain text, or a JSON object
with a "text" field.
"""

from __future__ import annotations

import json
from typing import IO

from firstcall.compliance.engine import optout

EXIT_OK = 0
EXIT_BAD_INPUT = 2
GATE_USAGE = "usage: firstcall gate TOUCH.json | firstcall gate -"
OPTOUT_USAGE = "usage: firstcall optout-check MESSAGE.txt | firstcall optout-check -"
MAX_INPUT_CHARS = 1_000_000


def _error(stdout: IO[str], message: str) -> int:
    stdout.write(json.dumps({"error": message}) + "\n")
    return EXIT_BAD_INPUT


def _read(argv: list[str], stdin: IO[str]) -> str:
    if argv[0] == "-":
        return stdin.read(MAX_INPUT_CHARS + 1)
    with open(argv[0], encoding="utf-8") as file:
        return file.read(MAX_INPUT_CHARS + 1)


def gate_main(argv: list[str], stdin: IO[str], stdout: IO[str]) -> int:
    if len(argv) != 1:
        return _error(stdout, GATE_USAGE)
    try:
        raw = _read(argv, stdin)
    except (OSError, UnicodeDecodeError) as error:
        return _error(stdout, f"cannot read the touch: {error}")
    if len(raw) > MAX_INPUT_CHARS:
        return _error(stdout, "the touch is larger than 1 MB")
    from firstcall.compliance.engine import gate  # the phone-number geography loads only for this command

    try:
        result = gate.decide_json(raw)
    except gate.TouchError as error:
        return _error(stdout, f"malformed touch: {error}")
    stdout.write(json.dumps(result) + "\n")
    return EXIT_OK


def optout_main(argv: list[str], stdin: IO[str], stdout: IO[str]) -> int:
    if len(argv) != 1:
        return _error(stdout, OPTOUT_USAGE)
    try:
        raw = _read(argv, stdin)
    except (OSError, UnicodeDecodeError) as error:
        return _error(stdout, f"cannot read the message: {error}")
    if len(raw) > MAX_INPUT_CHARS:
        return _error(stdout, "the message is larger than 1 MB")
    text = raw
    stripped = raw.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None  # plain text that happens to start with a brace
        if isinstance(data, dict):
            if not isinstance(data.get("text"), str):
                return _error(stdout, 'a JSON message needs a "text" string')
            text = data["text"]
    stdout.write(json.dumps(optout.check(text).as_dict(), ensure_ascii=False) + "\n")
    return EXIT_OK
