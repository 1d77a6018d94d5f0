"""Periodic sweeps other apps plug in (deadline reminders, automatic supervision notices …).

    from linli.notify.sweeps import register_sweep

    @register_sweep
    def remind_due_requests() -> None: ...

Register at import time of your app's ``tasks.py`` (the Huey worker imports every app's
``tasks`` module). ``linli.notify.tasks.run_sweeps`` runs them all every 15 minutes; one
failing sweep is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger("linli.notify.sweeps")

F = TypeVar("F", bound=Callable[[], Any])

_SWEEPS: dict[str, Callable[[], Any]] = {}


def _name(func: Callable[[], Any]) -> str:
    return f"{func.__module__}.{getattr(func, '__qualname__', repr(func))}"


def register_sweep(func: F) -> F:
    """Add ``func`` (no arguments) to the periodic sweep; registering twice keeps one. Usable as a decorator."""
    _SWEEPS[_name(func)] = func
    return func


def unregister_sweep(func: Callable[[], Any]) -> None:
    _SWEEPS.pop(_name(func), None)


def registered_sweeps() -> list[str]:
    return sorted(_SWEEPS)


def run_sweeps() -> dict[str, bool]:
    """Run every registered sweep once; returns name → succeeded."""
    outcome: dict[str, bool] = {}
    for name, func in list(_SWEEPS.items()):
        try:
            func()
        except Exception:
            log.exception("sweep %s failed", name)
            outcome[name] = False
        else:
            outcome[name] = True
    return outcome
