"""Building blocks shared by the scenario schema modules: names, shares, clock windows.

Nothing here touches SimPy; these are plain pydantic types and parsing helpers.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, NoReturn, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictFloat

__all__ = [
    "CHANNELS",
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_TOTAL_TRUCKS_PER_DAY",
    "MAX_TRUCKS_PER_DAY",
    "MAX_TEXT_CHARS",
    "MAX_WEIGHT",
    "Day",
    "check_date_range",
    "MODES",
    "WEEKDAYS",
    "Channel",
    "ClockTime",
    "CrossCheckError",
    "Direction",
    "Frozen",
    "FrozenDict",
    "FrozenMap",
    "Ident",
    "Mode",
    "NonNegFloat",
    "Probability",
    "Side",
    "Text",
    "TimeWindow",
    "UtcOffset",
    "Weekday",
    "Weight",
    "check_shares",
    "parse_clock",
    "parse_window",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS = ("green", "yellow", "red")
MODES = ("transloading", "tractor_swap", "crane_lift", "through_driving", "autonomous")
_TIME = re.compile(r"^(\d{2}):(\d{2})$")

#: Earliest and latest dates a scenario may name (run, seasons, closures, disruptions).
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)


def check_date_range(value: Any) -> Any:
    """A date or date-time between :data:`FIRST_DATE` and :data:`LAST_DATE`, else ``ValueError``."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if isinstance(day, dt.date) and not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"must be a date from {FIRST_DATE} to {LAST_DATE} (the supported range), got {value}")
    return value


Day = Annotated[dt.date, AfterValidator(check_date_range)]
Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="lower_snake_case identifier")]
Probability = Annotated[StrictFloat, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegFloat = Annotated[StrictFloat, Field(ge=0, allow_inf_nan=False)]
UtcOffset = Annotated[StrictFloat, Field(ge=-12, le=14, description="hours east of UTC, e.g. 7 for Hanoi, 8 for China")]
#: Most trucks per day of one flow, and of all flows of a scenario together (Lạng Sơn clears ~1,600).
MAX_TRUCKS_PER_DAY = 100_000
MAX_TOTAL_TRUCKS_PER_DAY = 200_000
#: Largest relative weight (hourly profiles, weekday weights) and volume multiplier (seasons).
MAX_WEIGHT = 1_000_000.0
Weight = Annotated[StrictFloat, Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False)]
#: Longest free text (a description, its translation, a note or a display name), in characters.
MAX_TEXT_CHARS = 2000


def _check_text(value: str) -> str:
    if len(value) > MAX_TEXT_CHARS:
        raise ValueError(f"text of {len(value):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    return value


#: A free text of a scenario: a description, its ``_vi`` translation, a note or a display name.
Text = Annotated[str, AfterValidator(_check_text)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Direction = Literal["export", "import"]
Side = Literal["home", "partner"]
Channel = Literal["green", "yellow", "red"]
Mode = Literal["transloading", "tractor_swap", "crane_lift", "through_driving", "autonomous"]

Problems = list[tuple[tuple[str | int, ...], str]]


class FrozenDict(dict[Any, Any]):
    """A read-only ``dict``: every method that would change it raises ``TypeError``.

    A scenario is immutable all the way down: its mappings are ``FrozenDict`` and its lists
    tuples, so ``scenario.gates["a"].flows["x"].route.append(...)`` fails instead of silently
    skipping validation. Levers and ``--set`` build new scenarios instead.
    """

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a scenario is immutable: change it with a lever, --set or load_scenario, not in place")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self


def _freeze(value: dict[Any, Any]) -> FrozenDict:
    return value if isinstance(value, FrozenDict) else FrozenDict(value)


_K = TypeVar("_K")
_V = TypeVar("_V")
#: A mapping field of a scenario model: validated as a ``dict``, held as a :class:`FrozenDict`.
FrozenMap = Annotated[dict[_K, _V], AfterValidator(_freeze)]


class Frozen(BaseModel):
    """Base of every schema model: immutable all the way down, and unknown keys are errors.

    Defaults are validated too, so a default ``{}`` or ``[]`` becomes a read-only mapping or
    a tuple like any value read from a file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class CrossCheckError(ValueError):
    """A validation failure that knows the exact key paths it concerns."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems))


def parse_clock(text: str, *, end: bool = False) -> int:
    """Minutes after midnight of ``"HH:MM"`` (``24:00`` allowed when ``end``)."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time HH:MM")
    hh, mm = int(match.group(1)), int(match.group(2))
    limit = 24 if end else 23
    if hh > limit or mm > 59 or (hh == 24 and mm != 0):
        raise ValueError(f"'{text}' is not a valid time (00:00 to {'24:00' if end else '23:59'})")
    return hh * 60 + mm


def parse_window(text: str) -> tuple[int, int]:
    """Parse ``"HH:MM-HH:MM"`` into minutes after local midnight ``(open, close)``.

    A close at or before the open means the window runs past midnight, so the returned
    close is then greater than 1440.
    """
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"must be a window 'HH:MM-HH:MM', got '{text}'")
    start, stop = parse_clock(parts[0]), parse_clock(parts[1], end=True)
    if stop <= start:
        stop += 1440
    return start, stop


def _check_window(text: str) -> str:
    parse_window(text)
    return text


def _check_clock(text: str) -> str:
    parse_clock(text)
    return text


TimeWindow = Annotated[str, AfterValidator(_check_window), Field(description="local opening window 'HH:MM-HH:MM'")]
ClockTime = Annotated[str, AfterValidator(_check_clock), Field(description="local clock time 'HH:MM'")]


def check_shares(shares: Mapping[Any, float], path: tuple[str | int, ...], problems: Problems) -> None:
    """Append a problem when ``shares`` do not sum to 1."""
    total = sum(shares.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        problems.append((path, f"shares must sum to 1, got {total:g}"))
