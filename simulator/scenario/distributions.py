"""Duration distributions with closed-form moments and inverse-CDF sampling.

Every distribution is a frozen pydantic model selected by its ``dist`` key, with its
parameters in minutes (the keys carry the unit). All of them sample by inversion,
``ppf(rng.random(n))``: one uniform per draw. That keeps common random numbers
synchronised when a scenario changes a distribution's parameters (a faster scanner
gives each truck a proportionally shorter scan, not an unrelated one).
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, model_validator

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Deterministic",
    "Distribution",
    "Empirical",
    "Exponential",
    "Gamma",
    "Lognormal",
    "TruncatedNormal",
    "Triangular",
    "Uniform",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)
#: Largest time a distribution parameter may give, in minutes (about 19 years).
MAX_MINUTES = 1e7
NonNeg = Annotated[StrictFloat, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False)]
Pos = Annotated[StrictFloat, Field(gt=0, le=MAX_MINUTES, allow_inf_nan=False)]


class _Base(BaseModel):
    """Shared sampling API: subclasses define ``mean``, ``var`` and ``ppf``."""

    model_config = _FROZEN

    @abstractmethod
    def mean(self) -> float:
        """Closed-form mean in minutes."""

    @abstractmethod
    def var(self) -> float:
        """Closed-form variance in minutes squared."""

    @abstractmethod
    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF: durations (minutes) for uniforms ``u`` in [0, 1)."""

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (minutes) by inversion of one uniform each.

        Parameters
        ----------
        rng : numpy.random.Generator
            The stream to draw from.
        size : int
            Number of draws.
        """
        return self.ppf(rng.random(size))

    def scaled(self, factor: float) -> _Base:
        """Return the same distribution with every duration multiplied by ``factor``."""
        if factor <= 0:
            raise ValueError(f"scale factor must be > 0, got {factor}")
        data = self.model_dump()
        for key, value in data.items():
            if key.endswith("_min") and value is not None:
                data[key] = [v * factor for v in value] if isinstance(value, list | tuple) else value * factor
        return type(self).model_validate(data)


class Exponential(_Base):
    """Exponential with mean ``mean_min``."""

    dist: Literal["exponential"]
    mean_min: Pos

    def mean(self) -> float:
        return self.mean_min

    def var(self) -> float:
        return self.mean_min**2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np  # loaded on first use: checking a file needs no numpy

        return -self.mean_min * np.log1p(-u)


class Deterministic(_Base):
    """A constant duration ``value_min``."""

    dist: Literal["deterministic"]
    value_min: NonNeg

    def mean(self) -> float:
        return self.value_min

    def var(self) -> float:
        return 0.0

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np  # loaded on first use: checking a file needs no numpy

        return np.full(np.shape(u), self.value_min)


class Uniform(_Base):
    """Uniform on ``[low_min, high_min]``."""

    dist: Literal["uniform"]
    low_min: NonNeg
    high_min: NonNeg

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.low_min < self.high_min:
            raise ValueError(f"needs low_min < high_min, got {self.low_min} and {self.high_min}")
        return self

    def mean(self) -> float:
        return (self.low_min + self.high_min) / 2

    def var(self) -> float:
        return (self.high_min - self.low_min) ** 2 / 12

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low_min + u * (self.high_min - self.low_min)


class Triangular(_Base):
    """Triangular with ``low_min <= mode_min <= high_min`` and ``low_min < high_min``."""

    dist: Literal["triangular"]
    low_min: NonNeg
    mode_min: NonNeg
    high_min: NonNeg

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        a, c, b = self.low_min, self.mode_min, self.high_min
        if not (a <= c <= b and a < b):
            raise ValueError(f"needs low_min <= mode_min <= high_min and low_min < high_min, got {a}, {c}, {b}")
        return self

    def mean(self) -> float:
        return (self.low_min + self.mode_min + self.high_min) / 3

    def var(self) -> float:
        a, c, b = self.low_min, self.mode_min, self.high_min
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np  # loaded on first use: checking a file needs no numpy

        a, c, b = self.low_min, self.mode_min, self.high_min
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)


class TruncatedNormal(_Base):
    """Normal(``mean_min``, ``sd_min``) truncated to ``[low_min, high_min]`` (default ``[0, inf)``).

    ``mean_min`` and ``sd_min`` are the parameters of the parent normal; ``mean()`` and
    ``var()`` return the moments of the truncated distribution.
    """

    dist: Literal["truncnormal"]
    mean_min: StrictFloat = Field(ge=-MAX_MINUTES, le=MAX_MINUTES, allow_inf_nan=False)
    sd_min: Pos
    low_min: NonNeg = 0.0
    high_min: Pos | None = None

    @model_validator(mode="after")
    def _bounds(self) -> TruncatedNormal:
        if self.high_min is not None and not self.low_min < self.high_min:
            raise ValueError(f"needs low_min < high_min, got {self.low_min} and {self.high_min}")
        if self._mass() < 1e-12:
            raise ValueError("the truncation interval holds almost no probability mass")
        return self

    def _ab(self) -> tuple[float, float]:
        a = (self.low_min - self.mean_min) / self.sd_min
        b = math.inf if self.high_min is None else (self.high_min - self.mean_min) / self.sd_min
        return a, b

    def _mass(self) -> float:
        from scipy import special  # loaded on first use

        a, b = self._ab()
        return float(special.ndtr(-a) - special.ndtr(-b)) if a > 0 else float(special.ndtr(b) - special.ndtr(a))

    def mean(self) -> float:
        from scipy import stats  # loaded on first use

        a, b = self._ab()
        return self.mean_min + self.sd_min * float(stats.truncnorm.mean(a, b))

    def var(self) -> float:
        from scipy import stats  # loaded on first use

        a, b = self._ab()
        return self.sd_min**2 * float(stats.truncnorm.var(a, b))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np  # loaded on first use: checking a file needs no numpy
        from scipy import special  # loaded on first use

        a, b = self._ab()
        if a > 0:  # upper tail: work with survival probabilities to keep precision
            qa, qb = special.ndtr(-a), special.ndtr(-b)
            z = -special.ndtri(qa - u * (qa - qb))
        else:
            fa, fb = special.ndtr(a), special.ndtr(b)
            z = special.ndtri(fa + u * (fb - fa))
        hi = math.inf if self.high_min is None else self.high_min
        return np.clip(self.mean_min + self.sd_min * z, self.low_min, hi)


class Lognormal(_Base):
    """Lognormal given by its own mean ``mean_min`` and standard deviation ``sd_min``."""

    dist: Literal["lognormal"]
    mean_min: Pos
    sd_min: Pos

    def _musigma(self) -> tuple[float, float]:
        s2 = math.log1p((self.sd_min / self.mean_min) ** 2)
        return math.log(self.mean_min) - s2 / 2, math.sqrt(s2)

    def mean(self) -> float:
        return self.mean_min

    def var(self) -> float:
        return self.sd_min**2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np  # loaded on first use: checking a file needs no numpy
        from scipy import special  # loaded on first use

        mu, sigma = self._musigma()
        return np.exp(mu + sigma * special.ndtri(u))


class Gamma(_Base):
    """Gamma given by its mean ``mean_min`` and coefficient of variation ``cv`` (shape = 1/cv²)."""

    dist: Literal["gamma"]
    mean_min: Pos
    cv: Pos

    def mean(self) -> float:
        return self.mean_min

    def var(self) -> float:
        return (self.cv * self.mean_min) ** 2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import special  # loaded on first use

        shape = 1.0 / self.cv**2
        return special.gammaincinv(shape, u) * (self.mean_min / shape)


class Empirical(_Base):
    """Resampling of observed durations ``values_min``, each equally likely.

    The inverse CDF works on the sorted values, so the order of the list does not matter.
    """

    dist: Literal["empirical"]
    values_min: tuple[NonNeg, ...] = Field(min_length=1)

    def mean(self) -> float:
        import numpy as np  # loaded on first use: checking a file needs no numpy

        return float(np.mean(self.values_min))

    def var(self) -> float:
        import numpy as np  # loaded on first use: checking a file needs no numpy

        return float(np.var(self.values_min))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np  # loaded on first use: checking a file needs no numpy

        values = np.sort(np.asarray(self.values_min, dtype=float))
        idx = np.minimum((np.asarray(u) * len(values)).astype(np.int64), len(values) - 1)
        return values[idx]


Distribution = Annotated[
    Exponential | Deterministic | Uniform | Triangular | TruncatedNormal | Lognormal | Gamma | Empirical,
    Field(discriminator="dist"),
]
"""Any duration distribution, chosen by its ``dist`` key."""
