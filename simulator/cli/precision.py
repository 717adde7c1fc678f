"""``--precision REL`` of ``run``, ``compare`` and ``capacity``: the goal from the options, and its report line."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from simulator.cli.common import UsageError, plain

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.experiments.precision import Precision, PrecisionGoal

__all__ = ["goal_from_args", "print_precision"]


def goal_from_args(args: argparse.Namespace, capacity: bool = False) -> PrecisionGoal | None:
    """The precision goal the options ask for, or None without ``--precision``.

    The testing cap ``$BORDER_SIM_MAX_REPLICATIONS`` also caps ``--max-replications`` (at least 2).
    For ``capacity`` the key "KPI" is the capacity itself (``--precision-kpi capacity``, the default).

    Raises
    ------
    UsageError
        ``--precision-kpi`` or ``--max-replications`` without ``--precision``, a maximum above 100,000,
        or, for ``capacity``, a key KPI other than ``capacity``.
    ScenarioError
        An unknown ``--precision-kpi`` (naming it).
    """
    from simulator.cli.limits import ENV_REPLICATIONS, active_limits
    from simulator.experiments.precision import (
        CAPACITY,
        DEFAULT_KPI,
        DEFAULT_MAX_REPLICATIONS,
        MAX_REPLICATIONS,
        PrecisionGoal,
        parse_precision_kpi,
    )

    if args.precision is None:
        for flag in ("precision_kpi", "max_replications"):
            if getattr(args, flag) is not None:
                raise UsageError(f"--{flag.replace('_', '-')}: only with --precision REL")
        return None
    most = DEFAULT_MAX_REPLICATIONS if args.max_replications is None else args.max_replications
    if most > MAX_REPLICATIONS:
        raise UsageError(f"--max-replications: must be <= {MAX_REPLICATIONS:,}, got {most}")
    cap = active_limits().get(ENV_REPLICATIONS)
    if cap is not None and most > max(int(cap), 2):
        most = max(int(cap), 2)
        print(f"note: testing cap {ENV_REPLICATIONS}={cap} is active: --max-replications {most}", file=sys.stderr)
    if capacity:
        if args.precision_kpi not in (None, CAPACITY):
            raise UsageError(
                f"--precision-kpi: capacity measures the precision of the capacity itself "
                f"(give '{CAPACITY}' or leave it out), got {args.precision_kpi!r}"
            )
        return PrecisionGoal(args.precision, max(most, 2), CAPACITY)
    scope, key, kpi = parse_precision_kpi(args.precision_kpi or DEFAULT_KPI)
    return PrecisionGoal(args.precision, max(most, 2), kpi, scope, key)


def print_precision(console: Console, precision: Precision, quiet: bool, of: str = "the mean") -> None:
    """The ``precision: ...`` summary line (unless ``quiet``); a target not reached makes it a ``warning:`` line
    on standard error (shown even with ``quiet``; the exit status stays 0)."""
    width = precision.relative_half_width
    shown = "not measurable" if width != width else f"{width:.1%} of {of}"
    if precision.reached:
        verdict = "reached"
    elif precision.replications >= precision.max_replications:
        verdict = f"not reached at the maximum {precision.max_replications}"
    else:
        verdict = "not reached (nothing to measure)"
    target = f"{precision.target * 100:.4g}%"
    line = f"precision: {precision.replications} replications; half-width {shown}, target {target}: {verdict}"
    if not precision.reached:
        print(f"warning: {line} ({precision.kpi})", file=sys.stderr)
    elif not quiet:
        console.print(plain(line), soft_wrap=True)
