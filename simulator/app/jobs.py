"""Background jobs: the CLI's own commands as detached processes, with their state in the results folder.

A job is a folder ``<results>/.app/jobs/<id>/`` holding ``job.json`` (the command, its process
id, the result folder it writes), ``progress.json`` (rewritten by the CLI's progress bar, see
:data:`simulator.cli.common.PROGRESS_FILE_ENV`), ``stdout.txt``, ``stderr.txt`` and, once the
process has ended, ``exit.json``. A page reload or a second browser finds the jobs again by
listing the folder; cancelling sends SIGTERM, which the CLI turns into a clean stop (its result
folder is written whole or not at all).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.app.safety import APP_DIR, inside

__all__ = ["Job", "cancel", "cli_command", "jobs", "start"]

PROGRESS_FILE_ENV = "BORDER_SIM_PROGRESS_FILE"  # as simulator.cli.common.PROGRESS_FILE_ENV (the layer beside)


@dataclass(frozen=True)
class Job:
    """One background command and what it has written so far."""

    folder: Path
    info: dict[str, Any]

    @property
    def id(self) -> str:
        """The job's folder name (its UTC start time and kind)."""
        return self.folder.name

    @property
    def out(self) -> Path:
        """The result folder the command writes."""
        return Path(self.info["out"])

    def progress(self) -> dict[str, Any]:
        """The last progress the command wrote: ``label``, ``done``, ``total`` (zeros before the first)."""
        try:
            return dict(json.loads((self.folder / "progress.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {"label": self.info["kind"], "done": 0.0, "total": 1}

    def exit_code(self) -> int | None:
        """The exit status, or None while the process runs."""
        try:
            return int(json.loads((self.folder / "exit.json").read_text(encoding="utf-8"))["code"])
        except (OSError, ValueError, KeyError):
            pass
        if not _alive(int(self.info["pid"])):
            return -1  # ended without a record (the app was restarted meanwhile)
        return None

    def status(self) -> str:
        """``running``, ``finished``, ``cancelled`` or ``failed``."""
        code = self.exit_code()
        if code is None:
            return "running"
        written = (self.out / "manifest.json").is_file() or (self.out / "uncertainty.json").is_file()
        if code in (0, 1, -1) and written:
            return "finished"
        return "cancelled" if code in (130, 143) or (self.folder / "cancelled").exists() else "failed"

    def errors(self) -> str:
        """The command's standard error (its ``error:`` lines)."""
        try:
            return (self.folder / "stderr.txt").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cli_command(argv: list[str]) -> str:
    """The command a planner types to reproduce the job: ``python run_scenario.py ...``."""
    return shlex.join(["python", "run_scenario.py", *argv])


def _jobs_dir(root: Path) -> Path:
    folder = inside(root, f"{APP_DIR}/jobs")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start(root: Path, kind: str, argv: list[str], out: Path, cwd: Path | None = None) -> Job:
    """Start ``python -m simulator.cli ARGV`` in the background; it writes its results into ``out``."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = _jobs_dir(root) / f"{stamp}-{kind}"
    folder.mkdir()
    env = dict(os.environ, **{PROGRESS_FILE_ENV: str(folder / "progress.json")})
    with (folder / "stdout.txt").open("wb") as out_fh, (folder / "stderr.txt").open("wb") as err_fh:
        process = subprocess.Popen(
            [sys.executable, "-m", "simulator.cli", *argv],
            stdout=out_fh,
            stderr=err_fh,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    info = {"kind": kind, "argv": argv, "out": str(out), "pid": process.pid, "started": stamp}
    (folder / "job.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    threading.Thread(target=_record_exit, args=(process, folder), daemon=True).start()
    return Job(folder, info)


def _record_exit(process: subprocess.Popen[bytes], folder: Path) -> None:
    code = process.wait()
    (folder / "exit.json").write_text(json.dumps({"code": code}), encoding="utf-8")


def jobs(root: Path) -> list[Job]:
    """Every job under ``root``, newest first."""
    found = []
    for folder in sorted(_jobs_dir(root).iterdir(), reverse=True):
        try:
            found.append(Job(folder, json.loads((folder / "job.json").read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    return found


def cancel(job: Job) -> None:
    """Ask the job's process to stop (SIGTERM): the CLI stops cleanly and says what it left."""
    (job.folder / "cancelled").touch()
    if job.exit_code() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(job.info["pid"]), signal.SIGTERM)
