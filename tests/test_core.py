"""The sound core under the layered package: immutable scenarios, a cache that cannot lie or be used to
attack, no import-time side effects, honest utilisation, and replications reused across runs."""

from __future__ import annotations

import errno
import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.cli import main
from simulator.experiments import cache as cache_module
from simulator.experiments.cache import CacheWarning, ReplicationCache, fingerprint_of
from simulator.experiments.replication import ReplicationResult, replication_tasks, run_tasks
from simulator.levers.apply import apply_levers
from simulator.scenario.types import FrozenDict

from .conftest import ROOT, SCENARIOS

MM1 = SCENARIOS / "examples" / "mm1.yaml"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


# ---------------------------------------------------------------------------------- immutability


def test_mutating_any_nested_part_of_a_scenario_raises() -> None:
    sc = simulator.load_scenario(SCENARIOS / "lang_son_2024.yaml")
    gate = sc.gates["huu_nghi"]
    flow = gate.flows["export"]
    digest = sc.digest()
    attempts = [
        lambda: flow.route.append("x"),  # type: ignore[attr-defined]
        lambda: sc.gates.__setitem__("new", gate),
        lambda: gate.flows.pop("export"),
        lambda: gate.stages.update({}),
        lambda: flow.class_mix.__setitem__("fresh_fruit", 1.0),
        lambda: flow.hourly_profile.__setitem__(0, 5.0),  # type: ignore[attr-defined]
        lambda: sc.calendar.closures.append(None),  # type: ignore[attr-defined]
        lambda: sc.gates["huu_nghi"].stages["customs_export"].channels.shares.clear(),  # type: ignore[union-attr]
        lambda: setattr(flow, "trucks_per_day", 1.0),
        lambda: setattr(sc.run, "days", 2),
    ]
    for attempt in attempts:
        with pytest.raises((TypeError, AttributeError, ValueError)):
            attempt()
    assert sc.digest() == digest
    assert isinstance(sc.gates, FrozenDict) and isinstance(flow.route, tuple)
    assert pickle.loads(pickle.dumps(sc)) == sc  # still picklable for worker processes


def test_a_lever_builds_a_new_scenario_and_leaves_its_input_unchanged() -> None:
    base = simulator.load_scenario(SCENARIOS / "lang_son_2025.yaml")
    before, digest = base.model_dump(mode="json"), base.digest()
    new = apply_levers(base, [{"lever": "extended_hours", "gates": ["huu_nghi"]}])
    assert new.digest() != digest and new.provenance and not base.provenance
    assert base.model_dump(mode="json") == before and base.digest() == digest
    assert isinstance(new.gates, FrozenDict) and isinstance(new.provenance, tuple)


# ------------------------------------------------------------------------------------------- cache


