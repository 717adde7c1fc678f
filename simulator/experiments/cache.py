"""On-disk cache of replication results, so an interrupted study resumes where it stopped.

An entry is keyed by the SHA-256 of: the resolved scenario, the seed, the replication
index, the demand multiplier, whether the event log is kept, the package version and a
fingerprint of the simulator's own source code (so an edited engine never reuses stale
results). Entries are written atomically; a half-written entry cannot exist.

The cache holds pickles: point it only at folders you trust.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.experiments.files import atomic_write_bytes, package_version

__all__ = ["CacheError", "CacheInfo", "ReplicationCache", "code_fingerprint", "default_cache_dir"]

ENV_VAR = "BORDER_SIM_CACHE"


class CacheError(Exception):
    """The cache folder cannot be used (e.g. not writable)."""


def default_cache_dir() -> Path:
    """``$BORDER_SIM_CACHE`` if set, else ``.sim-cache`` in the current folder."""
    return Path(os.environ.get(ENV_VAR, ".sim-cache"))


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 over the simulator package's source files."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    """Size of a cache folder."""

    path: Path
    entries: int
    bytes: int


class ReplicationCache:
    """A folder of cached replication results.

    Parameters
    ----------
    path : str or Path
        The cache folder; created on first use.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.hits = 0
        self.misses = 0

    def check_writable(self) -> None:
        """Raise :class:`CacheError` unless the folder can be created and written."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".write-probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise CacheError(f"cache folder {self.path} is not writable: {exc.strerror or exc}") from None

    @staticmethod
    def key(scenario_digest: str, seed: int, replication: int, **extra: Any) -> str:
        """The entry key of one replication."""
        parts = [scenario_digest, str(seed), str(replication), package_version(), code_fingerprint()]
        parts += [f"{k}={extra[k]!r}" for k in sorted(extra)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def _file(self, key: str) -> Path:
        return self.path / key[:2] / f"{key}.pkl"

    def get(self, key: str) -> Any | None:
        """The cached value, or None (a corrupt entry counts as missing)."""
        try:
            data = self._file(key).read_bytes()
            value = pickle.loads(data)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` atomically."""
        atomic_write_bytes(self._file(key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def info(self) -> CacheInfo:
        """Number of entries and bytes on disk."""
        files = list(self.path.glob("*/*.pkl")) if self.path.is_dir() else []
        return CacheInfo(self.path, len(files), sum(f.stat().st_size for f in files))

    def clear(self) -> int:
        """Delete every entry; return how many there were."""
        count = self.info().entries
        if self.path.is_dir():
            shutil.rmtree(self.path)
        return count
