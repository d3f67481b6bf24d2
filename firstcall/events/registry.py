"""Who listens to what. settings.EVENT_SUBSCRIBERS names one module per app (its `subscribers.py`); each holds
plain mappings of event name to functions:

- `SUBSCRIBERS = {"event.name": [function, ...]}`: run by the worker after the change commits (the default).
- `IN_TRANSACTION = {"event.name": [function, ...]}`: run by emit() itself, inside the transaction that makes the
  change, for reactions that must commit or roll back with it (a lead moved to Lost stops its cadences in the
  same transaction). An exception there rolls the whole change back, exactly like a direct call. Keep them few.

Modules are loaded by name when first needed, so importing an app never registers anything as a side effect, and
the full list is readable in settings."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from firstcall.events.catalogue import CATALOGUE

AFTER_COMMIT = "SUBSCRIBERS"
IN_TRANSACTION = "IN_TRANSACTION"

_loaded: dict[tuple[tuple[str, ...], str], dict[str, list[Callable]]] = {}


def subscriber_key(subscriber: Callable) -> str:
    """The stable name a delivery is recorded under: renaming a subscriber makes it a new one."""
    return f"{subscriber.__module__}.{subscriber.__qualname__}"


def subscribers_by_event(kind: str = AFTER_COMMIT) -> dict[str, list[Callable]]:
    modules = tuple(getattr(settings, "EVENT_SUBSCRIBERS", ()))
    if (modules, kind) not in _loaded:
        by_event: dict[str, list[Callable]] = {}
        for module in modules:
            try:
                mapping = import_string(f"{module}.{kind}")
            except ImportError:
                if kind == IN_TRANSACTION:  # optional; a module without it has none
                    continue
                raise
            for name, subscribers in mapping.items():
                if name not in CATALOGUE:
                    raise ImproperlyConfigured(f"{module} subscribes to unknown event {name!r}")
                by_event.setdefault(name, []).extend(subscribers)
        _loaded[(modules, kind)] = by_event
    return _loaded[(modules, kind)]


def subscribers_for(name: str) -> list[Callable]:
    """Run by the worker after the commit."""
    return subscribers_by_event(AFTER_COMMIT).get(name, [])


def in_transaction_subscribers_for(name: str) -> list[Callable]:
    """Run by emit() inside the emitting transaction."""
    return subscribers_by_event(IN_TRANSACTION).get(name, [])
