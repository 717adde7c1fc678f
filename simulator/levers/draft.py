"""The working copy a lever edits: a scenario's plain data plus the checks on the names it uses.

A lever never mutates a :class:`Scenario`. It dumps it to plain data (:class:`Draft`),
changes that data, and validates the result into a new scenario with
``Scenario.model_validate``, so every schema rule and cross-check runs again. Names that
do not exist (gates, stages, yards, classes, fee regimes) are collected as problems with
the key path inside the lever's entry and raised together as a :class:`LeverError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.models import Scenario, Stage

__all__ = ["Draft", "LeverError", "Path", "Problems", "effective_factor", "shift_shares"]

Path = tuple[str | int, ...]
Problems = list[tuple[Path, str]]


class LeverError(ScenarioError):
    """A lever that cannot be applied; ``problems`` are ``(key path, message)`` pairs.

    The key paths start at the scenario's top level (``levers.2.share``) once
    :func:`simulator.levers.apply.apply_levers` has prefixed them; the loader turns them into
    ``file:line: key: message`` issues.
    """

    def __init__(self, problems: Problems, source: str = "levers") -> None:
        self.problems = problems
        super().__init__([Issue(source, None, ".".join(map(str, p)), m) for p, m in problems])


def effective_factor(share: float, factor: float) -> float:
    """The mean factor when a ``share`` of trucks gets ``factor`` and the rest 1: ``1 - share (1 - factor)``."""
    return 1.0 - share * (1.0 - factor)


def shift_shares(shares: Mapping[str, float], target: str, share: float, sources: Iterable[str] | None = None) -> dict:
    """Move ``share`` of each source mode's share into ``target``.

    Parameters
    ----------
    shares : mapping of str to float
        Mode shares of one class; they sum to 1.
    target : str
        The mode that receives trucks.
    share : float
        Fraction of every source mode's trucks that move, in [0, 1].
    sources : iterable of str, optional
        Modes that give trucks; default: every mode but ``target``.

    Returns
    -------
    dict
        New shares, still summing to 1.
    """
    out = {str(k): float(v) for k, v in shares.items()}
    take = [m for m in out if m != target] if sources is None else [m for m in sources if m in out]
    moved = sum(out[m] * share for m in take)
    for m in take:
        out[m] = out[m] * (1.0 - share)
    out[target] = out.get(target, 0.0) + moved
    return {m: round(v, 12) for m, v in out.items()}


def _listed(names: Iterable[str]) -> str:
    return ", ".join(names) or "none"


class Draft:
    """A lever's editable copy of ``scenario`` (``data``) and the problems found so far."""

    def __init__(self, scenario: Scenario) -> None:
        self.sc = scenario
        self.data: dict[str, Any] = scenario.model_dump(mode="json")  # plain dicts and lists, to edit
        self.problems: Problems = []

    def fail(self, path: Path, message: str) -> None:
        """Record a problem at ``path`` (inside the lever's entry), once."""
        if (path, message) not in self.problems:
            self.problems.append((path, message))

    def gates(self, names: Sequence[str] | None) -> list[str]:
        """The gates named (all when ``None``); unknown names are problems at ``gates.<i>``."""
        if names is None:
            return list(self.sc.gates)
        for i, name in enumerate(names):
            if name not in self.sc.gates:
                self.fail(("gates", i), f"unknown gate '{name}' (gates: {_listed(self.sc.gates)})")
        return [n for n in names if n in self.sc.gates]

    def classes(self, names: Sequence[str] | None, key: str = "classes") -> list[str]:
        """The cargo classes named (all when ``None``); unknown names are problems."""
        known = self.sc.cargo_classes
        if names is None:
            return list(known)
        for i, name in enumerate(names):
            if name not in known:
                self.fail((key, i), f"unknown cargo class '{name}' (known: {_listed(known)})")
        return [n for n in names if n in known]

    def stages(self, gate: str, names: Sequence[str], key: str, kind: str | None = None) -> list[str]:
        """Stages of ``gate`` named at ``key`` (a list); missing ones, or of another ``kind``, are problems."""
        found = []
        for i, name in enumerate(names):
            if self.stage_ok(gate, name, (key, i), kind):
                found.append(name)
        return found

    def stage_ok(self, gate: str, name: str, path: Path, kind: str | None = None) -> bool:
        """Whether ``gate`` has stage ``name`` (of ``kind``: service, customs, handover...); else a problem."""
        stages = self.sc.gates[gate].stages
        stage = stages.get(name)
        if stage is None:
            self.fail(path, f"no stage '{name}' at gate '{gate}' (stages: {_listed(stages)})")
            return False
        if kind is not None and _kind(stage) != kind:
            self.fail(path, f"stage '{name}' at gate '{gate}' is a {_kind(stage)} stage, not a {kind} stage")
            return False
        return True

    def stage_data(self, gate: str, name: str) -> dict[str, Any]:
        """The editable data of a stage."""
        stages: dict[str, dict[str, Any]] = self.data["gates"][gate]["stages"]
        return stages[name]

    def flow_data(self, gate: str, name: str) -> dict[str, Any]:
        """The editable data of a flow."""
        flows: dict[str, dict[str, Any]] = self.data["gates"][gate]["flows"]
        return flows[name]

    def scale_service(self, gate: str, name: str, factor: float) -> None:
        """Multiply a plain stage's service times (also per class) by ``factor``."""
        stage = self.sc.gates[gate].stages[name]
        data = self.stage_data(gate, name)
        if stage.service is not None:
            data["service"] = stage.service.scaled(factor).model_dump()
        data["service_by_class"] = {c: d.scaled(factor).model_dump() for c, d in stage.service_by_class.items()}

    def build(self) -> Scenario:
        """The new scenario, validated again; raises :class:`LeverError` on any problem."""
        if self.problems:
            raise LeverError(self.problems)
        try:
            return Scenario.model_validate(self.data)
        except ValidationError as exc:
            msgs = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3]]
            raise LeverError([((), "the lever would make the scenario invalid: " + "; ".join(msgs))]) from None


def _kind(stage: Stage) -> str:
    return "plain" if stage.kind in ("service", "quarantine") else stage.kind
