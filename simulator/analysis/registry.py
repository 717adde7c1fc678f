"""The KPI registry: every KPI's key, unit, decimals, direction and English and Vietnamese label.

This is the one place that knows how a KPI is named and shown. The KPI functions
(:mod:`simulator.analysis.kpis`) compute exactly the keys listed here, in this order; the
command line's tables, the charts, the report and the comparison read labels, units,
decimals and which way is better from here, and the named *views* say which KPIs each table
shows. Nothing in this module imports anything, so the charts and the report can read it
without loading the engine.

>>> KPIS["time_in_system_h_p95"].label("en")
'Time in system, 95th percentile (h)'
>>> KPIS["throughput_per_day"].better
'higher'
>>> format_value("utilisation", 0.8234)
'82.3%'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "KPIS",
    "STAGE_KPIS",
    "STUDY_KPIS",
    "TRUCK_KPIS",
    "VIEWS",
    "Kpi",
    "format_value",
    "kpi",
    "view",
]

Better = Literal["higher", "lower", "neither"]
Level = Literal["truck", "stage"]


@dataclass(frozen=True)
class Kpi:
    """How one KPI is named and shown.

    Attributes
    ----------
    key : str
        The KPI's key in every table and file (``time_in_system_h_p95``).
    level : {"truck", "stage"}
        Computed for truck groups (all, gate, direction, class, channel, mode) or per stage.
    unit : str
        The unit, in English (``h``, ``min``, ``trucks/day``, ``trucks``, ``km``, ``share``, ``VND``,
        ``VND/year``).
    decimals : int
        Decimals shown (for a share: of its percentage).
    better : {"higher", "lower", "neither"}
        Which way is an improvement; ``neither`` for volumes and revenue.
    en, vi : str
        Display labels, with the unit where it helps.
    short : str
        A short English label for narrow terminal tables.
    """

    key: str
    level: Level
    unit: str
    decimals: int
    better: Better
    en: str
    vi: str
    short: str

    @property
    def percent(self) -> bool:
        """Whether the KPI is a share, shown as a percentage."""
        return self.unit == "share"

    @property
    def pattern(self) -> str:
        """A ``str.format`` pattern with the KPI's decimals (``{:,.1f}``; a share ``{:.1%}``)."""
        return f"{{:.{self.decimals}%}}" if self.percent else f"{{:,.{self.decimals}f}}"

    @property
    def over_days(self) -> bool:
        """Whether the KPI is a total over the measured days (its labels then say how many)."""
        return "{n}" in self.en

    def label(self, lang: str, days: int | None = None) -> str:
        """The display label in ``lang`` (``en`` or ``vi``).

        A total over the measured days names their number when ``days`` is given:

        >>> KPIS["fees_vnd_total"].label("en", days=362)
        'Fees, total over 362 measured days (VND)'
        >>> KPIS["fees_vnd_total"].label("vi")
        'Tổng phí thu trong các ngày đo (đồng)'
        """
        if lang not in ("en", "vi"):
            raise ValueError(f"unknown language {lang!r}: supported languages are en, vi")
        text = self.en if lang == "en" else self.vi
        return text.replace("{n}", _days_word(lang, days))

    def short_label(self, days: int | None = None) -> str:
        """The short English label, naming the measured days of a total when ``days`` is given."""
        return self.short.replace("{n}", _days_word("en", days))


def _days_word(lang: str, days: int | None) -> str:
    if days is not None:
        return f"{days:,}" if lang == "en" else f"{days:,}".replace(",", ".")
    return "the" if lang == "en" else "các"


def _k(key: str, level: Level, unit: str, decimals: int, better: Better, en: str, vi: str, short: str) -> Kpi:
    return Kpi(key, level, unit, decimals, better, en, vi, short)


