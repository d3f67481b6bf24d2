"""`firstcall classify-reply -`: read one borrower reply as JSON on stdin, print how FirstCall reads it.

Input: {"text": "...", "channel": "sms"|"email", "received_at": ISO-8601, "zip": "33602"}. `zip` and
`received_at` are optional (the organisation's zone, America/New_York, and now). Output: {"intent", "confidence",
"language", "opt_out", "needs_review", "entities": {"when": ISO|null}, "reason"}. Exit 2 with {"error"} on a
malformed reply. No Django and no network: the engine and the revocation rules are pure.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO

from firstcall.assistant.engine import Revocation, read_reply
from firstcall.lib.geography import InvalidZip, lookup_zip

DEFAULT_TIME_ZONE = "America/New_York"
CHANNELS = {"sms", "email"}


class InvalidReply(ValueError):
    pass


def _error(stdout: IO[str], message: str) -> int:
    stdout.write(json.dumps({"error": message}) + "\n")
    return 2


def parse_reply(payload) -> tuple[str, str, datetime, str]:
    if not isinstance(payload, dict):
        raise InvalidReply("the reply must be a JSON object")
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidReply("text: a non-empty string is required")
    if len(text) > 10_000:
        raise InvalidReply("text: longer than 10,000 characters")
    channel = payload.get("channel", "sms")
    if channel not in CHANNELS:
        raise InvalidReply("channel: must be 'sms' or 'email'")
    raw_received = payload.get("received_at")
    if raw_received in (None, ""):
        received_at = datetime.now(UTC)
    else:
        try:
            received_at = datetime.fromisoformat(str(raw_received).replace("Z", "+00:00"))
        except ValueError as error:
            raise InvalidReply("received_at: not an ISO-8601 date and time") from error
        if received_at.tzinfo is None:
            raise InvalidReply("received_at: needs a time zone offset (e.g. 2026-12-07T18:00:00Z)")
    zone = DEFAULT_TIME_ZONE
    raw_zip = payload.get("zip")
    if raw_zip not in (None, ""):
        try:
            zone = lookup_zip(str(raw_zip)).time_zone or DEFAULT_TIME_ZONE
        except InvalidZip as error:
            raise InvalidReply(f"zip: {error}") from error
    return text, channel, received_at, zone


def main(argv: list[str], stdin: IO[str], stdout: IO[str], revocation: Callable[[str], Revocation]) -> int:
    if argv != ["-"]:
        return _error(stdout, "usage: firstcall classify-reply - (one JSON reply on standard input)")
    try:
        payload = json.loads(stdin.read())
    except json.JSONDecodeError as error:
        return _error(stdout, f"not valid JSON: {error.msg}")
    try:
        text, _channel, received_at, zone = parse_reply(payload)
    except InvalidReply as error:
        return _error(stdout, str(error))
    reading = read_reply(text, received_at=received_at, time_zone=zone, revocation=revocation(text))
    stdout.write(json.dumps(reading.as_dict(), ensure_ascii=False) + "\n")
    return 0
