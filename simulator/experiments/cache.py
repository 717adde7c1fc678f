"""On-disk cache of replication results, so an interrupted study resumes where it stopped.

An entry is keyed by the SHA-256 of: the scenario's *result digest* (the resolved scenario
without the settings that do not change one replication: how many replications there are,
the default seed), the seed, the replication index, the demand multiplier, the package
version, the versions of the libraries that compute a replication (Python, simpy, numpy,
scipy, pandas, pyarrow) and a fingerprint of the source of the layers that compute it
(``scenario``, ``levers``, ``engine``, ``analysis`` and the replication code, recursively; an
edited chart or report keeps every entry).

Entries are data only, never pickles: a small JSON header and Arrow IPC tables, with a SHA-256
of everything after it checked on every read. An entry that fails the check, cannot be parsed
or belongs to another key is recomputed, with a :class:`CacheWarning` naming it; it can never
give a wrong result or run code. Entries are written atomically; a full or read-only disk
raises :class:`CacheError` with one clear message, and the entries already written stay valid.
The event log of a replication, when kept, is a Parquet file beside its reduction, with a
small checksummed entry giving its size and SHA-256 (checked before the file is used).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import io
import json
import os
import platform
import shutil
import struct
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.experiments.errors import CacheError
from simulator.experiments.files import atomic_write_bytes, package_version
from simulator.experiments.writing import file_sha256

if TYPE_CHECKING:  # the heavy libraries load only when an entry is read or written
    import pandas as pd

    from simulator.analysis.reducer import Reduction
    from simulator.experiments.replication import ReplicationResult

__all__ = [
    "CacheError",
    "CacheInfo",
    "CacheWarning",
    "ReplicationCache",
    "code_fingerprint",
    "default_cache_dir",
    "dependency_versions",
    "fingerprint_of",
]

ENV_VAR = "BORDER_SIM_CACHE"
FORMAT = 2  # bump when the meaning of an entry changes
MAGIC = b"BGSIMCACHE\x00\x02"
_PACKAGE = Path(__file__).resolve().parent.parent
_COMPUTING = ("scenario", "levers", "engine", "analysis")
_ALSO = ("experiments/replication.py", "experiments/cache.py", "experiments/eventlog_frame.py")
_LIBRARIES = ("simpy", "numpy", "scipy", "pandas", "pyarrow")
_MAX_HEADER = 1 << 20


_KEPT = "finished replications are kept (use --cache-dir elsewhere or --no-cache)"


class _Missing(Exception):
    """A part of an entry is not there (a miss, not damage)."""


def _reason(exc: OSError) -> str:
    return {errno.ENOSPC: "the disk is full", errno.EROFS: "the disk is read-only"}.get(
        exc.errno or 0, exc.strerror or str(exc)
    )


class CacheWarning(UserWarning):
    """A cache entry could not be used and is being recomputed."""


def default_cache_dir() -> Path:
    """``$BORDER_SIM_CACHE`` if set, else ``.sim-cache`` in the current folder."""
    return Path(os.environ.get(ENV_VAR, ".sim-cache"))


def fingerprint_of(package: Path) -> str:
    """SHA-256 over the source of the layers of ``package`` that compute a replication (recursive).

    The charts, the report, the command line and the rest of the experiment layer are left out:
    editing them cannot change a replication's numbers.
    """
    digest = hashlib.sha256()
    files = [p for layer in _COMPUTING for p in (package / layer).rglob("*.py")]
    files += [package / name for name in _ALSO if (package / name).is_file()]
    for path in sorted(files):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """:func:`fingerprint_of` the installed package (computed once per process)."""
    return fingerprint_of(_PACKAGE)


@functools.cache
def dependency_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a replication's numbers depend on."""
    out = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass(frozen=True)
class CacheInfo:
    """Size of a cache folder."""

    path: Path
    entries: int
    bytes: int


def _table_bytes(frame: pd.DataFrame, compression: str | None = None) -> bytes:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _read_table(data: bytes) -> pd.DataFrame:
    import pyarrow as pa

    with pa.ipc.open_stream(pa.BufferReader(data)) as reader:
        return reader.read_all().to_pandas()


def encode(key: str, tables: dict[str, bytes], meta: dict[str, Any]) -> bytes:
    """One entry: magic, SHA-256 of the rest, header length, JSON header, then the tables."""
    header = {"format": FORMAT, "key": key, "meta": meta, "tables": [[n, len(b)] for n, b in tables.items()]}
    head = json.dumps(header, sort_keys=True).encode("utf-8")
    rest = struct.pack(">Q", len(head)) + head + b"".join(tables.values())
    return MAGIC + hashlib.sha256(rest).digest() + rest


def decode(key: str, data: bytes) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The tables and metadata of an entry; :class:`ValueError` on any damage or another key."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 40:
        raise ValueError("not a cache entry of this format")
    checksum, rest = data[len(MAGIC) : len(MAGIC) + 32], data[len(MAGIC) + 32 :]
    if hashlib.sha256(rest).digest() != checksum:
        raise ValueError("checksum mismatch (the entry was damaged)")
    (length,) = struct.unpack(">Q", rest[:8])
    if length > min(_MAX_HEADER, len(rest) - 8):
        raise ValueError("bad header length")
    header = json.loads(rest[8 : 8 + length].decode("utf-8"))
    if header.get("format") != FORMAT or header.get("key") != key:
        raise ValueError("the entry belongs to another key")
    tables, offset = {}, 8 + length
    for name, size in header["tables"]:
        tables[str(name)] = rest[offset : offset + int(size)]
        offset += int(size)
    if offset != len(rest):
        raise ValueError("trailing or missing bytes")
    return tables, header["meta"]