_ALL: tuple[Kpi, ...] = (
    _k("arrived_per_day", "truck", "trucks/day", 1, "neither", "Trucks arrived per day", "Số xe đến mỗi ngày",
       "arrived per day"),
    _k("throughput_per_day", "truck", "trucks/day", 1, "higher", "Trucks cleared per day",
       "Số xe thông quan mỗi ngày", "cleared per day"),
    _k("time_in_system_h_mean", "truck", "h", 2, "lower", "Time in system, mean (h)",
       "Thời gian trong hệ thống, trung bình (giờ)", "time in system, mean (h)"),
    _k("time_in_system_h_p50", "truck", "h", 2, "lower", "Time in system, median (h)",
       "Thời gian trong hệ thống, trung vị (giờ)", "time in system, median (h)"),
    _k("time_in_system_h_p95", "truck", "h", 2, "lower", "Time in system, 95th percentile (h)",
       "Thời gian trong hệ thống, phân vị 95 (giờ)", "time in system, p95 (h)"),
    _k("time_in_system_h_max", "truck", "h", 2, "lower", "Time in system, maximum (h)",
       "Thời gian trong hệ thống, tối đa (giờ)", "time in system, max (h)"),
    _k("in_system_mean", "truck", "trucks", 1, "lower", "Trucks in the system, mean",
       "Số xe trong hệ thống, trung bình", "in system, mean"),
    _k("in_system_end", "truck", "trucks", 1, "lower", "Trucks in the system at the end",
       "Số xe còn trong hệ thống cuối kỳ", "in system at end"),
    _k("backlog_growth_per_day", "truck", "trucks/day", 2, "lower", "Backlog growth (trucks per day)",
       "Tốc độ tăng tồn đọng (xe/ngày)", "backlog growth per day"),
    _k("backlog_at_clock", "truck", "trucks", 1, "lower", "Backlog at the reporting hour (trucks)",
       "Xe tồn đọng tại giờ báo cáo (xe)", "in system at the backlog clock"),
    _k("queue_mean", "truck", "trucks", 1, "lower", "Trucks queued, mean", "Số xe xếp hàng chờ, trung bình",
       "trucks queued, mean"),
    _k("queue_max", "truck", "trucks", 1, "lower", "Trucks queued, maximum", "Số xe xếp hàng chờ, tối đa",
       "trucks queued, max"),
    _k("road_queue_mean", "truck", "trucks", 1, "lower", "Trucks queued on the road, mean",
       "Số xe xếp hàng trên đường, trung bình", "road queue, mean (trucks)"),
    _k("road_queue_max", "truck", "trucks", 1, "lower", "Trucks queued on the road, maximum",
       "Số xe xếp hàng trên đường, tối đa", "road queue, max (trucks)"),
    _k("road_km_mean", "truck", "km", 2, "lower", "Road queue length, mean (km)",
       "Chiều dài hàng xe trên đường, trung bình (km)", "road queue, mean (km)"),
    _k("road_km_max", "truck", "km", 2, "lower", "Road queue length, maximum (km)",
       "Chiều dài hàng xe trên đường, tối đa (km)", "road queue, max (km)"),
    _k("perishable_late_share", "truck", "share", 1, "lower", "Perishable trucks late (share)",
       "Tỷ lệ xe hàng dễ hư hỏng bị trễ", "perishables late"),
    _k("diverted_per_day", "truck", "trucks/day", 1, "lower", "Trucks diverted per day",
       "Số xe chuyển hướng mỗi ngày", "diverted per day"),
    _k("balked_trucks", "truck", "trucks", 0, "lower", "Trucks balked (not sent), total over {n} measured days",
       "Số xe không được gửi đến cửa khẩu (bỏ đi), tổng trong {n} ngày đo", "balked over {n} days"),
    _k("deferred_trucks", "truck", "trucks", 0, "lower",
       "Trucks deferred or held (sent later), total over {n} measured days",
       "Số xe hoãn gửi hoặc bị tạm giữ (gửi sau), tổng trong {n} ngày đo", "deferred over {n} days"),
    _k("lost_trucks", "truck", "trucks", 0, "lower", "Lost demand (trucks never sent), total over {n} measured days",
       "Nhu cầu bị mất (số xe không bao giờ được gửi), tổng trong {n} ngày đo", "lost over {n} days"),
    _k("reneged_trucks", "truck", "trucks", 0, "lower",
       "Trucks reneged (left the queue for another gate), total over {n} measured days",
       "Số xe rời hàng chờ sang cửa khẩu khác, tổng trong {n} ngày đo", "reneged over {n} days"),
    _k("fees_vnd_total", "truck", "VND", 0, "neither", "Fees, total over {n} measured days (VND)",
       "Tổng phí thu trong {n} ngày đo (đồng)", "fees, total over {n} days (VND)"),
    _k("fees_vnd_per_day", "truck", "VND/day", 0, "neither", "Fees per measured day (VND)",
       "Phí thu mỗi ngày đo (đồng)", "fees per day (VND)"),
    _k("fees_vnd_infrastructure", "truck", "VND", 0, "neither",
       "Infrastructure fees, total over {n} measured days (VND)",
       "Phí sử dụng kết cấu hạ tầng trong {n} ngày đo (đồng)", "infrastructure fees over {n} days (VND)"),
    _k("fees_vnd_transloading", "truck", "VND", 0, "neither", "Transloading fees, total over {n} measured days (VND)",
       "Phí sang tải trong {n} ngày đo (đồng)", "transloading fees over {n} days (VND)"),
    _k("waiting_cost_vnd_per_year", "truck", "VND/year", 0, "lower",
       "Waiting cost of trucks, per year (VND/year)", "Chi phí chờ của xe, mỗi năm (đồng/năm)",
       "waiting cost per year"),
    _k("perishable_loss_vnd_per_year", "truck", "VND/year", 0, "lower",
       "Perishable loss beyond the threshold, per year (VND/year)",
       "Tổn thất hàng dễ hư hỏng quá ngưỡng, mỗi năm (đồng/năm)", "perishable loss per year"),
    _k("fees_vnd_per_year", "truck", "VND/year", 0, "neither", "Fees, per year (VND/year)",
       "Phí thu, mỗi năm (đồng/năm)", "fees per year"),
    # resilience (simulator.analysis.resilience): peaks, recovery after disruptions, truck-days
    _k("in_system_max", "truck", "trucks", 0, "lower", "Trucks in the system, peak",
       "Số xe trong hệ thống, đỉnh", "in system, peak"),
    _k("in_system_peak_day", "truck", "day", 0, "neither", "Day of the in-system peak (from the start, day 0)",
       "Ngày đạt đỉnh số xe trong hệ thống (tính từ ngày đầu, ngày 0)", "in-system peak day"),
    _k("road_queue_peak_day", "truck", "day", 0, "neither", "Day of the road-queue peak (from the start, day 0)",
       "Ngày đạt đỉnh hàng xe trên đường (tính từ ngày đầu, ngày 0)", "road-queue peak day"),
    _k("recovery_h_max", "truck", "h", 0, "lower",
       "Time to recover after a disruption, longest (h; – when there was none, or it did not recover)",
       "Thời gian phục hồi sau sự cố, dài nhất (giờ; – khi không có sự cố, hoặc chưa phục hồi)",
       "recovery, longest (h)"),
    _k("unrecovered_events", "truck", "events", 0, "lower", "Disruptions not recovered by the end",
       "Số sự cố chưa phục hồi đến cuối kỳ", "not recovered by the end"),
    _k("truck_days_in_system", "truck", "truck-days", 0, "lower", "Truck-days waited, total over {n} measured days",
       "Số ngày-xe chờ, tổng trong {n} ngày đo", "truck-days over {n} days"),
    _k("perishable_late_trucks", "truck", "trucks", 0, "lower",
       "Perishable trucks over the threshold, total over {n} measured days",
       "Số xe hàng dễ hư hỏng quá ngưỡng, tổng trong {n} ngày đo", "perishables late over {n} days"),
    _k("waiting_cost_vnd_total", "truck", "VND", 0, "lower", "Waiting cost, total over {n} measured days (VND)",
       "Chi phí chờ, tổng trong {n} ngày đo (đồng)", "waiting cost over {n} days (VND)"),
    _k("perishable_loss_vnd_total", "truck", "VND", 0, "lower",
       "Perishable loss beyond the threshold, total over {n} measured days (VND)",
       "Tổn thất hàng dễ hư hỏng quá ngưỡng, tổng trong {n} ngày đo (đồng)", "perishable loss over {n} days (VND)"),
    _k("visits_per_day", "stage", "trucks/day", 1, "neither", "Visits per day", "Lượt xe mỗi ngày",
       "visits per day"),
    _k("wait_min_mean", "stage", "min", 1, "lower", "Wait, mean (min)", "Thời gian chờ, trung bình (phút)",
       "wait, mean (min)"),
    _k("wait_min_p95", "stage", "min", 1, "lower", "Wait, 95th percentile (min)",
       "Thời gian chờ, phân vị 95 (phút)", "wait, p95 (min)"),
    _k("service_min_mean", "stage", "min", 1, "lower", "Service time, mean (min)",
       "Thời gian phục vụ, trung bình (phút)", "service, mean (min)"),
    _k("queue_mean", "stage", "trucks", 1, "lower", "Trucks queued, mean", "Số xe xếp hàng chờ, trung bình",
       "trucks queued, mean"),
    _k("queue_max", "stage", "trucks", 1, "lower", "Trucks queued, maximum", "Số xe xếp hàng chờ, tối đa",
       "trucks queued, max"),
    _k("busy_mean", "stage", "servers", 1, "neither", "Busy servers, mean", "Số điểm phục vụ đang bận, trung bình",
       "busy servers, mean"),
    _k("utilisation", "stage", "share", 1, "neither", "Utilisation (share of open server-time busy)",
       "Hiệu suất sử dụng (tỷ lệ thời gian mở cửa có phục vụ)", "utilisation"),
    _k("busy_share_24h", "stage", "share", 1, "neither", "Busy share of all hours (24 h)",
       "Tỷ lệ thời gian bận trên cả ngày (24 giờ)", "busy share of 24 h"),
    _k("overtime_min", "stage", "min", 0, "lower", "Service after closing, total (server-minutes)",
       "Phục vụ sau giờ đóng cửa, tổng (phút phục vụ)", "overtime (server-min)"),
)  # fmt: skip

