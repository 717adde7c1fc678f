"""Named random streams: one numpy Generator per (seed, replication, stream name).

Streams are keyed by name, never by position, so adding a stage or a gate leaves every
other stream's numbers unchanged. That is what makes paired comparisons of scenarios
run on the same seed share common random numbers.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["RandomStreams", "stable_hash"]


def stable_hash(name: str) -> int:
    """Return a fixed 32-bit hash of ``name`` (CRC-32), stable across processes and runs."""
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """Factory of independent generators for one replication.

    Parameters
    ----------
    seed : int
        The scenario seed.
    replication : int
        Replication index (0-based).

    Examples
    --------
    >>> streams = RandomStreams(42, 0)
    >>> rng = streams.get("arrivals:huu_nghi:export")
    """

    def __init__(self, seed: int, replication: int) -> None:
        if seed < 0 or replication < 0:
            raise ValueError("seed and replication must be >= 0")
        self.seed = int(seed)
        self.replication = int(replication)

    def get(self, name: str) -> np.random.Generator:
        """Return a fresh generator for stream ``name``; the same name always gives the same numbers."""
        seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, stable_hash(name)))
        return np.random.Generator(np.random.PCG64(seq))