def encode_reduction(key: str, red: Reduction) -> bytes:
    """A replication's reduction as an entry."""
    import pandas as pd

    hourly = pd.DataFrame({f"s{i}": red.hourly[i] for i in range(len(red.series))})
    tables = {
        "kpis": _table_bytes(red.kpis),
        "trs": _table_bytes(red.trs),
        "fees": _table_bytes(red.fees),
        "hourly": _table_bytes(hourly),
        **({"suspensions": _table_bytes(red.suspensions)} if len(red.suspensions) else {}),
    }
    meta = {
        "replication": red.replication,
        "series": [list(s) for s in red.series],
        "hours": int(red.hourly.shape[1]),
        "exact_percentiles": red.exact_percentiles,
    }
    return encode(key, tables, meta)


def decode_reduction(key: str, data: bytes) -> Reduction:
    """The reduction in an entry."""
    import numpy as np

    from simulator.analysis.reducer import Reduction

    tables, meta = decode(key, data)
    hourly = _read_table(tables["hourly"])
    series = [tuple(str(x) for x in s) for s in meta["series"]]
    values = np.array([hourly[f"s{i}"].to_numpy(dtype=float) for i in range(len(series))])
    values = values.reshape(len(series), int(meta["hours"]))
    return Reduction(
        replication=int(meta["replication"]),
        kpis=_read_table(tables["kpis"]),
        series=series,  # type: ignore[arg-type]
        hourly=values,
        trs=_read_table(tables["trs"]),
        fees=_read_table(tables["fees"]),
        exact_percentiles=bool(meta["exact_percentiles"]),
        **({"suspensions": _read_table(tables["suspensions"])} if "suspensions" in tables else {}),
    )


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
            probe = self.path / f".write-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise CacheError(f"cache folder {self.path} is not writable: {exc.strerror or exc}") from None

    @staticmethod
    def key(result_digest: str, seed: int, replication: int, **extra: Any) -> str:
        """The entry key of one replication."""
        parts = [result_digest, str(seed), str(replication), package_version(), code_fingerprint(), str(FORMAT)]
        parts += [f"{k}={v}" for k, v in sorted(dependency_versions().items())]
        parts += [f"{k}={extra[k]!r}" for k in sorted(extra)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def _file(self, key: str, part: str = "") -> Path:
        return self.path / key[:2] / f"{key}{part}.entry"

    def _read(self, key: str, part: str) -> bytes | None:
        try:
            return self._file(key, part).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            warnings.warn(
                CacheWarning(f"cache entry {self._file(key, part)} cannot be read ({exc}); recomputing"), stacklevel=2
            )
            return None

    def get(self, key: str, with_log: bool = False) -> ReplicationResult | None:
        """The cached result (with its event-log file when asked), or None to recompute it."""
        from simulator.experiments.replication import ReplicationResult

        data = self._read(key, "")
        if data is None:
            self.misses += 1
            return None
        try:
            reduction = decode_reduction(key, data)
            log_file = self._log_file(key) if with_log else None
        except _Missing:
            self.misses += 1
            return None
        except Exception as exc:  # any damage: never a wrong result, never a crash
            warnings.warn(CacheWarning(f"cache entry {self._file(key)} is damaged ({exc}); recomputing"), stacklevel=2)
            self.misses += 1
            return None
        self.hits += 1
        return ReplicationResult(reduction.replication, reduction, log_file=log_file)

    def _log_file(self, key: str) -> str:
        """The path of the entry's event-log file, once its size and checksum are checked."""
        head = self._read(key, ".log")
        if head is None:
            raise _Missing
        _, meta = decode(key, head)
        path = self._file(key, ".log").with_suffix(".parquet")
        if not path.is_file() or path.stat().st_size != int(meta["size"]) or file_sha256(path) != meta["sha256"]:
            raise ValueError(f"its event log {path.name} is missing or damaged")
        return str(path)

    def put(self, key: str, result: ReplicationResult) -> None:
        """Store ``result`` atomically; its event log first (the file and a checked header), so
        that a reduction entry on disk always has the log it was stored with."""
        if result.log_file is not None or result.log_data is not None:
            self._put_log(key, result)
        self._write(self._file(key), encode_reduction(key, result.reduction))

    def _put_log(self, key: str, result: ReplicationResult) -> None:

        path = self._file(key, ".log").with_suffix(".parquet")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            if result.log_file is not None:
                shutil.copyfile(result.log_file, tmp)
            else:
                assert result.log_data is not None
                tmp.write_bytes(result.log_data)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise CacheError(f"cannot write the cache entry {path}: {_reason(exc)}; {_KEPT}") from None
        meta = {"replication": result.replication, "size": path.stat().st_size, "sha256": file_sha256(path)}
        self._write(self._file(key, ".log"), encode(key, {}, meta))

    def _write(self, path: Path, data: bytes) -> None:
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise CacheError(f"cannot write the cache entry {path}: {_reason(exc)}; {_KEPT}") from None

    def info(self) -> CacheInfo:
        """Number of entries and bytes on disk."""
        files = [f for f in self.path.glob("*/*") if f.suffix in (".entry", ".parquet")] if self.path.is_dir() else []
        replications = [f for f in files if f.suffix == ".entry" and not f.name.endswith(".log.entry")]
        return CacheInfo(self.path, len(replications), sum(f.stat().st_size for f in files))

    def clear(self) -> int:
        """Delete every entry; return how many there were."""
        count = self.info().entries
        if self.path.is_dir():
            try:
                shutil.rmtree(self.path)
            except OSError as exc:
                raise CacheError(f"cannot clear the cache folder {self.path}: {exc.strerror or exc}") from None
        return count