#: Every KPI by key. A key computed both per truck group and per stage (``queue_mean``) maps
#: to its truck-level entry here; :func:`kpi` takes the level.
KPIS: dict[str, Kpi] = {}
for _entry in _ALL:
    KPIS.setdefault(_entry.key, _entry)
_STAGE: dict[str, Kpi] = {k.key: k for k in _ALL if k.level == "stage"}

#: Quantities of the studies (capacity searches, uncertainty runs) that no KPI function computes from the
#: event log; they are named and shown from here like the KPIs (``kpi_name`` in the report finds them).
STUDY_KPIS: dict[str, Kpi] = {
    entry.key: entry
    for entry in (
        _k("capacity_per_day", "truck", "trucks/day", 0, "higher", "Capacity (trucks/day)",
           "Năng lực thông quan (xe/ngày)", "capacity per day"),
        _k("capacity_ratio", "truck", "ratio", 2, "higher", "Capacity ratio, proposal to baseline",
           "Tỷ số năng lực, phương án so với cơ sở", "capacity ratio"),
    )
}  # fmt: skip

#: Keys computed for every truck group, in their order in the KPI tables.
TRUCK_KPIS: tuple[str, ...] = tuple(k.key for k in _ALL if k.level == "truck")
#: Keys computed for every stage, in their order in the KPI tables.
STAGE_KPIS: tuple[str, ...] = tuple(k.key for k in _ALL if k.level == "stage")

