"""The journeys that run when something happened elsewhere (see docs/events.md)."""

from firstcall.flows.reply_understood import on_message_received

SUBSCRIBERS = {
    "message.received": [on_message_received],
}
