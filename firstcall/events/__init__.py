"""Domain events: one record per business fact, written in the same transaction as the change, handed by the
worker to the subscribers each app lists in its `subscribers.py`. Public API: `emit` (firstcall.events.outbox),
the catalogue of event names (firstcall.events.catalogue) and, for subscribers, the `Event` they receive."""
