"""``--uncertainty N`` of ``run``, ``compare`` and ``capacity``: the options, the study and its summary.

The study samples the scenarios' ``uncertainty:`` ranges (:mod:`simulator.experiments.uncertainty`),
runs every sample's replications through the project's executors and replication cache, and
writes an uncertainty folder (:mod:`simulator.experiments.uncertainty_tables`) that the
``report`` command reads beside the plain results (section "How sure are we").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.cli.common import (
    UsageError,
    cache_from_args,
    executor_from_args,
    fmt,
    folder_written_whole,
    out_folder,
    plain,
    positive,
    progress_bar,
    scenario_overrides,
)
from simulator.cli.limits import active_limits, capped_samples

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.experiments.uncertainty import Study

__all__ = ["add_uncertainty_options", "check_uncertainty_options", "run_uncertainty"]


def add_uncertainty_options(parser: argparse.ArgumentParser, claim_example: str) -> None:
    """``--uncertainty N``, ``--sobol`` and ``--claim`` (repeatable)."""
    parser.add_argument(
        "--uncertainty",
        type=positive,
        metavar="N",
        help="sample the scenarios' uncertainty: ranges N times (Latin hypercube) and write an uncertainty folder",
    )
    parser.add_argument(
        "--sobol",
        action="store_true",
        help="with --uncertainty: Saltelli sampling (N (d+2) rows, N a power of 2) for Sobol S1 and ST indices",
    )
    parser.add_argument(
        "--claim",
        action="append",
        default=[],
        metavar="[SCOPE:KEY:]KPI OP VALUE",
        help=f"with --uncertainty: a claim whose probability over the inputs is reported, e.g. '{claim_example}'",
    )


def check_uncertainty_options(args: argparse.Namespace) -> bool:
    """Whether the command is an uncertainty study; refuses options that do not go with it.

    Raises
    ------
    UsageError
        ``--sobol`` or ``--claim`` without ``--uncertainty``; ``--uncertainty`` with ``--precision``
        or ``--lever``.
    """
    if args.uncertainty is None:
        for flag, given in (("--sobol", args.sobol), ("--claim", args.claim)):
            if given:
                raise UsageError(f"{flag}: only with --uncertainty N")
        return False
    clashes = (("--precision", getattr(args, "precision", None)), ("--lever", getattr(args, "lever", None)))
    for flag, given in clashes:
        if given is not None:
            reason = "every sample runs the same fixed replications" if flag == "--precision" else "give scenarios"
            raise UsageError(f"{flag}: not with --uncertainty ({reason})")
    return True


def _study(args: argparse.Namespace, command: str, items: list[str]) -> Study:
    from simulator.experiments.uncertainty import MAX_SAMPLES, prepare_study

    samples = capped_samples(args.uncertainty, args.sobol)
    if samples > MAX_SAMPLES:
        raise UsageError(f"--uncertainty: at most {MAX_SAMPLES:,} samples, got {samples:,}")
    if args.sobol and samples & (samples - 1):
        raise UsageError(f"--uncertainty: a Sobol design (--sobol) needs a power of 2 samples, got {samples}")
    method = "sobol" if args.sobol else "lhs"
    return prepare_study(command, items, samples, method, scenario_overrides(args, items[0]))


def run_uncertainty(args: argparse.Namespace, console: Console, command: str, items: list[str], **search: Any) -> int:
    """Run the study of ``command`` (``run``, ``compare`` or ``capacity``) over ``items``; returns the exit status.

    ``search`` holds ``capacity``'s ``target``, ``scale`` and ``tolerance``, and may hold the
    ``executor`` and ``cache`` the caller made (otherwise they are made from the options and the
    executor is closed at the end).
    """
    from simulator.experiments.uncertainty import run_capacity_study, run_study
    from simulator.experiments.uncertainty_tables import claims_of, parse_claim, write_study

    study = _study(args, command, items)
    texts = [*args.claim, *(claims_of(study) if command == "capacity" else [])]
    claims = [parse_claim(text, command) for text in dict.fromkeys(texts)]
    name = "compare" if command == "compare" else study.scenarios[0].label
    out = out_folder(args.out, "uncertainty", name, args.overwrite)
    own = "executor" not in search
    cache = cache_from_args(args) if own else search.pop("cache")
    executor = executor_from_args(args) if own else search.pop("executor")
    started = time.perf_counter()
    total = study.rows if command == "capacity" else study.rows * len(study.scenarios) * study.replications
    label = f"{command}: {study.rows} samples of {len(study.inputs)} inputs"
    try:
        with progress_bar(console, args.quiet, label, total) as progress:
            if command == "capacity":
                kpis = run_capacity_study(study, executor=executor, cache=cache, progress=progress, **search)
            else:
                kpis = run_study(study, executor, cache, progress)
    finally:
        if own:
            executor.close()
    with folder_written_whole(out, args.overwrite, cache is not None) as staging:
        data = write_study(staging, study, kpis, claims)
        _write_manifest(staging, args, data, cache, started)
    if not args.quiet:
        print_study(console, out, command)
        note = "" if cache is None else f" ({cache.hits} replications read from the cache, {cache.misses} run)"
        console.print(f"{plain(study.rows)} samples in {time.perf_counter() - started:.1f} s{plain(note)}")
        console.print(
            f"results in [bold]{plain(out)}[/bold]; report: run_scenario.py report RUN_OR_COMPARE_FOLDER {plain(out)}"
        )
    return 0


def _write_manifest(folder: Path, args: argparse.Namespace, data: dict[str, Any], cache: Any, started: float) -> None:
    from simulator.experiments.files import atomic_write_text, to_json

    manifest = {
        "command": ["run_scenario.py", *args.argv],
        "jobs": args.jobs,
        "dask": args.dask,
        "samples": data["samples"],
        "method": data["method"],
        "cached_replications": 0 if cache is None else cache.hits,
        "test_limits": active_limits(),
        "wall_seconds": round(time.perf_counter() - started, 3),
        "files": sorted(p.name for p in folder.iterdir()),
    }
    atomic_write_text(folder / "study_manifest.json", to_json(manifest))


def print_study(console: Console, folder: Path, command: str) -> None:
    """The study's summary: key KPIs' combined intervals, the claims' probabilities and the inputs that matter."""
    import pandas as pd

    summary = pd.read_csv(folder / "uncertainty_summary.csv", keep_default_na=False, na_values=[""])
    _print_intervals(console, summary, command)
    robust = pd.read_csv(folder / "robustness.csv")
    for r in robust.itertuples(index=False):
        if not r.n_samples:
            print(f"warning: claim {r.claim}: no sample has its KPI for {r.scenario}", file=sys.stderr)
            continue
        pair = r.scenario if r.base != r.base else f"{r.scenario} vs {r.base}"
        console.print(
            f"claim {plain(r.claim)} ({plain(pair)}): holds in {r.holds} of {r.n_samples} samples, "
            f"probability {fmt(r.probability, '{:.0%}')} (95% CI {fmt(r.ci_low, '{:.0%}')} to "
            f"{fmt(r.ci_high, '{:.0%}')})",
            soft_wrap=True,
        )
    samples = int(json.loads((folder / "uncertainty.json").read_text(encoding="utf-8"))["samples"])
    _print_top_inputs(console, pd.read_csv(folder / "sensitivity.csv"), command, samples)


