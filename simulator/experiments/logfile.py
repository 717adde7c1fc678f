"""The event log as a file: one row per truck and stage visit, written as the run goes.

:class:`LogWriter` is an observer of the model (:class:`simulator.engine.eventlog.Observer`): it
keeps the trucks and visit rows still open and, at every window, writes the rows of the trucks
that left in it as one Parquet row group (the rows of the trucks still in the system at the end
come last). Its memory is bounded by what is open at a time, not by the horizon, so a ten-year
run writes its log as easily as a week's. Columns are typed: ids as integers, times in minutes
as float64 (NaN: not reached), and names as dictionaries whose values are fixed by the layout,
so equal runs give equal bytes. The file's metadata holds the scenario digest and the replication.

:func:`concatenate_logs` joins per-replication files (or tables) into ``trucks.parquet`` or the
spreadsheet form ``trucks.csv.gz``, a row group at a time.
"""

from __future__ import annotations

import gzip
import io
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.experiments.eventlog_frame import LOG_COLUMNS
from simulator.scenario.types import CHANNELS, MODES

if TYPE_CHECKING:
    from simulator.engine.eventlog import WindowEvents
    from simulator.engine.output import RunLayout

__all__ = ["LogWriter", "concatenate_logs", "log_schema", "read_log"]

COMPRESSION = "zstd"
_NAMES = ("gate", "flow", "direction", "cargo_class", "channel", "handover_mode", "diverted_from", "stage")


def _dictionaries(lay: RunLayout) -> dict[str, list[str]]:
    flows = [f.split(".", 1)[1] for f in lay.flow_names]
    return {
        "gate": list(lay.gate_names),
        "flow": list(dict.fromkeys(flows)),
        "direction": ["export", "import"],
        "cargo_class": list(lay.class_names),
        "channel": ["", *CHANNELS],
        "handover_mode": ["", *MODES],
        "diverted_from": ["", *lay.flow_names],
        "stage": list(dict.fromkeys(s.split(".", 1)[1] for s in lay.stage_names)),
    }


def log_schema(metadata: dict[str, str] | None = None) -> pa.Schema:
    """The typed schema of the event log (names dictionary-encoded)."""
    names = {n: pa.dictionary(pa.int16(), pa.string()) for n in _NAMES}
    types = {"replication": pa.int32(), "truck": pa.int32(), **names}
    fields = [pa.field(c, types.get(c, pa.float64())) for c in LOG_COLUMNS]
    return pa.schema(fields, metadata={k.encode(): v.encode() for k, v in (metadata or {}).items()})


