"""A bounded least-recently-used map, for what a process keeps of the corpus."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """A least-recently-used map whose entries weigh at most `size` in all (one each, unless
    `weight` says otherwise; the newest is kept whatever it weighs), safe across threads: what
    a process keeps of the corpus stays bounded however large the corpus grows."""

    def __init__(self, size: int, weight: Callable[[V], int] = lambda _: 1) -> None:
        self._size = size
        self._weight = weight
        self._total = 0
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if (value := self._kept.get(key)) is not None:
                self._kept.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        with self._lock:
            if (old := self._kept.pop(key, None)) is not None:
                self._total -= self._weight(old)
            self._kept[key] = value
            self._total += self._weight(value)
            while self._total > self._size and len(self._kept) > 1:
                self._total -= self._weight(self._kept.popitem(last=False)[1])
        return value

    def many(self, keys: Collection[K], read: Callable[[list[K]], dict[K, V]], missing: V) -> dict[K, V]:
        """The values of `keys`, reading those not kept with one call of `read`; a key `read`
        does not return is kept as `missing`, so it is not asked again."""
        found: dict[K, V] = {}
        unknown: list[K] = []
        for key in keys:
            if (value := self.get(key)) is None:
                unknown.append(key)
            else:
                found[key] = value
        if unknown:
            fresh = read(unknown)
            for key in unknown:
                found[key] = self.put(key, fresh.get(key, missing))
        return found
