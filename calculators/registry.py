"""Every lever the dashboard offers, in the order the Overview applies them (calculators.lever.ORDER)."""
from __future__ import annotations

from calculators import caching, system_prompt
from calculators.lever import ORDER, Lever

LEVERS: tuple[Lever, ...] = tuple(sorted((caching.LEVER, system_prompt.LEVER), key=lambda lv: ORDER.index(lv.name)))
BY_NAME: dict[str, Lever] = {lever.name: lever for lever in LEVERS}
