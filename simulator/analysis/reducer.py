"""Every KPI and table of one replication, reduced from its events a window (a day) at a time.

The :class:`Reducer` is an observer of the model (:class:`simulator.engine.eventlog.Observer`):
it takes each day's events as the run goes and keeps only what later windows still need —
the trucks and visit rows that are still open, the current level of every queue, the sums
and counts behind every mean, one row of figures per day, the hourly time series and the
values behind the percentiles (exact within a budget, see :mod:`.quantiles`). So the memory of
a replication does not grow with the horizon beyond those daily and hourly rows, and a
ten-year run fits where a one-year run does. :meth:`Reducer.finish` returns the tables.

The figures are the same whether the events stream from a running model or are replayed from
a saved record (:meth:`simulator.engine.output.RunOutput.windows`): every reduction sorts its
inputs by time and id first, so it never depends on the order SimPy processed simultaneous
events in.

Definitions (the measured window is ``[t0, t1)``: after the warm-up, to the horizon):

* truck times count trucks that arrived in the window and left by the end; throughput counts
  departures in the window, arrivals arrivals in it; fees are paid on departure;
* levels (trucks in the system, queued, on the road, busy servers) are time averages over the
  window, and their maxima the largest level reached in it;
* ``utilisation`` is the busy share of a stage's *open* server-time (at most 1 by
  construction); service that runs past closing is ``overtime_min`` (server-minutes over the
  window), and ``busy_share_24h`` is the busy share of all hours;
* the money KPIs (per year) are defined in :mod:`simulator.analysis.money`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulator.analysis.demand_tally import SUSPENSION_COLUMNS, DemandTally, reneged_mask
from simulator.analysis.groups import Groups, LiveTable, spread
from simulator.analysis.levels import LevelFamily, Moves
from simulator.analysis.money import MoneyTally
from simulator.analysis.quantiles import EXACT_VALUES, Budget, GroupedQuantiles
from simulator.analysis.registry import STAGE_KPIS, TRUCK_KPIS
from simulator.analysis.schedules import OpenMinutes
from simulator.analysis.trs import TrsAccumulator
from simulator.engine.eventlog import WindowEvents
from simulator.engine.output import RunLayout

__all__ = ["Reduction", "Reducer"]

DAY = 1440.0


@dataclass(frozen=True)
class Reduction:
    """What a replication is reduced to.

    Attributes
    ----------
    kpis : pandas.DataFrame
        ``replication, scope, key, kpi, value``.
    series : list of tuple
        ``(scope, key, metric)`` of each row of ``hourly``.
    hourly : numpy.ndarray
        Hourly mean levels over the whole run, warm-up included: shape ``(series, hours)``.
    trs : pandas.DataFrame
        The Time Release Study table (:func:`simulator.analysis.tables.trs_table`).
    fees : pandas.DataFrame
        Fees by gate and month (:func:`simulator.analysis.tables.fees_by_month`).
    exact_percentiles : bool
        Whether every percentile was computed from all values (else from histograms).
    suspensions : pandas.DataFrame
        The dispatch suspension periods of reacting demand
        (:data:`~simulator.analysis.demand_tally.SUSPENSION_COLUMNS`; empty without any).
    """

    replication: int
    kpis: pd.DataFrame
    series: list[tuple[str, str, str]]
    hourly: np.ndarray
    trs: pd.DataFrame
    fees: pd.DataFrame
    exact_percentiles: bool
    suspensions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUSPENSION_COLUMNS))

    def timeseries(self) -> pd.DataFrame:
        """The hourly levels as a tidy table: ``replication, time_h, scope, key, metric, value``."""
        hours = np.arange(self.hourly.shape[1], dtype=float)
        n = len(hours)
        return pd.DataFrame(
            {
                "replication": self.replication,
                "time_h": np.tile(hours, len(self.series)),
                "scope": np.repeat([s for s, _, _ in self.series], n),
                "key": np.repeat([k for _, k, _ in self.series], n),
                "metric": np.repeat([m for _, _, m in self.series], n),
                "value": self.hourly.ravel(),
            }
        )


class Reducer:
    """Reduce a replication's windows of events to its KPIs and tables.

    Parameters
    ----------
    layout : RunLayout
        The run's gates, flows, classes and resources.
    exact_values : int
        How many values the percentiles may keep exactly before they switch to histograms.
    """

    def __init__(self, layout: RunLayout, exact_values: int = EXACT_VALUES) -> None:
        lay = self.lay = layout
        self.t0, self.t1 = lay.warmup_min, lay.horizon_min
        self.window_days = (self.t1 - self.t0) / DAY
        self.groups = grp = Groups.of(lay)
        n_stages, n_groups = len(lay.stage_names), grp.n
        self.stage_yard = np.array([k == "yard" for k in lay.stage_kind], dtype=bool)
        self.stage_road_km = lay.gate_road_m[lay.stage_gate] / 1000.0 if n_stages else np.zeros(0)
        self.trucks = LiveTable(
            {
                "flow": np.int64,
                "origin": np.int64,
                "cls": np.int64,
                "arrive": np.float64,
                "exit": np.float64,
                "fee_i": np.float64,
                "fee_t": np.float64,
                "has_row": np.bool_,
                "codes": (np.int16, 6),
                "first_gate": np.int64,
                "channel": np.int64,
                **{f"m{j}": np.float64 for j in range(4)},
            }
        )
        self.rows = LiveTable(
            {"truck": np.int64, "stage": np.int64, "t_queue": np.float64, "t_start": np.float64, "road": np.bool_}
        )
        self.row_done = np.empty(0, dtype=bool)
        gates = [grp.gate_offset + i for i in range(len(lay.gate_names))]
        directions = [grp.direction_offset + i for i in range(len(grp.directions))]
        self.stage_queue = LevelFamily(n_stages)
        self.stage_busy = LevelFamily(n_stages, track_max=False)
        # daily peaks of trucks in the system: of the whole system and of each gate
        self.system = LevelFamily(n_groups, hourly=gates + directions, max_partitions=[0, 1], max_series=[0, *gates])
        self.queue = LevelFamily(n_groups, hourly=[])
        self.road = LevelFamily(n_groups, hourly=gates)
        self.road_km = LevelFamily(n_groups, hourly=gates, unit=False)
        self.clock_levels: list[np.ndarray] = []
        self.budget = Budget(exact_values)
        self.tis = GroupedQuantiles(n_groups, self.budget, scale=60.0)
        self.waits = GroupedQuantiles(n_stages, self.budget)
        self.trs = TrsAccumulator(lay, self.budget)
        self.open_minutes = OpenMinutes(lay.stage_schedules)
        self.g = {k: np.zeros(n_groups) for k in _GROUP_SUMS}
        self.s = {k: np.zeros(n_stages) for k in _STAGE_SUMS}
        self.fees_by_month: dict[tuple[int, str], np.ndarray] = {}
        self.money = MoneyTally(lay, n_groups)
        self.demand = DemandTally()
        self.hourly_levels: tuple[list[tuple[str, str, str]], np.ndarray] = ([], np.zeros((0, 0)))

    # --- one window -------------------------------------------------------------------------
    def window(self, ev: WindowEvents) -> None:
        """Reduce one window of events (windows must come in time order and cover the run)."""
        start = ev.start
        days = int(round((min(ev.end, self.t1) - start) / DAY))
        self._arrivals(ev)
        road_open = self._opens(ev)
        started_stage, started_truck, started_road, started_queue_t = self._starts(ev)
        ended_stage, ended_start = self._ends(ev)
        self._levels(ev, days, road_open, started_stage, started_truck, started_road, started_queue_t, ended_stage)
        self._stage_sums(ev, started_stage, started_queue_t, ended_stage, ended_start)
        self._exits(ev)
        self.demand.window(self, ev)
        self._compact()

    def _arrivals(self, ev: WindowEvents) -> None:
        lay, grp = self.lay, self.groups
        flow = ev.arrive_flow.astype(np.int64)
        cls = ev.arrive_class.astype(np.int64)
        channel = ev.arrive_channel.astype(np.int64)
        codes = grp.codes(lay, flow, cls, channel, ev.arrive_mode.astype(np.int64))
        origin = ev.arrive_origin.astype(np.int64)
        first = np.where(origin >= 0, origin, flow)
        first_gate = grp.gate_offset + lay.flow_gate[first] if len(first) else np.empty(0, np.int64)
        self.trucks.append(
            flow=flow,
            origin=origin,
            cls=cls,
            arrive=ev.arrive_t,
            fee_i=ev.arrive_fee_infrastructure,
            fee_t=ev.arrive_fee_transloading,
            first_gate=first_gate,
            channel=channel,
            codes=codes,
        )
        seen = spread(codes)[0]
        self.g["seen"][np.bincount(seen, minlength=self.groups.n) > 0] = 1
        measured = (ev.arrive_t >= self.t0) & (ev.arrive_t < self.t1)
        self._count_groups("arrived", codes[measured])
        diverted = measured & (origin >= 0)
        by_origin = codes[diverted].copy()
        by_origin[:, 1] = first_gate[diverted]
        self._count_groups("diverted", by_origin)

    def _codes_of(self, trucks: np.ndarray) -> np.ndarray:
        return self.trucks.columns["codes"][self.trucks.index(trucks)]

    def _opens(self, ev: WindowEvents) -> np.ndarray:
        """Add the opened rows; return which of them are a truck's wait on the road."""
        truck = ev.open_truck.astype(np.int64)
        stage = ev.open_stage.astype(np.int64)
        idx = self.trucks.index(truck)
        first = np.zeros(len(truck), dtype=bool)
        if len(idx):  # each truck's first row in the window (a truck's rows come in order)
            position = np.full(int(idx.max()) + 1, len(idx))
            np.minimum.at(position, idx, np.arange(len(idx)))
            first[position[position < len(idx)]] = True
        first &= ~self.trucks.columns["has_row"][idx]
        self.trucks.columns["has_row"][idx] = True
        road = first & self.stage_yard[stage] if len(stage) else first
        self.rows.append(truck=truck, stage=stage, t_queue=ev.open_t, t_start=np.full(len(truck), np.nan), road=road)
        self.row_done = np.concatenate((self.row_done, np.zeros(len(truck), dtype=bool)))
        measured = (ev.open_t >= self.t0) & (ev.open_t < self.t1)
        self.s["visits"] += np.bincount(stage[measured], minlength=len(self.s["visits"]))
        return road

    def _starts(self, ev: WindowEvents) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        idx = self.rows.index(ev.start_row)
        cols = self.rows.columns
        cols["t_start"][idx] = ev.start_t
        stage, truck = cols["stage"][idx], cols["truck"][idx]
        yard = self.stage_yard[stage] if len(stage) else np.zeros(0, bool)
        yard &= ~reneged_mask(ev.start_row, ev.renege_row)  # left the road unserved: no yard entry
        self.trs.yard_entry(self.trucks, truck[yard], ev.start_t[yard])
        return stage, truck, cols["road"][idx], cols["t_queue"][idx]

    def _ends(self, ev: WindowEvents) -> tuple[np.ndarray, np.ndarray]:
        idx = self.rows.index(ev.end_row)
        cols = self.rows.columns
        stage, t_start = cols["stage"][idx], cols["t_start"][idx]
        served = ~reneged_mask(ev.end_row, ev.renege_row)
        self.trs.milestone_end(self.trucks, cols["truck"][idx][served], stage[served], ev.end_t[served])
        self.row_done[idx] = True
        return stage, t_start

    def _levels(
        self,
        ev: WindowEvents,
        days: int,
        road_open: np.ndarray,
        started_stage: np.ndarray,
        started_truck: np.ndarray,
        started_road: np.ndarray,
        started_queue_t: np.ndarray,
        end_stage: np.ndarray,
    ) -> None:
        start, bins = ev.start, days  # whole days in the window
        # a visit served the moment it queued adds nothing to a queue (no area, never a maximum):
        # it is left out of the queue levels, which are then swept over far fewer events
        waited_in = ~(self.rows.columns["t_start"][self.rows.index(ev.open_row)] == ev.open_t)
        waited_out = ~(started_queue_t == ev.start_t)
        open_stage = ev.open_stage.astype(np.int64)[waited_in]
        open_t, start_t = ev.open_t[waited_in], ev.start_t[waited_out]
        queue_stage = started_stage[waited_out]
        self.stage_queue.window(start, bins, Moves.of(open_stage, open_t, queue_stage, start_t))
        busy = Moves.of(started_stage, ev.start_t, end_stage, ev.end_t)
        self._open_busy(start, days, busy)
        self.stage_busy.window(start, bins, busy)
        self._open_busy_aligned(start, days)
        arrive_codes = self._codes_of(ev.arrive_truck)
        exit_codes = self._codes_of(ev.exit_truck)
        clocks = start + DAY * np.arange(days) + self.lay.backlog_clock_min
        instants = [float(c) for c in clocks if self.t0 <= c < self.t1]
        at = self.system.window(start, bins, Moves.of(arrive_codes, ev.arrive_t, exit_codes, ev.exit_t), instants)
        self.clock_levels.extend(at)
        open_codes = self._codes_of(ev.open_truck[waited_in])
        start_codes = self._codes_of(started_truck[waited_out])
        self.queue.window(start, bins, Moves.of(open_codes, open_t, start_codes, start_t))
        road_in, road_out = road_open[waited_in], started_road[waited_out]
        km_in = self.stage_road_km[open_stage[road_in]]
        km_out = self.stage_road_km[queue_stage[road_out]]
        road = (open_codes[road_in], open_t[road_in], start_codes[road_out], start_t[road_out])
        self.road.window(start, bins, Moves.of(*road))
        self.road_km.window(start, bins, Moves.of(*road, km_in, km_out))

    def _open_busy(self, start: float, days: int, busy: Moves) -> None:
        """Busy server-minutes inside opening hours of the stages whose hours are not whole model
        hours, for the utilisation (the others are added from the hourly areas)."""
        lo, hi = max(start, self.t0), min(start + days * DAY, self.t1)
        ragged = ~self.open_minutes.aligned
        if hi <= lo or not ragged.any():
            return
        stage, a, b = self.open_minutes.spans(lo, hi)
        keep = ragged[stage]
        mine_in, mine_out = ragged[busy.in_series[:, 0]], ragged[busy.out_series[:, 0]]
        moves = Moves(
            busy.in_series[mine_in], busy.in_t[mine_in], busy.in_w[mine_in],
            busy.out_series[mine_out], busy.out_t[mine_out], busy.out_w[mine_out],
        )  # fmt: skip
        areas = self.stage_busy.span_areas(start, moves, stage[keep], a[keep], b[keep])
        self.s["open_busy"] += np.bincount(stage[keep], weights=areas, minlength=len(self.s["open_busy"]))

    def _open_busy_aligned(self, start: float, days: int) -> None:
        """Busy server-minutes inside opening hours of the stages open and closed on whole hours."""
        bins = days * 24
        hours = start + 60.0 * np.arange(bins)
        measured = (hours >= self.t0) & (hours < self.t1)
        if not measured.any():
            return
        aligned = self.open_minutes.aligned
        mask = self.open_minutes.open_hours(start, bins) & measured[None, :] & aligned[:, None]
        self.s["open_busy"] += (self.stage_busy.last_areas * mask).sum(axis=1)

    def _stage_sums(
        self,
        ev: WindowEvents,
        started_stage: np.ndarray,
        started_queue_t: np.ndarray,
        ended_stage: np.ndarray,
        ended_start: np.ndarray,
    ) -> None:
        s, t0 = self.s, self.t0
        n = len(s["visits"])
        waited = started_queue_t >= t0
        wait = ev.start_t[waited] - started_queue_t[waited]
        s["wait_n"] += np.bincount(started_stage[waited], minlength=n)
        s["wait_sum"] += np.bincount(started_stage[waited], weights=wait, minlength=n)
        self.waits.add(started_stage[waited], wait)
        served = (ended_start >= t0) & ~reneged_mask(ev.end_row, ev.renege_row)
        s["service_n"] += np.bincount(ended_stage[served], minlength=n)
        s["service_sum"] += np.bincount(
            ended_stage[served], weights=ev.end_t[served] - ended_start[served], minlength=n
        )

    def _exits(self, ev: WindowEvents) -> None:
        idx = self.trucks.index(ev.exit_truck)
        cols = self.trucks.columns
        cols["exit"][idx] = ev.exit_t
        codes = self._codes_of(ev.exit_truck)
        arrive = cols["arrive"][idx]
        cleared = ~reneged_mask(ev.exit_truck, ev.renege_truck)  # a truck that reneged left uncleared
        paid = (ev.exit_t >= self.t0) & (ev.exit_t < self.t1) & cleared
        self._count_groups("throughput", codes[paid])
        self._sum_groups("fee_i", codes[paid], cols["fee_i"][idx][paid])
        self._sum_groups("fee_t", codes[paid], cols["fee_t"][idx][paid])
        fee_i, fee_t = cols["fee_i"][idx][paid], cols["fee_t"][idx][paid]
        self._fees_by_month(cols["flow"][idx][paid], ev.exit_t[paid], fee_i, fee_t)
        measured = (arrive >= self.t0) & cleared
        hours = (ev.exit_t[measured] - arrive[measured]) / 60.0
        g, h = spread(codes[measured], hours)
        self.g["tis_n"] += np.bincount(g, minlength=self.groups.n)
        self.g["tis_sum"] += np.bincount(g, weights=h, minlength=self.groups.n)
        self.tis.add(codes[measured], hours)
        self._perishable(codes, cols["cls"][idx], arrive, ev.exit_t - arrive)
        self.money.add(codes, cols["cls"][idx], arrive, ev.exit_t)
        self.trs.exits(self.trucks, idx[measured], ev.exit_t[measured])

    def _perishable(self, codes: np.ndarray, cls: np.ndarray, arrive: np.ndarray, stay: np.ndarray) -> None:
        """Perishable trucks watched (arrived early enough to be judged) and late ones; NaN stay: not done."""
        limit = self.lay.perishable_threshold_h * 60.0
        perishable = self.lay.class_perishable[cls] if len(cls) else np.zeros(0, bool)
        watched = perishable & (arrive >= self.t0) & (arrive < self.t1 - limit)
        late = watched & (np.isnan(stay) | (stay > limit))
        self._count_groups("watched", codes[watched])
        self._count_groups("late", codes[late])

    def _fees_by_month(self, flow: np.ndarray, t: np.ndarray, infra: np.ndarray, trans: np.ndarray) -> None:
        if not len(t):
            return
        gate = self.lay.flow_gate[flow].astype(np.int64)
        origin = np.datetime64(self.lay.start_date, "D")
        month = (origin + np.floor(t / DAY).astype(int).astype("timedelta64[D]")).astype("datetime64[M]")
        first = month.min()
        index = (month - first).astype(np.int64)
        n_gates, n_months = len(self.lay.gate_names), int(index.max()) + 1
        key = index * n_gates + gate
        size = n_gates * n_months
        sums = [np.bincount(key, weights=w, minlength=size) for w in (np.ones(len(key)), infra, trans)]
        for k in np.flatnonzero(sums[0]):
            label = str(first + np.timedelta64(int(k // n_gates), "M"))
            row = self.fees_by_month.setdefault((int(k % n_gates), label), np.zeros(3))
            row += (sums[0][k], sums[1][k], sums[2][k])

    def codes_of(self, trucks: np.ndarray) -> np.ndarray:
        """Group codes of live trucks, shape ``(trucks, 6)``."""
        return self._codes_of(trucks)

    def count_groups(self, name: str, codes: np.ndarray) -> None:
        """Add one to the group sum ``name`` for every group of every row of ``codes``."""
        self._count_groups(name, codes)

    def _count_groups(self, name: str, codes: np.ndarray) -> None:
        g = codes.ravel()
        self.g[name] += np.bincount(g[g >= 0], minlength=self.groups.n)

    def _sum_groups(self, name: str, codes: np.ndarray, values: np.ndarray) -> None:
        g, v = spread(codes, values)
        self.g[name] += np.bincount(g, weights=v, minlength=self.groups.n)

    def _compact(self) -> None:
        exited = ~np.isnan(self.trucks.columns["exit"])
        self.rows.drop_before(self.row_done)
        self.row_done = self.row_done[len(self.row_done) - len(self.rows) :]
        self.trucks.drop_before(exited)

    # --- the end ---------------------------------------------------------------------------
    def finish(self) -> Reduction:
        """The KPI table, hourly series, TRS and fee tables of the replication."""
        self._unfinished()
        from simulator.analysis.reduction_tables import fees_table, kpi_table, timeseries_series

        series, hourly = timeseries_series(self)
        self.hourly_levels = (series, hourly)  # read by the resilience KPIs
        return Reduction(
            replication=self.lay.replication,
            kpis=kpi_table(self),
            series=series,
            hourly=hourly,
            trs=self.trs.table(self.lay.replication),
            fees=fees_table(self),
            exact_percentiles=self.budget.exact,
            suspensions=self.demand.table(self),
        )

    def _unfinished(self) -> None:
        """Count what was still going on at the horizon: trucks in the system, perishables late."""
        cols = self.trucks.columns
        live = np.isnan(cols["exit"])
        codes = cols["codes"][live]
        self._count_groups("in_system_end", codes)
        self._perishable(codes, cols["cls"][live], cols["arrive"][live], np.full(int(live.sum()), np.nan))
        self.money.add(codes, cols["cls"][live], cols["arrive"][live], np.full(int(live.sum()), self.t1))


_GROUP_SUMS = (
    "seen",
    "arrived",
    "throughput",
    "diverted",
    "balked",
    "deferred",
    "lost",
    "reneged",
    "fee_i",
    "fee_t",
    "tis_n",
    "tis_sum",
    "watched",
    "late",
    "in_system_end",
)
_STAGE_SUMS = ("visits", "wait_n", "wait_sum", "service_n", "service_sum", "open_busy")
assert TRUCK_KPIS and STAGE_KPIS  # the tables follow the registry's order
