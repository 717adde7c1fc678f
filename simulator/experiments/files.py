"""Atomic file writing and the run manifest."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "gzip_bytes",
    "manifest",
    "manifest_of",
    "package_version",
    "to_json",
]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _file_mode(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _file_mode(path: Path) -> int:
    """The mode a new file gets: the mode of the file it replaces, else read-write for its owner and
    readable by everyone who can read the folder (0o644), never wider than the folder allows."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def gzip_bytes(data: bytes) -> bytes:
    """Gzip with a zero timestamp, so equal input gives equal bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=6) as handle:
        handle.write(data)
    return buffer.getvalue()


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if value != value or value in (float("inf"), float("-inf")) else value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def to_json(value: Any) -> str:
    """Stable JSON: NaN and infinities become null, numpy scalars plain numbers."""
    return json.dumps(_clean(value), indent=2, ensure_ascii=False) + "\n"


def package_version() -> str:
    """The installed version of this package."""
    try:
        return metadata.version("border-gate-sim")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _git_commit() -> dict[str, Any] | None:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(dirty)}


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "simpy", "pandas", "pydantic", "pyyaml"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def manifest(files: dict[str, bytes], extra: dict[str, Any]) -> dict[str, Any]:
    """Provenance of a result folder: versions, git commit, machine, and a SHA-256 per file."""
    return manifest_of({name: hashlib.sha256(data).hexdigest() for name, data in files.items()}, extra)


def manifest_of(hashes: dict[str, str], extra: dict[str, Any]) -> dict[str, Any]:
    """The manifest of files whose SHA-256 digests are given by name."""
    return {
        "package": "border-gate-sim",
        "version": package_version(),
        "git": _git_commit(),
        "created_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": _versions(),
        "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count()},
        **extra,
        "files": dict(sorted(hashes.items())),
    }
