"""Writing a run's result files: Parquet by default, CSV for spreadsheets, in bounded memory.

The large files — the hourly time series and the event log — are written a row group at a
time from what each replication kept (its hourly levels, its log file or table), never as one
big table. ``timeseries.parquet`` and ``trucks.parquet`` have typed columns (names as
dictionaries, times as float64) and the scenario digest in their metadata; ``--format csv``
writes ``timeseries.csv`` and ``trucks.csv.gz`` instead, with the same columns.

A result folder is written into a hidden staging folder beside it and renamed into place
whole (:func:`staged_folder`), so an interrupted command leaves either the complete folder or
none; ``--overwrite`` replaces an existing folder whole, so no stale file survives.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.experiments.logfile import COMPRESSION, concatenate_logs

if TYPE_CHECKING:
    from simulator.analysis.reducer import Reduction

__all__ = [
    "FORMATS",
    "file_sha256",
    "log_file_name",
    "series_file_name",
    "staged_folder",
    "timeseries_schema",
    "write_log",
    "write_timeseries",
]

FORMATS = ("parquet", "csv")
_SERIES_PER_GROUP = 32  # series per Parquet row group of the time series, at most
_ROWS_PER_GROUP = 300_000  # rows per row group at most (long runs: fewer series per group)
_TS_COLUMNS = ["replication", "time_h", "scope", "key", "metric", "value"]


def series_file_name(fmt: str) -> str:
    """``timeseries.parquet`` or ``timeseries.csv``."""
    return "timeseries.parquet" if fmt == "parquet" else "timeseries.csv"


def log_file_name(fmt: str) -> str:
    """``trucks.parquet`` or ``trucks.csv.gz``."""
    return "trucks.parquet" if fmt == "parquet" else "trucks.csv.gz"


def timeseries_schema(digest: str = "") -> pa.Schema:
    """The typed schema of ``timeseries.parquet``."""
    names = pa.dictionary(pa.int16(), pa.string())
    fields = [
        pa.field("replication", pa.int32()),
        pa.field("time_h", pa.float64()),
        pa.field("scope", names),
        pa.field("key", names),
        pa.field("metric", names),
        pa.field("value", pa.float64()),
    ]
    return pa.schema(fields, metadata={b"scenario_sha256": digest.encode()})


def _series_batches(reductions: Sequence[Reduction], digest: str) -> Iterator[pa.Table]:
    schema = timeseries_schema(digest)
    for red in reductions:
        hours = np.arange(red.hourly.shape[1], dtype=float)
        n = len(hours)
        per = max(1, min(_SERIES_PER_GROUP, _ROWS_PER_GROUP // max(n, 1)))
        for lo in range(0, len(red.series), per):
            part = red.series[lo : lo + per]
            columns = {
                "replication": pa.array(np.full(n * len(part), red.replication, dtype=np.int32)),
                "time_h": pa.array(np.tile(hours, len(part))),
                "value": pa.array(red.hourly[lo : lo + len(part)].ravel()),
            }
            for i, name in enumerate(("scope", "key", "metric")):
                values = [s[i] for s in part]
                dictionary = list(dict.fromkeys(values))
                codes = np.repeat(np.array([dictionary.index(v) for v in values], dtype=np.int16), n)
                columns[name] = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(dictionary, pa.string()))
            yield pa.table([columns[c] for c in _TS_COLUMNS], schema=schema)


def write_timeseries(reductions: Sequence[Reduction], sink: str | Path | BinaryIO, fmt: str, digest: str) -> None:
    """Write the hourly levels of every replication: Parquet (typed) or CSV, a row group at a time."""
    if fmt == "parquet":
        with pq.ParquetWriter(sink, timeseries_schema(digest), compression=COMPRESSION) as writer:
            for batch in _series_batches(reductions, digest):
                writer.write_table(batch, row_group_size=max(batch.num_rows, 1))
        return
    with _text(sink) as text:
        text.write(",".join(_TS_COLUMNS) + "\n")
        for batch in _series_batches(reductions, digest):
            batch.to_pandas().to_csv(text, index=False, header=False, lineterminator="\n")


@contextlib.contextmanager
def _text(sink: str | Path | BinaryIO) -> Iterator[io.TextIOWrapper]:
    raw = open(sink, "wb") if isinstance(sink, str | Path) else sink  # noqa: SIM115 - closed below
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    try:
        yield text
    finally:
        text.flush()
        text.detach()
        if isinstance(sink, str | Path):
            raw.close()


def write_log(logs: Sequence[bytes | Path], dest: Path, fmt: str, digest: str = "") -> None:
    """Write the event logs (per-replication Parquet bytes or files, in replication order) as one
    file, with the scenario digest in its metadata."""
    concatenate_logs(logs, dest, fmt, digest)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def staged_folder(path: Path, overwrite: bool = False) -> Iterator[Path]:
    """Write a result folder in a staging folder beside ``path``, then move it into place whole.

    If the body raises (an error, Ctrl-C), the staging folder is removed and ``path`` is left as
    it was: the complete folder or none. With ``overwrite``, an existing ``path`` is replaced
    whole once the new folder is complete.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    try:
        yield staging
        os.chmod(staging, 0o755)
        if path.exists():
            if not overwrite and (not path.is_dir() or any(path.iterdir())):
                raise FileExistsError(path)
            trash = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            os.replace(path, trash / path.name)
            os.replace(staging, path)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
