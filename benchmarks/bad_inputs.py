"""Bad inputs of issue 12 item 4, run against this checkout and (``--before DIR``) an older one.

Every case runs ``run_scenario.py`` of the tree in a fresh child process (``PYTHONPATH`` and
working folder set to the tree), with a 4 GiB address-space limit and a 40 s timeout so that an
old alias bomb cannot take the machine down. It prints a Markdown table: case | before | after,
each cell the exit status, the first stderr line (or ``Traceback: <last line>``), the wall time
and the child's peak RSS in MiB.

Run ``python benchmarks/bad_inputs.py [--before /work/before]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL = """\
name: small
run:
  start_date: 2024-08-01
  days: 3
  warmup_days: 1
  replications: 2
  seed: 7
cargo_classes:
  fruit: {perishable: true}
  general: {}
gates:
  huu_nghi:
    stages:
      entry:
        servers: 2
        service: {dist: uniform, low_min: 2, high_min: 5}
      customs:
        servers: 3
        service: {dist: lognormal, mean_min: 20, sd_min: 10}
        hours: ["07:00-19:00"]
    flows:
      export:
        direction: export
        trucks_per_day: 80
        class_mix: {fruit: 0.7, general: 0.3}
        route: [entry, customs]
"""
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
RUN = ["--days", "2", "--replications", "1", "--no-report", "--no-cache", "--event-log", "none", "--quiet"]
MARKUP = SMALL.replace("  huu_nghi:\n", '  huu_nghi:\n    name: "[/bold] [link=https://x]y"\n')


def _sub(old: str, new: str, text: str = SMALL) -> str:
    return text.replace(old, new, 1)


# case: (files {name: text or bytes}, argv; "F:name" is the path of a file, "O" a fresh --out folder)
CASES: dict[str, tuple[dict[str, str | bytes], list[str]]] = {
    "start_date 2024-13-45": ({"s.yaml": _sub("2024-08-01", "2024-13-45")}, ["validate", "F:s.yaml"]),
    "start_date 2024-02-30": ({"s.yaml": _sub("2024-08-01", "2024-02-30")}, ["validate", "F:s.yaml"]),
    "--set run.start_date=2024-02-30": (
        {"s.yaml": SMALL},
        ["validate", "F:s.yaml", "--set", "run.start_date=2024-02-30"],
    ),
    "closure start 2024-02-30": (
        {"s.yaml": SMALL + "calendar: {closures: [{start: 2024-02-30, end: 2024-03-01}]}\n"},
        ["validate", "F:s.yaml"],
    ),
    "start_date 9999-12-31 (run)": ({"s.yaml": _sub("2024-08-01", "9999-12-31")}, ["F:s.yaml", *RUN, "--out", "O"]),
    "recursive alias &a [*a]": ({"s.yaml": "a: &a [*a]\n"}, ["validate", "F:s.yaml"]),
    "merge alias {<<: *a}": ({"s.yaml": "gate: &a {x: 1, <<: *a}\n"}, ["validate", "F:s.yaml"]),
    "alias bomb (validate)": ({"s.yaml": BOMB}, ["validate", "F:s.yaml"]),
    "alias bomb (run)": ({"s.yaml": BOMB}, ["F:s.yaml", *RUN, "--out", "O"]),
    "nesting 500 deep": ({"s.yaml": "a: " + "[" * 500 + "]" * 500 + "\n"}, ["validate", "F:s.yaml"]),
    "trucks_per_day: 1e7": ({"s.yaml": _sub("80", "1e7")}, ["validate", "F:s.yaml"]),
    "--set trucks_per_day=1e9 (run)": (
        {"s.yaml": SMALL},
        ["F:s.yaml", *RUN, "--out", "O", "--set", "gates.huu_nghi.flows.export.trucks_per_day=1e9"],
    ),
    "servers: 1000000000": ({"s.yaml": _sub("servers: 3", "servers: 1000000000")}, ["validate", "F:s.yaml"]),
    "--days 100000": ({"s.yaml": SMALL}, ["F:s.yaml", *RUN, "--out", "O", "--days", "100000"]),
    "--replications 1000000000": ({"s.yaml": SMALL}, ["F:s.yaml", *RUN, "--out", "O", "--replications", "1000000000"]),
    "servers: true": ({"s.yaml": _sub("servers: 3", "servers: true")}, ["validate", "F:s.yaml"]),
    'trucks_per_day: "300"': ({"s.yaml": _sub("80", '"300"')}, ["validate", "F:s.yaml"]),
    "--set servers=true": (
        {"s.yaml": SMALL},
        ["validate", "F:s.yaml", "--set", "gates.huu_nghi.stages.entry.servers=true"],
    ),
    "schema | head -0": ({}, ["schema", "PIPE"]),
    "validate | head -0": ({"s.yaml": SMALL}, ["validate", "F:s.yaml", "PIPE"]),
    "names [/bold] [link=..] (run)": ({"s.yaml": MARKUP}, ["F:s.yaml", *RUN[:-1], "--out", "O"]),
    "binary file": ({"s.yaml": bytes(range(256)) * 4}, ["validate", "F:s.yaml"]),
    "PNG file": ({"s.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, ["validate", "F:s.png"]),
    "directory": ({"d/x": "x"}, ["validate", "F:d"]),
    "empty file": ({"s.yaml": ""}, ["validate", "F:s.yaml"]),
    "invalid UTF-8": ({"s.yaml": b"name: caf\xe9\n"}, ["validate", "F:s.yaml"]),
    "missing path": ({}, ["validate", "F:absent.yaml"]),
    "--out in read-only folder": ({"s.yaml": SMALL, "ro/x": "x"}, ["F:s.yaml", *RUN, "--out", "RO:ro:ro/out"]),
    "--dask foo://x:1": ({"s.yaml": SMALL}, ["F:s.yaml", *RUN, "--out", "O", "--dask", "foo://x:1"]),
    "--dask notanaddress": ({"s.yaml": SMALL}, ["F:s.yaml", *RUN, "--out", "O", "--dask", "notanaddress"]),
    "cache-info --clear, cache is a file": ({"c": "x"}, ["cache-info", "--clear", "--cache-dir", "F:c"]),
    "cache-info --clear, read-only": ({"c/ab/x.entry": "x"}, ["cache-info", "--clear", "--cache-dir", "RO:c/ab:c"]),
    "capacity --tolerance 0": (
        {"s.yaml": SMALL},
        ["capacity", "F:s.yaml", "--target", "queue_max<=9", "--tolerance", "0"],
    ),
}


def _lock(path: Path, on: bool) -> None:
    """Make ``path`` read-only even to root (``chattr +i``), or writable again."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True, check=False)
    else:
        path.chmod(0o555 if on else 0o755)


