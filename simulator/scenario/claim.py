"""A proposal's claim under test and a fingerprint of what a scenario models.

``claim:`` states what a proposal promises, in the proposal's own scenario file, so the report
can set the measured capacity ratio (proposal / baseline) against it::

    claim:
      text: capacity ×2–3 by 2027        # [S] S-smart-gate-targets the pilot decision's target
      text_vi: công suất gấp 2–3 lần vào năm 2027
      capacity_ratio_min: 2.0
      capacity_ratio_max: 3.0
      scope: province                    # or a gate id

:func:`model_fingerprint` identifies the modelled system of a saved scenario (everything but
its name, run settings and provenance), so a report can tell whether a capacity search was
made on the same scenario as the runs it is shown beside, whatever days or replications each used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import Field, PositiveFloat, model_validator

from simulator.scenario.types import Frozen

__all__ = ["PROVINCE", "Claim", "model_fingerprint"]

PROVINCE = "province"
_NOT_MODEL = ("name", "description", "run", "provenance", "claim", "levers", "uncertainty")


class Claim(Frozen):
    """What a proposal claims for capacity: a ratio to the baseline's, for the province or one gate."""

    text: str = Field(min_length=1, max_length=200, description="the claim as stated (English)")
    text_vi: str = Field("", max_length=200, description="the claim as stated (Vietnamese)")
    capacity_ratio_min: PositiveFloat = Field(description="claimed capacity, as a multiple of the baseline's (lower)")
    capacity_ratio_max: PositiveFloat | None = Field(None, description="upper end of a claimed range")
    scope: str = Field(PROVINCE, pattern=r"^[a-z][a-z0-9_]*$", description="'province' or a gate id")

    @model_validator(mode="after")
    def _range(self) -> Claim:
        if self.capacity_ratio_max is not None and self.capacity_ratio_max < self.capacity_ratio_min:
            raise ValueError("capacity_ratio_max must be at least capacity_ratio_min")
        return self


def model_fingerprint(scenario: Mapping[str, Any]) -> str:
    """SHA-256 of a scenario's modelled system (a validated scenario's JSON dump, or a saved copy of it).

    Name, description, run settings, provenance and the claim are left out. Dates compare as
    ISO text, so a ``scenario.resolved.yaml`` read back gives the same fingerprint.

    >>> a = {"name": "a", "run": {"days": 7}, "gates": {"g": {"servers": 2}}}
    >>> model_fingerprint(a) == model_fingerprint({**a, "name": "b", "run": {"days": 28}})
    True
    >>> model_fingerprint(a) == model_fingerprint({**a, "gates": {"g": {"servers": 3}}})
    False
    """
    data = {k: v for k, v in scenario.items() if k not in _NOT_MODEL}
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
