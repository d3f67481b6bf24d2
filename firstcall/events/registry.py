"""Who listens to what. settings.EVENT_SUBSCRIBERS names one module per app (its `subscribers.py`); each holds a
plain mapping `SUBSCRIBERS = {"event.name": [function, ...]}`. Modules are loaded by name when first needed, so
importing an app never registers anything as a side effect, and the full list is readable in settings."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from firstcall.events.catalogue import CATALOGUE

_loaded: dict[tuple[str, ...], dict[str, list[Callable]]] = {}


def subscriber_key(subscriber: Callable) -> str:
    """The stable name a delivery is recorded under: renaming a subscriber makes it a new one."""
    return f"{subscriber.__module__}.{subscriber.__qualname__}"


def subscribers_by_event() -> dict[str, list[Callable]]:
    modules = tuple(getattr(settings, "EVENT_SUBSCRIBERS", ()))
    if modules not in _loaded:
        by_event: dict[str, list[Callable]] = {}
        for module in modules:
            for name, subscribers in import_string(f"{module}.SUBSCRIBERS").items():
                if name not in CATALOGUE:
                    raise ImproperlyConfigured(f"{module} subscribes to unknown event {name!r}")
                by_event.setdefault(name, []).extend(subscribers)
        _loaded[modules] = by_event
    return _loaded[modules]


def subscribers_for(name: str) -> list[Callable]:
    return subscribers_by_event().get(name, [])
