"""Testing knobs: environment variables that shrink every command's work (``tests/test_docs.py``).

The documentation's commands are run by the test suite as they are written; these variables cap
their size without editing the text. Unset, nothing changes.

``BORDER_SIM_MAX_DAYS``
    at most this many simulated days per run (the warm-up is cut to at most half of them; ``auto`` stays ``auto``);
``BORDER_SIM_MAX_REPLICATIONS``
    at most this many replications (per design point);
``BORDER_SIM_MIN_TOLERANCE``
    ``capacity`` bisects to at least this relative bracket width (fewer evaluations);
``BORDER_SIM_MAX_SAMPLES``
    ``--uncertainty`` draws at most this many input samples (with ``--sobol``, the largest power of 2 within it).

An active cap is printed as one ``note:`` line on standard error and recorded in ``manifest.json``
under ``test_limits``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from simulator.scenario.errors import Issue, ScenarioError

__all__ = [
    "ENV_DAYS",
    "ENV_REPLICATIONS",
    "ENV_SAMPLES",
    "ENV_TOLERANCE",
    "active_limits",
    "capped_overrides",
    "capped_samples",
    "min_tolerance",
]

ENV_DAYS = "BORDER_SIM_MAX_DAYS"
ENV_REPLICATIONS = "BORDER_SIM_MAX_REPLICATIONS"
ENV_TOLERANCE = "BORDER_SIM_MIN_TOLERANCE"
ENV_SAMPLES = "BORDER_SIM_MAX_SAMPLES"


def _read(name: str, kind: type) -> Any:
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        value = None
    low = 1 if kind is int else 0
    if value is None or not value >= low or (kind is float and not value < 1):
        what = "a whole number >= 1" if kind is int else "a number in [0, 1)"
        raise ScenarioError([Issue(f"${name}", None, "", f"must be {what}, got {text!r}")])
    return value


def active_limits() -> dict[str, int | float]:
    """The testing caps that are set, by variable name (empty when none is).

    Raises
    ------
    ScenarioError
        When a variable is set to something that is not a valid cap.
    """
    values = {
        ENV_DAYS: _read(ENV_DAYS, int),
        ENV_REPLICATIONS: _read(ENV_REPLICATIONS, int),
        ENV_TOLERANCE: _read(ENV_TOLERANCE, float),
        ENV_SAMPLES: _read(ENV_SAMPLES, int),
    }
    return {name: value for name, value in values.items() if value is not None}


def capped_overrides(path: str, overrides: list[str]) -> list[str]:
    """``overrides`` plus the ``run.*`` settings that bring scenario ``path`` within the caps.

    The scenario is loaded with ``overrides`` first; only values above a cap are changed, and a
    one-line note on standard error says what was capped. Without caps, ``overrides`` is
    returned unchanged and nothing is loaded.
    """
    limits = active_limits()
    if ENV_DAYS not in limits and ENV_REPLICATIONS not in limits:
        return overrides
    from simulator.levers.load import load_scenario

    run = load_scenario(path, overrides).run
    extra: list[str] = []
    max_days = int(limits.get(ENV_DAYS, run.days))
    if run.days > max_days:
        warmup = run.warmup_days if run.warmup_days == "auto" else min(run.warmup_days, max_days // 2)
        extra += [f"run.days={max_days}", f"run.warmup_days={warmup}"]
    max_reps = int(limits.get(ENV_REPLICATIONS, run.replications))
    if run.replications > max_reps:
        extra.append(f"run.replications={max_reps}")
    caps = ", ".join(f"{name}={value}" for name, value in limits.items())
    changed = ", ".join(extra) or "nothing to cap"
    print(f"note: testing caps {caps} are active: {changed}", file=sys.stderr)
    return [*overrides, *extra]


def min_tolerance(requested: float) -> float:
    """``capacity``'s bisection tolerance: ``requested``, or ``$BORDER_SIM_MIN_TOLERANCE`` if larger."""
    floor = active_limits().get(ENV_TOLERANCE)
    if floor is None or floor <= requested:
        return requested
    print(f"note: testing cap {ENV_TOLERANCE}={floor} is active: --tolerance {floor}", file=sys.stderr)
    return float(floor)


def capped_samples(requested: int, sobol: bool) -> int:
    """``--uncertainty``'s sample count: ``requested``, or less under ``$BORDER_SIM_MAX_SAMPLES``.

    With ``sobol`` the cap is rounded down to a power of 2 (Saltelli sampling needs one).
    """
    cap = active_limits().get(ENV_SAMPLES)
    if cap is None or requested <= cap:
        return requested
    most = int(cap)
    if sobol:
        most = 1 << (most.bit_length() - 1)
    print(f"note: testing cap {ENV_SAMPLES}={cap} is active: --uncertainty {most}", file=sys.stderr)
    return most