_GATE_KPIS = ("throughput_per_day", "time_in_system_h_mean")  # per gate; the whole system shows the compare view


def _print_intervals(console: Console, summary: Any, command: str) -> None:
    """One row per scope and key KPI; per scenario its mean and 90% interval, per alternative the paired
    difference (ratio for capacity) with the share of its spread from the inputs and P(it improves)."""
    from simulator.analysis.registry import view
    from simulator.cli.tables import Column, print_table

    keys: dict[str, tuple[str, ...]]
    if command == "capacity":
        keys = {"all": ("capacity_per_day",), "gate": ("capacity_per_day",)}
    else:
        keys = {"all": tuple(k.key for k in view("compare")), "gate": _GATE_KPIS}
    values = summary[summary.what == "value"].set_index(["scenario", "scope", "key", "kpi"])
    pairs = summary[summary.what != "value"].set_index(["scenario", "scope", "key", "kpi"])
    scenarios = list(dict.fromkeys(summary.scenario[summary.what == "value"]))
    alts = list(dict.fromkeys(pairs.index.get_level_values(0)))
    scopes = [("all", "all")] + sorted({(s, k) for s, k in zip(summary.scope, summary.key) if s == "gate"})
    labels: list[str] = []
    cells: list[list[str]] = []
    for scope, key in scopes:
        for kpi in keys[scope]:
            if not any((sc, scope, key, kpi) in values.index for sc in scenarios):
                continue
            labels.append(f"{'all' if scope == 'all' else key}: {kpi}")
            row = [_interval(values, (sc, scope, key, kpi), _pattern(kpi)) for sc in scenarios]
            if not alts:  # one scenario: the share of its own spread from the inputs
                index = (scenarios[0], scope, key, kpi)
                row.append(fmt(values.loc[index, "input_share"], "{:.0%}") if index in values.index else "–")
            paired = "capacity_ratio" if command == "capacity" else kpi
            for alt in alts:
                row += _pair_cells(pairs, (alt, scope, key, paired), command)
            cells.append(row)
    sign = "/" if command == "capacity" else "-"
    heads = [*scenarios, *([] if alts else ["inputs"])]
    for alt in alts:
        heads += [f"{alt} {sign} base", "inputs", "P(better)"]
    columns = [Column(h, [c[i] for c in cells]) for i, h in enumerate(heads)]
    title = "Over the assumptions: mean [90% interval]"
    print_table(console, title, Column("scope: KPI", labels, justify="left"), columns)
    legend = "the 90% interval holds both the inputs' spread and the Monte-Carlo error"
    legend += "; inputs: the share of its variance that comes from the inputs"
    if alts:
        legend += "; P(better): the share of samples where the alternative is better"
    console.print(legend, soft_wrap=True)


