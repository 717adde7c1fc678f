"""The truck groups every truck KPI is computed for, and the rows of live trucks and visits.

Groups (scopes): ``all``; ``gate`` (the gate that served the truck); ``direction``; ``class``;
``channel`` and ``mode`` (only the channels and modes some truck had). A truck belongs to one
group of each partition it has a value in, so group figures are sums over a truck's codes.
For the diverted-trucks KPI the gate partition is read by the gate a truck *first* came to.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.engine.output import RunLayout
from simulator.scenario.types import CHANNELS, MODES

__all__ = ["Groups", "LiveTable"]

DIRECTIONS = ("export", "import")


@dataclass(frozen=True)
class Groups:
    """Index space of the truck groups of one layout."""

    scopes: tuple[str, ...]
    keys: tuple[str, ...]
    gate_offset: int
    direction_offset: int
    class_offset: int
    channel_offset: int
    mode_offset: int
    directions: tuple[str, ...]

    @classmethod
    def of(cls, lay: RunLayout) -> Groups:
        """The groups of ``lay``: all, each gate, each direction present, class, channel and mode."""
        scopes, keys = ["all"], ["all"]
        directions = tuple(d for d in DIRECTIONS if d in lay.flow_direction)
        offsets = {}
        for scope, names in (
            ("gate", lay.gate_names),
            ("direction", directions),
            ("class", lay.class_names),
            ("channel", CHANNELS),
            ("mode", MODES),
        ):
            offsets[scope] = len(scopes)
            scopes.extend([scope] * len(names))
            keys.extend(names)
        return cls(
            tuple(scopes),
            tuple(keys),
            offsets["gate"],
            offsets["direction"],
            offsets["class"],
            offsets["channel"],
            offsets["mode"],
            directions,
        )

    @property
    def n(self) -> int:
        """Number of groups."""
        return len(self.scopes)

    def codes(
        self, lay: RunLayout, flow: np.ndarray, cls: np.ndarray, channel: np.ndarray, mode: np.ndarray
    ) -> np.ndarray:
        """Group index of every truck in each partition, shape ``(trucks, 6)`` (-1: in no group of it)."""
        n = len(flow)
        out = np.empty((n, 6), dtype=np.int16)
        out[:, 0] = 0
        out[:, 1] = self.gate_offset + lay.flow_gate[flow]
        direction = np.array([self.directions.index(d) for d in lay.flow_direction], dtype=np.int64)
        out[:, 2] = self.direction_offset + direction[flow] if n else 0
        out[:, 3] = self.class_offset + cls
        out[:, 4] = np.where(channel >= 0, self.channel_offset + channel, -1)
        out[:, 5] = np.where(mode >= 0, self.mode_offset + mode, -1)
        return out

    def listed(self, seen: np.ndarray) -> Iterator[int]:
        """Groups in KPI-table order; channels and modes only when some truck had them."""
        for g, scope in enumerate(self.scopes):
            if scope in ("channel", "mode") and not seen[g]:
                continue
            yield g


def spread(codes: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Repeat per-truck values once per group the truck is in: ``(group, *columns)``."""
    flat = codes.ravel()
    keep = flat >= 0
    reps = codes.shape[1]
    return (flat[keep], *(np.repeat(c, reps)[keep] for c in columns))


class LiveTable:
    """Columns of entities (trucks or visit rows) numbered from 0, kept only while they are live.

    New entities are appended in id order; :meth:`drop_before` forgets a prefix of finished ones,
    so the table holds only the span from the oldest live entity to the newest.
    """

    def __init__(self, dtypes: dict[str, Any]) -> None:
        self.base = 0
        self.columns: dict[str, np.ndarray] = {
            k: np.empty((0, v[1]), dtype=v[0]) if isinstance(v, tuple) else np.empty(0, dtype=v)
            for k, v in dtypes.items()
        }

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def append(self, **values: np.ndarray) -> None:
        """Append entities; every column gets a value (missing columns get their fill)."""
        n = len(next(iter(values.values())))
        for name, column in self.columns.items():
            add = values[name] if name in values else _fill(column.dtype, n)
            self.columns[name] = np.concatenate((column, np.asarray(add, dtype=column.dtype)))

    def index(self, ids: np.ndarray) -> np.ndarray:
        """Positions of entity ``ids`` in the columns."""
        return np.asarray(ids, dtype=np.int64) - self.base

    def drop_before(self, finished: np.ndarray) -> None:
        """Forget the longest prefix of entities whose ``finished`` flag is set."""
        not_done = np.flatnonzero(~finished)
        cut = int(not_done[0]) if len(not_done) else len(finished)
        if cut:
            self.base += cut
            for name in self.columns:
                self.columns[name] = self.columns[name][cut:]


def _fill(dtype: np.dtype, n: int) -> np.ndarray:
    if np.issubdtype(dtype, np.floating):
        return np.full(n, np.nan)
    if dtype == np.bool_:
        return np.zeros(n, dtype=bool)
    return np.full(n, -1, dtype=dtype)