def _fresh_package(tmp_path: Path) -> Path:
    copy = tmp_path / "simulator"
    shutil.copytree(ROOT / "simulator", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_cache_key_follows_the_computing_code_and_dependencies_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _fresh_package(tmp_path)
    original = fingerprint_of(package)
    chart = package / "report" / "plots.py"
    chart.write_text(chart.read_text(encoding="utf-8") + "\n# a chart edit\n", encoding="utf-8")
    cli = package / "cli" / "commands.py"
    cli.write_text(cli.read_text(encoding="utf-8") + "\n# a CLI edit\n", encoding="utf-8")
    assert fingerprint_of(package) == original, "editing a chart or the CLI must keep every entry"
    nested = package / "engine" / "model.py"
    nested.write_text(nested.read_text(encoding="utf-8") + "\n# an engine edit\n", encoding="utf-8")
    assert fingerprint_of(package) != original, "editing the engine must miss"
    edited = fingerprint_of(package)
    (package / "analysis" / "new_module.py").write_text("X = 1\n", encoding="utf-8")  # recursive, new files
    assert fingerprint_of(package) != edited

    task = replication_tasks(simulator.load_scenario(MM1, ["run.days=3", "run.warmup_days=1"]), 1)[0]
    key = task.cache_key()
    versions = dict(cache_module.dependency_versions())
    for library in ("numpy", "simpy", "scipy", "pandas", "pyarrow"):
        changed = {**versions, library: versions[library] + ".post1"}
        monkeypatch.setattr(cache_module, "dependency_versions", lambda changed=changed: changed)
        assert task.cache_key() != key, library
    monkeypatch.setattr(cache_module, "dependency_versions", lambda: versions)
    assert task.cache_key() == key


def _small_run(cache: ReplicationCache | None) -> dict[str, bytes]:
    sc = simulator.load_scenario(MM1, ["run.days=4", "run.warmup_days=1"])
    tasks = replication_tasks(sc, 2, seed=11)
    res = simulator.Results.from_replications(sc, 11, run_tasks(tasks, cache=cache))
    files = res.files()
    return {k: v for k, v in files.items() if k != "trucks.parquet"}


def _assert_same_reductions(got: list[ReplicationResult], clean: list[ReplicationResult], kind: str) -> None:
    """Every field of each replication's reduction is exactly the clean one (what a run's files are made from)."""
    for g, c in zip((r.reduction for r in got), (r.reduction for r in clean), strict=True):
        assert (g.replication, g.series, g.exact_percentiles) == (c.replication, c.series, c.exact_percentiles), kind
        assert g.hourly.dtype == c.hourly.dtype and g.hourly.shape == c.hourly.shape, kind
        assert g.hourly.tobytes() == c.hourly.tobytes(), kind
        for name in ("kpis", "trs", "fees"):
            pd.testing.assert_frame_equal(getattr(g, name), getattr(c, name), check_exact=True, obj=f"{kind} {name}")


@pytest.mark.slow
def test_damaged_cache_entries_never_give_a_wrong_result_or_a_crash(tmp_path: Path) -> None:
    clean = _small_run(None)
    folder = tmp_path / "c"
    _small_run(ReplicationCache(folder))
    assert _small_run(ReplicationCache(folder)) == clean  # the pristine entries give the same files
    # each damaged entry below is compared at the level the cache stores, the reductions the files are
    # built from (the same power, at a fraction of the cost of building the files 300 times)
    tasks = replication_tasks(simulator.load_scenario(MM1, ["run.days=4", "run.warmup_days=1"]), 2, seed=11)
    reductions = run_tasks(tasks)
    entries = sorted(folder.glob("*/*.entry"))
    assert len(entries) == 2
    pristine = {e: e.read_bytes() for e in entries}
    rng = np.random.default_rng(20261202)
    damages: list[tuple[str, bytes]] = []
    for _ in range(200):  # one flipped bit anywhere in the entry
        data = bytearray(pristine[entries[0]])
        bit = int(rng.integers(0, len(data) * 8))
        data[bit // 8] ^= 1 << (bit % 8)
        damages.append(("flip", bytes(data)))
    for _ in range(50):  # cut short anywhere
        data = pristine[entries[0]]
        damages.append(("truncate", data[: int(rng.integers(0, len(data)))]))
    for _ in range(50):  # garbage of any length
        damages.append(("garbage", rng.integers(0, 256, int(rng.integers(0, 5000)), dtype=np.uint8).tobytes()))
    for kind, data in damages:
        entries[0].write_bytes(data)
        with pytest.warns(CacheWarning, match="recomputing"):
            got = run_tasks(tasks, cache=ReplicationCache(folder))
        _assert_same_reductions(got, reductions, kind)
        entries[0].write_bytes(pristine[entries[0]])


def test_a_crafted_pickle_in_the_cache_executes_nothing(tmp_path: Path) -> None:
    clean = _small_run(None)
    folder = tmp_path / "c"
    _small_run(ReplicationCache(folder))
    marker = tmp_path / "owned"

    class Exploit:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    for entry in folder.glob("*/*.entry"):
        entry.write_bytes(pickle.dumps(Exploit()))
    with pytest.warns(CacheWarning):
        assert _small_run(ReplicationCache(folder)) == clean
    assert not marker.exists(), "a cache entry was unpickled"


def test_nothing_in_the_package_unpickles() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "simulator").rglob("*.py")
        if any(word in p.read_text(encoding="utf-8") for word in ("pickle.load", "cloudpickle.load", "marshal.load"))
    ]
    assert not offenders


