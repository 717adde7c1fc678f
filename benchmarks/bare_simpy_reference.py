"""The benchmark's reference network in bare SimPy: plain processes and ``simpy.Resource``, nothing else.

Poisson arrivals at 80 trucks/h visit four FIFO stages in order A, B, C, D (the same network as
``scenarios/examples/reference_network.yaml``; keep the two in step):

=====  =======  ======================================  ==============
stage  servers  service time (minutes)                  who visits
=====  =======  ======================================  ==============
A      14       lognormal, mean 8, sd 4                 every truck
B      12       triangular (20, 40, 90)                 15% of trucks
C      100      gamma, mean 60, shape 4 (cv 0.5)        every truck
D      3        exponential, mean 2                     every truck
=====  =======  ======================================  ==============

Like the simulator, every random quantity is drawn up front and vectorised with numpy (one
``Generator``, no global state), so both versions do the same sampling work and the timing
compares the event loop and the bookkeeping. Nothing is recorded except the count of trucks
that left stage D before the horizon.

It is written the fastest plain way, so that the ratio against it does not flatter the
simulator: the samples are drawn in batches and passed to each truck as Python floats in
per-stage lists, each truck makes explicit ``request()``/``release()`` calls instead of
``with`` blocks, the four resources are passed as arguments (no per-truck dictionaries or
lookups), and the arrival loop keeps everything it needs in local variables.

Run ``python benchmarks/bare_simpy_reference.py [--seed N] [--hours H]``.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

RATE_PER_H = 80.0
SERVERS = {"a": 14, "b": 12, "c": 100, "d": 3}
B_SHARE = 0.15


def _draws(seed: int, hours: float) -> dict[str, list[Any]]:
    """Arrival times and every truck's service times (minutes) and B visits, drawn up front."""
    rng = np.random.default_rng(seed)
    horizon = hours * 60.0
    gaps = rng.exponential(60.0 / RATE_PER_H, int(RATE_PER_H * hours + 10 * math.sqrt(RATE_PER_H * hours) + 100))
    t = np.cumsum(gaps)
    t = t[t < horizon]
    n = len(t)
    sigma2 = math.log1p((4.0 / 8.0) ** 2)  # lognormal with mean 8, sd 4
    return {
        "t": t.tolist(),
        "a": rng.lognormal(math.log(8.0) - sigma2 / 2, math.sqrt(sigma2), n).tolist(),
        "b": rng.triangular(20.0, 40.0, 90.0, n).tolist(),
        "visit_b": (rng.random(n) < B_SHARE).tolist(),
        "c": rng.gamma(4.0, 60.0 / 4.0, n).tolist(),
        "d": rng.exponential(2.0, n).tolist(),
    }


def _truck(
    env: simpy.Environment,
    res: tuple[simpy.Resource, simpy.Resource, simpy.Resource, simpy.Resource],
    times: tuple[list[float], list[float], list[float], list[float]],
    visit_b: bool,
    i: int,
    done: list[int],
) -> Generator[simpy.Event, Any, None]:
    a, b, c, d = res
    ta, tb, tc, td = times
    timeout = env.timeout
    req = a.request()
    yield req
    yield timeout(ta[i])
    a.release(req)
    if visit_b:
        req = b.request()
        yield req
        yield timeout(tb[i])
        b.release(req)
    req = c.request()
    yield req
    yield timeout(tc[i])
    c.release(req)
    req = d.request()
    yield req
    yield timeout(td[i])
    d.release(req)
    done[0] += 1


def _source(
    env: simpy.Environment,
    res: tuple[simpy.Resource, simpy.Resource, simpy.Resource, simpy.Resource],
    draws: dict[str, list[Any]],
    done: list[int],
) -> Generator[simpy.Event, Any, None]:
    times = (draws["a"], draws["b"], draws["c"], draws["d"])
    visit_b = draws["visit_b"]
    timeout, process = env.timeout, env.process
    for i, t in enumerate(draws["t"]):
        yield timeout(t - env.now)
        process(_truck(env, res, times, visit_b[i], i, done))


def run_reference(seed: int, hours: float = 1000.0) -> int:
    """Run the reference network for ``hours`` and return the number of trucks that completed stage D."""
    draws = _draws(seed, hours)
    env = simpy.Environment()
    res = tuple(simpy.Resource(env, capacity=SERVERS[name]) for name in ("a", "b", "c", "d"))
    done = [0]
    env.process(_source(env, res, draws, done))
    env.run(until=hours * 60.0)
    return done[0]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--hours", type=float, default=1000.0)
    args = parser.parse_args()
    start = time.perf_counter()
    completed = run_reference(args.seed, args.hours)
    seconds = time.perf_counter() - start
    print(f"{completed} trucks completed in {args.hours:g} h: {seconds:.2f} s, {completed / seconds:,.0f} trucks/s")