def _pattern(kpi: str) -> str:
    from simulator.analysis.registry import KPIS

    entry = KPIS.get(kpi)
    return "{:.2f}" if kpi == "capacity_ratio" else (entry.pattern if entry else "{:,.0f}")


def _interval(frame: Any, index: tuple[str, ...], pattern: str) -> str:
    if index not in frame.index:
        return "–"
    r = frame.loc[index]
    return f"{fmt(r['mean'], pattern)} [{fmt(r['p05'], pattern)}; {fmt(r['p95'], pattern)}]"


def _pair_cells(pairs: Any, index: tuple[str, ...], command: str) -> list[str]:
    if index not in pairs.index:
        return ["–", "–", "–"]
    pattern = _pattern(index[3])
    signed = pattern if command == "capacity" else pattern.replace("{:", "{:+", 1)
    r = pairs.loc[index]
    return [_interval(pairs, index, signed), fmt(r["input_share"], "{:.0%}"), fmt(r["p_improves"], "{:.0%}")]


def _print_top_inputs(console: Console, sensitivity: Any, command: str, samples: int) -> None:
    """The three inputs with the largest share for the key KPI (the difference or ratio when there is one),
    or why they are not ranked (too few samples for a rank regression on that many inputs)."""
    from simulator.analysis.uncertainty import srrc_min_samples
    from simulator.report.uncertainty_files import key_sensitivity, unranked_reason

    kpi, sel = key_sensitivity(sensitivity, command)
    if sel.empty:
        return
    method, head = str(sel.method.iloc[0]), f"assumptions that matter most for {plain(kpi)}"
    why = unranked_reason(method, sel)
    if why == "flat":
        console.print(f"{head}: none ranked (it is the same in every sample, or some samples have no value)")
        return
    if why == "too_few":
        need, used = srrc_min_samples(len(sel)), int(sel.n_samples.iloc[0])
        console.print(
            f"{head}: not ranked: a rank regression on "
            f"{len(sel)} inputs needs at least {need} samples with a value, this study has {used} of {samples} "
            f"(use --uncertainty {need * samples // max(used, 1)} or more; several times the number of inputs "
            "gives usable intervals)",
            soft_wrap=True,
        )
        return
    top = sel.sort_values("share", ascending=False, na_position="last").head(3)
    parts = [f"{plain(r.input)} {fmt(r.share, '{:.0%}')}" for r in top.itertuples(index=False)]
    label = "total Sobol index" if method == "sobol_st" else "SRRC²"
    console.print(f"{head} ({label}): " + "; ".join(parts), soft_wrap=True)