#: Which KPIs each table or chart shows, in order.
VIEWS: dict[str, tuple[str, ...]] = {
    # the terminal summary of ``run``
    "run": (
        "arrived_per_day",
        "throughput_per_day",
        "time_in_system_h_mean",
        "time_in_system_h_p95",
        "queue_mean",
        "queue_max",
        "in_system_end",
        "backlog_at_clock",
        "road_queue_max",
        "road_km_max",
        "fees_vnd_total",
        "fees_vnd_per_day",
    ),
    # the terminal table of ``compare`` and its lever sweep
    "compare": (
        "throughput_per_day",
        "time_in_system_h_mean",
        "time_in_system_h_p95",
        "backlog_at_clock",
        "queue_mean",
        "queue_max",
        "in_system_end",
    ),
    # the forest plot and the report's key differences, in this order
    "key_differences": (
        "throughput_per_day",
        "time_in_system_h_mean",
        "time_in_system_h_p95",
        "queue_mean",
        "in_system_mean",
        "backlog_at_clock",
        "road_km_max",
        "perishable_late_share",
        "fees_vnd_total",
        "fees_vnd_per_day",
        "diverted_per_day",
    ),
    # the report's tables by gate, direction and class
    "scope": (
        "throughput_per_day",
        "time_in_system_h_mean",
        "time_in_system_h_p95",
        "queue_mean",
        "in_system_mean",
        "backlog_at_clock",
    ),
    # the report's and the terminal's stage tables
    "stage": ("utilisation", "wait_min_mean", "wait_min_p95", "queue_mean"),
    # value in money (simulator.analysis.money): the report's money table and the terminal's money tables
    "money": ("waiting_cost_vnd_per_year", "perishable_loss_vnd_per_year", "fees_vnd_per_year"),
    # reacting demand (simulator.scenario.demand): what congestion did to demand
    "demand": ("balked_trucks", "deferred_trucks", "lost_trucks", "reneged_trucks"),
    # resilience (simulator.analysis.resilience): peaks, recovery after disruptions, truck-days
    "resilience": (
        "in_system_max",
        "in_system_peak_day",
        "road_queue_max",
        "road_km_max",
        "road_queue_peak_day",
        "recovery_h_max",
        "unrecovered_events",
        "truck_days_in_system",
        "perishable_late_trucks",
        "waiting_cost_vnd_total",
        "perishable_loss_vnd_total",
    ),
}