def test_a_full_disk_ends_the_run_with_one_line_and_keeps_finished_replications(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cache"
    real = cache_module.atomic_write_bytes
    writes = {"n": 0}

    def writer(path: Path, data: bytes) -> None:
        writes["n"] += 1
        if writes["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(cache_module, "atomic_write_bytes", writer)
    args = [str(MM1), "--days", "4", "--set", "run.warmup_days=1", "--replications", "4", "--event-log", "none"]
    status = main([*args, "--cache-dir", str(folder), "--out", str(tmp_path / "out"), "--quiet", "--no-report"])
    err = capsys.readouterr().err
    assert status == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "the disk is full" in lines[0] and "Traceback" not in err
    assert ReplicationCache(folder).info().entries == 2  # the two finished replications are kept, whole
    monkeypatch.setattr(cache_module, "atomic_write_bytes", real)
    assert main([*args, "--cache-dir", str(folder), "--out", str(tmp_path / "again"), "--quiet", "--no-report"]) == 0


def test_more_replications_reuse_the_cached_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(MM1), "--days", "4", "--set", "run.warmup_days=1", "--event-log", "none", "--no-report"]
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*args, "--replications", "4", *cache, "--out", str(tmp_path / "four")]) == 0
    capsys.readouterr()
    assert main([*args, "--replications", "6", *cache, "--out", str(tmp_path / "six")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "6 replications (4 read from the cache) run" in out
    manifest = json.loads((tmp_path / "six" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cached_replications"] == 4
    first = json.loads((tmp_path / "four" / "manifest.json").read_text(encoding="utf-8"))
    assert first["cached_replications"] == 0
    fresh = ["--no-cache", "--out", str(tmp_path / "fresh")]
    assert main([*args, "--replications", "6", *fresh]) == 0
    assert (tmp_path / "six" / "summary.json").read_bytes() == (tmp_path / "fresh" / "summary.json").read_bytes()


# ------------------------------------------------------------------------------ import side effects

_PROBE = """
import json, os, sys, warnings
# the libraries' own import-time settings (scipy adds warning filters) are theirs, not ours
import matplotlib, matplotlib.figure, numpy, pandas, pyarrow, pydantic, scipy.special, scipy.stats, simpy, yaml
mask = os.umask(0o022); os.umask(mask)
backend = dict.__getitem__(matplotlib.rcParams, "backend")
params = {k: repr(matplotlib.rcParams[k]) for k in list(matplotlib.rcParams.keys()) if k != "backend"}
filters = list(warnings.filters)
import importlib, pkgutil
import simulator
names = [m.name for m in pkgutil.walk_packages(simulator.__path__, "simulator.")]
for name in names:
    importlib.import_module(name)
simulator.plots  # the lazy public names too
mask2 = os.umask(0o022); os.umask(mask2)
after = {k: repr(matplotlib.rcParams[k]) for k in list(matplotlib.rcParams.keys()) if k != "backend"}
changed = sorted(k for k in params if params[k] != after.get(k))
print(json.dumps({
    "modules": len(names),
    "umask": [mask, mask2],
    "backend": [repr(backend), repr(dict.__getitem__(matplotlib.rcParams, "backend"))],
    "rc_changed": changed,
    "filters_same": filters == list(warnings.filters),
}))
"""


def test_importing_every_module_changes_no_global_state() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["modules"] > 50
    assert probe["umask"][0] == probe["umask"][1]
    assert probe["backend"][0] == probe["backend"][1], "the matplotlib backend was chosen at import"
    assert probe["rc_changed"] == []
    assert probe["filters_same"]


def test_a_chart_leaves_the_callers_matplotlib_settings_alone(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import matplotlib, pandas as pd
        before = {{k: repr(v) for k, v in matplotlib.rcParams.items()}}
        from simulator import plots
        table = pd.DataFrame({{"parameter": ["a", "b"], "kpi": ["x", "x"], "base_mean": [2.0, 2.0],
                               "low_mean": [1.0, 1.5], "low_ci_low": [0.9, 1.4], "low_ci_high": [1.1, 1.6],
                               "high_mean": [3.0, 2.5], "high_ci_low": [2.9, 2.4], "high_ci_high": [3.1, 2.6],
                               "swing": [2.0, 1.0]}})
        fig = plots.tornado(table, "t")
        plots.save_figure(fig, {str(tmp_path / "chart")!r})
        after = {{k: repr(v) for k, v in matplotlib.rcParams.items()}}
        assert before == after, sorted(k for k in before if before[k] != after[k])
        assert fig.axes[0].spines["top"].get_visible() is False  # the house style applied inside
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "chart.png").stat().st_size > 0


# ---------------------------------------------------------------------------------- utilisation


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_utilisation_never_exceeds_one(path: Path) -> None:
    try:
        sc = simulator.load_scenario(path, ["run.days=9", "run.warmup_days=2"])
    except simulator.ScenarioError:  # dated closures outside a short run: the file's own horizon
        sc = simulator.load_scenario(path)
    res = simulator.run(sc, replications=2 if sc.run.days <= 30 else 1, seed=5, event_log="none")
    stage = res.replications[res.replications.scope == "stage"]
    util = stage[stage.kpi == "utilisation"].value.dropna()
    assert len(util) and (util <= 1.0 + 1e-12).all(), util.max()
    share = stage[stage.kpi == "busy_share_24h"].value.dropna()
    assert (share <= 1.0 + 1e-12).all()
    overtime = stage[stage.kpi == "overtime_min"].value.dropna()
    assert (overtime >= 0).all()


@pytest.mark.parametrize("hours", ["08:00-09:00", "08:25-09:10"], ids=["whole-hours", "ragged-hours"])
def test_overtime_and_utilisation_by_hand(tmp_path: Path, hours: str) -> None:
    # One server open 08:00-09:00 and every truck arriving between 08:00 and 09:00, each served for
    # 50 min: the first is served within the hour, the next one's service starts before 09:00 and runs
    # past closing (overtime), and the rest wait for the next morning. Computed here from the log.
    text = textwrap.dedent(
        """
        name: overtime
        run: {start_date: 2024-01-01, days: 2, warmup_days: 1, replications: 1, seed: 1}
        cargo_classes: {general: {}}
        gates:
          g:
            stages:
              s:
                servers: 1
                service: {dist: deterministic, value_min: 50}
                hours: ["HOURS"]
            flows:
              f:
                direction: export
                trucks_per_day: 20
                hourly_profile: [0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]
                class_mix: {general: 1}
                route: [s]
        """
    )
    path = tmp_path / "overtime.yaml"
    path.write_text(text.replace("HOURS", hours), encoding="utf-8")
    sc = simulator.load_scenario(path)
    out = simulator.simulate(sc, 0)
    from simulator.analysis.kpis import replication_kpis

    kpis = replication_kpis(out).set_index(["scope", "key", "kpi"]).value
    v = out.visits
    t0, t1 = out.warmup_min, out.horizon_min
    served = ~np.isnan(v.t_start)
    start, end = v.t_start[served], np.where(np.isnan(v.t_end[served]), t1, v.t_end[served])
    lo, hi = np.maximum(start, t0), np.minimum(end, t1)
    busy = np.clip(hi - lo, 0, None).sum()
    day = np.floor(t0 / 1440)
    (a, b) = (int(x[:2]) * 60 + int(x[3:]) for x in hours.split("-"))
    open_lo, open_hi = (day * 1440 + a), (day * 1440 + b)
    in_hours = np.clip(np.minimum(hi, open_hi) - np.maximum(lo, open_lo), 0, None).sum()
    assert busy - in_hours > 1, "the case must have service after closing"
    assert kpis[("stage", "g.s", "overtime_min")] == pytest.approx(busy - in_hours, abs=1e-9)
    assert kpis[("stage", "g.s", "utilisation")] == pytest.approx(in_hours / (b - a), abs=1e-12)
    assert kpis[("stage", "g.s", "busy_share_24h")] == pytest.approx(busy / 1440.0, abs=1e-12)
    assert kpis[("stage", "g.s", "utilisation")] <= 1.0


def test_replay_of_a_record_gives_the_streamed_figures() -> None:
    sc = simulator.load_scenario(SCENARIOS / "lang_son_2024.yaml", ["run.days=9", "run.warmup_days=2"])
    streamed = simulator.run_replication(sc, 0, keep_log=True)
    from simulator.analysis.kpis import reduce_output

    assert streamed.output is not None
    replayed = reduce_output(streamed.output)
    pd.testing.assert_frame_equal(streamed.kpis, replayed.kpis, check_exact=True)
    pd.testing.assert_frame_equal(streamed.trs, replayed.trs, check_exact=True)
    assert np.array_equal(streamed.reduction.hourly, replayed.hourly)
