"""Closed-form steady-state mean waits of textbook queues, to check the simulator against.

Rates are in trucks per minute and times in minutes. Every function returns the mean time
spent waiting in the queue (``Wq``, excluding service) of a stable FIFO queue with Poisson
arrivals, and raises :class:`ValueError` when the queue is unstable (utilisation >= 1) or a
parameter is out of range. The mean number waiting follows from Little's law,
``Lq = arrival_rate * Wq``.

References
----------
Gross, Shortle, Thompson and Harris, *Fundamentals of Queueing Theory*, 4th ed., Wiley
(2008): sections 2.2 (M/M/1), 2.3 (M/M/c, Erlang C) and 5.1 (M/G/1, Pollaczek-Khinchine).
"""

from __future__ import annotations

import math

__all__ = ["erlang_c", "md1_wait", "mg1_wait", "mm1_wait", "mmc_wait"]


def _check_rate(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


def _check_servers(servers: int) -> None:
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ValueError(f"servers must be an integer >= 1, got {servers!r}")


def _utilisation(arrival_rate: float, mean_service: float, servers: int = 1) -> float:
    _check_rate("arrival_rate", arrival_rate)
    _check_rate("mean_service", mean_service)
    _check_servers(servers)
    rho = arrival_rate * mean_service / servers
    if rho >= 1.0:
        raise ValueError(f"unstable queue: utilisation rho = {rho:.4g} >= 1, the mean wait is infinite")
    return rho


def erlang_c(c: int, offered_load: float) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (Erlang C formula).

    Computed from the Erlang B recursion ``B(k) = a B(k-1) / (k + a B(k-1))``, which stays
    accurate for hundreds of servers, then ``C = c B / (c - a (1 - B))``.

    Parameters
    ----------
    c : int
        Number of servers, >= 1.
    offered_load : float
        Offered load ``a = arrival_rate * mean_service`` in Erlangs, ``0 <= a < c``.

    Returns
    -------
    float
        ``P(wait > 0)``, in ``[0, 1)``.

    Raises
    ------
    ValueError
        If ``c < 1``, ``a < 0`` or ``a >= c`` (no steady state).

    Examples
    --------
    >>> round(erlang_c(3, 2.0), 6)  # 4/9
    0.444444
    """
    _check_servers(c)
    a = float(offered_load)
    if not (math.isfinite(a) and a >= 0):
        raise ValueError(f"offered_load must be a finite number >= 0, got {offered_load!r}")
    if a >= c:
        raise ValueError(f"unstable queue: offered load {a:.4g} Erlangs >= {c} servers")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def mmc_wait(arrival_rate: float, mean_service: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue: ``Wq = C(c, a) / (c mu - lambda)``.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda`` (trucks per minute).
    mean_service : float
        Mean of the exponential service time ``1/mu`` (minutes).
    servers : int
        Number of identical servers ``c``.

    Returns
    -------
    float
        Mean wait before service starts (minutes).

    Raises
    ------
    ValueError
        If ``rho = lambda / (c mu) >= 1`` or a parameter is out of range.

    Examples
    --------
    Two servers, one arrival a minute, 1.5 minutes of service (``rho = 0.75``): ``Wq = 27/14``.

    >>> round(mmc_wait(1.0, 1.5, 2), 4)
    1.9286
    >>> mmc_wait(1.0, 1.5, 1)
    Traceback (most recent call last):
    ...
    ValueError: ...
    """
    _utilisation(arrival_rate, mean_service, servers)
    mu = 1.0 / mean_service
    return erlang_c(servers, arrival_rate * mean_service) / (servers * mu - arrival_rate)


def mm1_wait(arrival_rate: float, mean_service: float) -> float:
    """Mean wait in queue of an M/M/1 queue: ``Wq = rho / (mu - lambda)``.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda`` (trucks per minute).
    mean_service : float
        Mean of the exponential service time ``1/mu`` (minutes).

    Returns
    -------
    float
        Mean wait before service starts (minutes).

    Raises
    ------
    ValueError
        If ``rho = lambda / mu >= 1`` or a parameter is out of range.
    """
    rho = _utilisation(arrival_rate, mean_service)
    return rho / (1.0 / mean_service - arrival_rate)


def mg1_wait(arrival_rate: float, mean: float, var: float) -> float:
    """Mean wait in queue of an M/G/1 queue (Pollaczek-Khinchine formula).

    ``Wq = lambda E[S^2] / (2 (1 - rho))`` with ``E[S^2] = var + mean^2`` and ``rho = lambda mean``.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda`` (trucks per minute).
    mean : float
        Mean service time (minutes).
    var : float
        Variance of the service time (minutes squared), >= 0.

    Returns
    -------
    float
        Mean wait before service starts (minutes).

    Raises
    ------
    ValueError
        If ``rho >= 1``, ``var < 0`` or a parameter is out of range.
    """
    rho = _utilisation(arrival_rate, mean)
    if not (math.isfinite(var) and var >= 0):
        raise ValueError(f"var must be a finite number >= 0, got {var!r}")
    return arrival_rate * (var + mean * mean) / (2.0 * (1.0 - rho))


def md1_wait(arrival_rate: float, service: float) -> float:
    """Mean wait in queue of an M/D/1 queue: ``Wq = rho / (2 mu (1 - rho))``, half the M/M/1 wait.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda`` (trucks per minute).
    service : float
        The constant service time ``1/mu`` (minutes).

    Returns
    -------
    float
        Mean wait before service starts (minutes).

    Raises
    ------
    ValueError
        If ``rho = lambda service >= 1`` or a parameter is out of range.
    """
    return mg1_wait(arrival_rate, service, 0.0)
