"""Every lever the dashboard offers, in the order the Overview applies them (calculators.lever.ORDER).

Each lever module declares `LEVER`; this collects them in ORDER.
"""
from __future__ import annotations

import importlib

from calculators.lever import ORDER, Lever


def _declared() -> tuple[Lever, ...]:
    levers = []
    for name in ORDER:
        try:
            module = importlib.import_module(f"calculators.{name}")
        except ModuleNotFoundError:
            continue
        lever = getattr(module, "LEVER", None)
        if isinstance(lever, Lever):
            levers.append(lever)
    return tuple(levers)


LEVERS: tuple[Lever, ...] = _declared()
BY_NAME: dict[str, Lever] = {lever.name: lever for lever in LEVERS}
