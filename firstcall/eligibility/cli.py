"""`firstcall assess SCENARIO.json` / `firstcall assess -`: prints the assessment as JSON. No Django needed.

Exit 0 with the assessment on stdout; exit 2 with a JSON error object on stdout when the file can't be read or
isn't a valid scenario (not JSON, not an object, unknown programs). Missing fields are not an error: they give
`refer` inside the assessment.
"""

from __future__ import annotations

import json
from typing import IO

from firstcall.eligibility.engine import OverlayError, ScenarioError, assess

USAGE = "usage: firstcall assess SCENARIO.json | firstcall assess - [--overlays OVERLAYS.json]"
EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _error(stdout: IO[str], code: str, message: str, problems: list | None = None) -> int:
    body: dict[str, object] = {"error": code, "message": message}
    if problems:
        body["problems"] = problems
    stdout.write(json.dumps(body) + "\n")
    return EXIT_BAD_INPUT


def _read(path: str, stdin: IO[str]) -> str:
    if path == "-":
        return stdin.read()
    with open(path, encoding="utf-8") as file:
        return file.read()


def main(argv: list[str], stdin: IO[str], stdout: IO[str]) -> int:
    """argv is what follows `firstcall assess`: a path or "-", optionally `--overlays PATH`."""
    arguments = list(argv)
    overlays_path = None
    if "--overlays" in arguments:
        position = arguments.index("--overlays")
        if position + 1 >= len(arguments):
            return _error(stdout, "usage", USAGE)
        overlays_path = arguments.pop(position + 1)
        arguments.pop(position)
    if len(arguments) != 1:
        return _error(stdout, "usage", USAGE)
    source = arguments[0]
    try:
        text = _read(source, stdin)
    except OSError as error:
        return _error(stdout, "unreadable_input", f"cannot read {source}: {error.strerror or error}")
    except UnicodeDecodeError:
        return _error(stdout, "unreadable_input", f"{source} is not UTF-8 text")
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        return _error(
            stdout, "invalid_json", f"{source} is not valid JSON: {error.msg} at line {error.lineno}"
        )
    overlays = None
    if overlays_path is not None:
        try:
            overlays = json.loads(_read(overlays_path, stdin))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            return _error(stdout, "invalid_overlays", f"cannot read overlays from {overlays_path}: {error}")
    try:
        result = assess(payload, overlays=overlays, remedies=True)
    except (ScenarioError, OverlayError) as error:
        stdout.write(json.dumps(error.as_json()) + "\n")
        return EXIT_BAD_INPUT
    stdout.write(json.dumps(result, indent=2) + "\n")
    return EXIT_OK