class LogWriter:
    """Write one replication's event log to a Parquet file, a window at a time.

    Parameters
    ----------
    layout : RunLayout
        The run's gates, flows, classes and resources.
    path : str or Path, optional
        The file to write; without it the file is built in memory (:attr:`data` once the run
        ended), with exactly the same bytes.
    digest : str
        The scenario's digest, kept in the file's metadata.
    """

    def __init__(self, layout: RunLayout, path: str | Path | None = None, digest: str = "") -> None:
        self.lay = lay = layout
        self.path = Path(path) if path is not None else None
        self._buffer = pa.BufferOutputStream() if path is None else None
        self.data: bytes | None = None
        self.dictionaries = _dictionaries(lay)
        self.schema = log_schema({"scenario_sha256": digest, "replication": str(lay.replication)})
        flows = [f.split(".", 1)[1] for f in lay.flow_names]
        self._flow_local = np.array([self.dictionaries["flow"].index(f) for f in flows], dtype=np.int16)
        self._flow_dir = np.array([("export", "import").index(d) for d in lay.flow_direction], dtype=np.int16)
        stages = [s.split(".", 1)[1] for s in lay.stage_names]
        self._stage_local = np.array([self.dictionaries["stage"].index(s) for s in stages], dtype=np.int16)
        self.trucks = {k: np.empty(0, dtype=t) for k, t in _TRUCK_COLUMNS.items()}
        self.rows = {k: np.empty(0, dtype=t) for k, t in _ROW_COLUMNS.items()}
        sink = self._buffer if self._buffer is not None else self.path
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(sink, self.schema, compression=COMPRESSION)
        self.written = 0

    def window(self, ev: WindowEvents) -> None:
        """Take a window's events; write the rows of the trucks that left in it."""
        self._append_trucks(ev)
        self._append_rows(ev)
        self._set(self.rows, "row", ev.start_row, "t_start", ev.start_t)
        self._set(self.rows, "row", ev.end_row, "t_end", ev.end_t)
        self._set(self.rows, "row", ev.renege_row, "t_start", np.full(len(ev.renege_row), np.nan))  # left unserved
        self._set(self.trucks, "truck", ev.exit_truck, "exit", ev.exit_t)
        if ev.end == np.inf:
            self._flush(np.ones(len(self.rows["row"]), dtype=bool))
            self.close()
        else:
            self._flush(np.isin(self.rows["truck"], ev.exit_truck))

    def _append_trucks(self, ev: WindowEvents) -> None:
        new: dict[str, np.ndarray] = {
            "truck": ev.arrive_truck.astype(np.int64),
            "flow": ev.arrive_flow.astype(np.int16),
            "origin": ev.arrive_origin.astype(np.int16),
            "cls": ev.arrive_class.astype(np.int16),
            "channel": ev.arrive_channel.astype(np.int16),
            "mode": ev.arrive_mode.astype(np.int16),
            "arrive": ev.arrive_t,
            "exit": np.full(len(ev.arrive_t), np.nan),
        }
        self.trucks = {k: np.concatenate((v, new[k])) for k, v in self.trucks.items()}

    def _append_rows(self, ev: WindowEvents) -> None:
        n = len(ev.open_row)
        new: dict[str, np.ndarray] = {
            "row": ev.open_row.astype(np.int64),
            "truck": ev.open_truck.astype(np.int64),
            "stage": ev.open_stage.astype(np.int16),
            "t_queue": ev.open_t,
            "t_start": np.full(n, np.nan),
            "t_end": np.full(n, np.nan),
        }
        self.rows = {k: np.concatenate((v, new[k])) for k, v in self.rows.items()}

    @staticmethod
    def _set(table: dict[str, np.ndarray], key: str, ids: np.ndarray, column: str, values: np.ndarray) -> None:
        if len(ids):
            table[column][np.searchsorted(table[key], ids)] = values

    def _flush(self, done: np.ndarray) -> None:
        """Write the rows marked ``done`` (in row order) and forget them and their trucks."""
        if done.any():
            rows = {k: v[done] for k, v in self.rows.items()}
            assert self._writer is not None
            self._writer.write_table(self._table(rows), row_group_size=len(rows["row"]))
            self.written += int(done.sum())
            self.rows = {k: v[~done] for k, v in self.rows.items()}
        leaving = ~np.isnan(self.trucks["exit"]) & ~np.isin(self.trucks["truck"], self.rows["truck"])
        if leaving.any():
            self.trucks = {k: v[~leaving] for k, v in self.trucks.items()}

    def _table(self, rows: dict[str, np.ndarray]) -> pa.Table:
        t = self.trucks
        at = np.searchsorted(t["truck"], rows["truck"])
        flow = t["flow"][at]
        d = self.dictionaries
        codes = {
            "gate": self.lay.flow_gate[flow],
            "flow": self._flow_local[flow],
            "direction": self._flow_dir[flow],
            "cargo_class": t["cls"][at],
            "channel": t["channel"][at] + 1,
            "handover_mode": t["mode"][at] + 1,
            "diverted_from": t["origin"][at] + 1,
            "stage": self._stage_local[rows["stage"]],
        }
        columns = {
            "replication": pa.array(np.full(len(at), self.lay.replication, dtype=np.int32)),
            "truck": pa.array(rows["truck"].astype(np.int32)),
            "t_arrive_min": pa.array(t["arrive"][at]),
            "t_exit_min": pa.array(t["exit"][at]),
            "t_queue_min": pa.array(rows["t_queue"]),
            "t_start_min": pa.array(rows["t_start"]),
            "t_end_min": pa.array(rows["t_end"]),
        }
        for name, index in codes.items():
            columns[name] = pa.DictionaryArray.from_arrays(
                pa.array(index.astype(np.int16)), pa.array(d[name], type=pa.string())
            )
        return pa.table([columns[c] for c in LOG_COLUMNS], schema=self.schema)

    def close(self) -> None:
        """Finish the file (the last window does it)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            if self._buffer is not None:
                self.data = self._buffer.getvalue().to_pybytes()


_TRUCK_COLUMNS = {
    "truck": np.int64,
    "flow": np.int16,
    "origin": np.int16,
    "cls": np.int16,
    "channel": np.int16,
    "mode": np.int16,
    "arrive": np.float64,
    "exit": np.float64,
}
_ROW_COLUMNS = {
    "row": np.int64,
    "truck": np.int64,
    "stage": np.int16,
    "t_queue": np.float64,
    "t_start": np.float64,
    "t_end": np.float64,
}


def _batches(sources: Sequence[Path | bytes]) -> Iterator[pa.Table]:
    for source in sources:
        reader = pq.ParquetFile(pa.BufferReader(source) if isinstance(source, bytes) else source)
        for group in range(reader.num_row_groups):
            yield reader.read_row_group(group)


def concatenate_logs(sources: Sequence[Path | bytes], dest: Path, fmt: str = "parquet", digest: str = "") -> None:
    """Write the logs of ``sources`` (Parquet files, or their bytes; in replication order) into one file.

    ``fmt`` ``"parquet"`` writes ``dest`` as Parquet, ``"csv"`` as gzipped CSV; either way a row
    group at a time, so memory does not grow with the log's length. One Parquet source (the log
    of one replication, written with the same schema) is copied as it is, or, when it carries
    another scenario digest (run with another ``run.replications``, or read from the cache), copied
    a row group at a time with ``digest`` in its metadata: the same bytes as a fresh run's.
    """
    if fmt == "parquet" and len(sources) == 1:
        _copy(sources[0], dest, digest)
        return
    if fmt == "parquet":
        schema = log_schema({"scenario_sha256": digest})
        with pq.ParquetWriter(dest, schema, compression=COMPRESSION) as writer:
            for batch in _batches(sources):
                writer.write_table(_unify(batch), row_group_size=max(batch.num_rows, 1))
        return
    with gzip.GzipFile(dest, mode="wb", mtime=0, compresslevel=6) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        text.write(",".join(LOG_COLUMNS) + "\n")
        for batch in _batches(sources):
            _unify(batch).to_pandas().to_csv(text, index=False, header=False, lineterminator="\n")
        text.flush()
        text.detach()


def _copy(source: Path | bytes, dest: Path, digest: str = "") -> None:
    reader = pq.ParquetFile(pa.BufferReader(source) if isinstance(source, bytes) else source)
    meta = reader.schema_arrow.metadata or {}
    if digest and meta.get(b"scenario_sha256", b"").decode() != digest:
        schema = log_schema({"scenario_sha256": digest, "replication": meta.get(b"replication", b"").decode()})
        with pq.ParquetWriter(dest, schema, compression=COMPRESSION) as writer:
            for group in range(reader.num_row_groups):
                batch = reader.read_row_group(group).replace_schema_metadata(schema.metadata)
                writer.write_table(batch, row_group_size=max(batch.num_rows, 1))
        return
    if isinstance(source, bytes):
        dest.write_bytes(source)
    else:
        shutil.copyfile(source, dest)


def _unify(batch: pa.Table) -> pa.Table:
    """A batch with the schema's columns and types (dictionaries of other files unified)."""
    columns = []
    for field in log_schema():
        column = batch.column(field.name)
        if pa.types.is_dictionary(field.type) and not pa.types.is_dictionary(column.type):
            column = column.cast(pa.string()).dictionary_encode()
        columns.append(column)
    return pa.Table.from_arrays(columns, names=[f.name for f in log_schema()])


def read_log(path: Path | bytes) -> pd.DataFrame:
    """The event log of a result folder, from ``trucks.parquet`` or ``trucks.csv.gz`` (or a log's
    Parquet bytes); the same table either way (names as text, an empty text where a truck had no
    channel, mode or origin)."""
    if isinstance(path, bytes) or path.suffix == ".parquet":
        frame = pq.read_table(pa.BufferReader(path) if isinstance(path, bytes) else path).to_pandas()
        for name in _NAMES:
            frame[name] = frame[name].astype(str)
        return frame
    times = {c: [""] for c in LOG_COLUMNS if c.endswith("_min")}
    return pd.read_csv(path, keep_default_na=False, na_values=times, dtype={n: str for n in _NAMES})