def kpi(key: str, level: Level | None = None) -> Kpi:
    """The registry entry of ``key`` (at ``level`` when the key exists at both).

    Raises
    ------
    KeyError
        For a key the registry does not know.

    Examples
    --------
    >>> entry = kpi("time_in_system_h_p95")
    >>> entry.unit, entry.better
    ('h', 'lower')
    >>> kpi("utilisation", "stage").level
    'stage'
    >>> kpi("no_such_kpi")
    Traceback (most recent call last):
    ...
    KeyError: "unknown KPI 'no_such_kpi'"
    """
    if level == "stage" and key in _STAGE:
        return _STAGE[key]
    if key not in KPIS:
        raise KeyError(f"unknown KPI {key!r}")
    return KPIS[key]


def view(name: str) -> tuple[Kpi, ...]:
    """The KPIs of a named view (see :data:`VIEWS`)."""
    level: Level = "stage" if name == "stage" else "truck"
    return tuple(kpi(k, level) for k in VIEWS[name])


def format_value(key: str, value: Any, *, thousands: str = ",", point: str = ".") -> str:
    """``value`` written with the KPI's decimals (a share as a percentage); ``–`` when not finite.

    >>> format_value("fees_vnd_total", 31066170000.4)
    '31,066,170,000'
    >>> format_value("fees_vnd_total", 31066170000.4, thousands=".", point=",")
    '31.066.170.000'
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    entry = KPIS.get(key)
    decimals = entry.decimals if entry is not None else 1
    percent = entry is not None and entry.percent
    text = f"{100 * x if percent else x:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    text = text.replace(",", "\0").replace(".", point).replace("\0", thousands)
    return text + ("%" if percent else "")