def _argv(args: list[str], work: Path, locked: list[Path]) -> list[str]:
    out = []
    for a in args:
        if a.startswith("F:"):
            out.append(str(work / a[2:]))
        elif a == "O":
            out.append(str(work / "out"))
        elif a.startswith("RO:"):  # RO:<folder to lock>:<argument>
            _, lock, arg = a.split(":")
            _lock(work / lock, True)
            locked.append(work / lock)
            out.append(str(work / arg))
        elif a != "PIPE":
            out.append(a)
    return out


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


def _child(argv: list[str], cwd: Path, env: dict[str, str], close_stdout: bool) -> tuple[int | None, float, str, str]:
    """Run one child: exit status (None if killed at 40 s), its own peak RSS in MiB, stdout, stderr."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_limit)
    assert proc.stdout is not None and proc.stderr is not None
    streams: dict[str, bytes] = {"out": b"", "err": b""}
    if close_stdout:  # as `| head -0`
        proc.stdout.close()
    readers = [
        threading.Thread(target=lambda k=k, f=f: streams.__setitem__(k, f.read()), daemon=True)
        for k, f in (("out", proc.stdout), ("err", proc.stderr))
        if not f.closed
    ]
    for t in readers:
        t.start()
    deadline, status = time.monotonic() + 40, None
    while True:
        pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status = os.waitstatus_to_exitcode(code)
            break
        if time.monotonic() > deadline:
            proc.kill()
            _, code, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    proc.returncode = -9 if status is None else status
    for t in readers:
        t.join(5)
    decode = {k: v.decode("utf-8", "replace") for k, v in streams.items()}
    return status, usage.ru_maxrss / 1024, decode["out"], decode["err"]


def _summary(status: int | None, err: str, stdout: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    if status is None:
        return "killed after 40 s"
    if any(line.startswith("Traceback") for line in lines):
        return f"Traceback: {lines[-1][:90]}"
    if lines:
        return lines[0][:110]
    shown = "[/bold]" in stdout and "[link=https://x]y" in stdout
    return "names shown as written" if shown else "(no error output)"


def run_case(tree: Path, name: str) -> str:
    """One case against ``tree``: 'exit N, first line, time, peak MiB'."""
    files, args = CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for rel, content in files.items():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        locked: list[Path] = []
        argv = [sys.executable, str(tree / "run_scenario.py"), *_argv(args, work, locked)]
        env = {**os.environ, "PYTHONPATH": str(tree), "BORDER_SIM_CACHE": str(work / "cache"), "COLUMNS": "200"}
        started = time.monotonic()
        try:
            status, peak, out, text = _child(argv, tree, env, "PIPE" in args)
            text = text.replace(str(work), "$TMP")
        finally:
            for folder in locked:
                _lock(folder, False)
        wall = time.monotonic() - started
    return f"exit {status}, {_summary(status, text, out)}, {wall:.2f} s, {peak:.0f} MiB".replace("|", "\\|")


def main() -> int:
    """Run every case and print the table; exit 1 when some case of this tree shows a traceback."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    args = parser.parse_args()
    print("| case | before | after |\n|---|---|---|")
    bad = 0
    for name in CASES:
        before = run_case(args.before.resolve(), name) if args.before else "–"
        after = run_case(ROOT, name)
        bad += "Traceback" in after or "killed" in after
        print(f"| {name} | {before} | {after} |", flush=True)
    print("\nEach cell: exit status, first stderr line, wall time, peak RSS of that child (wait4).")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
