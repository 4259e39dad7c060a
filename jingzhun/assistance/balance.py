"""A balanced suggestion of which cadre takes which household. No Django here."""

from __future__ import annotations

import heapq
from collections.abc import Sequence


def balanced_assignment(household_ids: Sequence[int], cadre_loads: dict[int, int]) -> dict[int, int]:
    """Give each household to the cadre with the fewest households so far (ties: lowest id), counting
    the households each cadre already has (``cadre_loads``). Returns household id → cadre id."""
    if not cadre_loads:
        return {}
    heap = [(load, cadre_id) for cadre_id, load in cadre_loads.items()]
    heapq.heapify(heap)
    out = {}
    for household_id in household_ids:
        load, cadre_id = heapq.heappop(heap)
        out[household_id] = cadre_id
        heapq.heappush(heap, (load + 1, cadre_id))
    return out
