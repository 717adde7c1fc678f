"""Every user-visible string of the report and the charts, in English and Vietnamese, and number formatting.

``t(key, lang, **values)`` looks a string up and fills its ``{placeholders}``;
``fmt_number`` writes ``1,234.5`` in English and ``1.234,5`` in Vietnamese. KPI display names
come from the KPI registry (:mod:`simulator.analysis.registry`) through :func:`kpi_name`; a KPI
without one is shown by its raw name. This module imports only the registry, so it never loads SimPy.
"""

from __future__ import annotations

import math
from typing import Any

from simulator.analysis.registry import KPIS, STUDY_KPIS
from simulator.report.i18n_answer import ANSWER_EN, ANSWER_VI
from simulator.report.i18n_app import APP_EN, APP_VI
from simulator.report.i18n_terms import TERMS
from simulator.report.i18n_uncertainty import SURE_EN, SURE_VI

__all__ = [
    "LANGUAGES",
    "STRINGS",
    "check_lang",
    "fmt_ci",
    "fmt_date",
    "fmt_number",
    "fmt_percent",
    "kpi_name",
    "t",
    "t_or",
]

LANGUAGES = ("en", "vi")

_EN: dict[str, str] = {
    # report frame and section headings
    "report.title": "Decision report — {names}",
    "report.subtitle": (
        "Built from the saved result folders {folders}, without rerunning the model. Results created {created}."
    ),
    "h.contents": "Contents",
    "h.summary": "Executive summary",
    "h.scenario": "Scenario and proposal",
    "h.results": "Results",
    "h.method": "Method (STRESS-DES checklist)",
    "h.capacity": "Capacity",
    "h.key_findings": "Key findings",
    "h.key_differences": "Key differences",
    "h.gates": "Gates",
    "h.stages": "Stages",
    "h.flows": "Truck flows",
    "h.levers": "Levers and provenance",
    "h.parameters": "Key parameters and their sources",
    "h.assumptions": "Assumptions and data gaps",
    "h.sources": "Sources register (docs/sources.md)",
    "lbl.src_fact": "Fact",
    "lbl.src_publication": "Publication",
    "lbl.src_date": "Date",
    "lbl.src_url": "Address",
    "msg.sources_intro": "The entries of the project's sources register that the tags above cite.",
    "h.overall": "Whole system",
    "h.by_gate": "By gate",
    "h.by_direction": "By direction",
    "h.busiest": "Busiest stages",
    "h.comparison": "Paired comparison",
    "h.stability": "Overload check",
    "h.charts": "Charts",
    "h.per_scenario": "Run settings and provenance per scenario",
    # value in money (simulator.report.money)
    "h.money": "Value in money",
    "msg.money_caveat": (
        "An appraisal input, not a cost–benefit analysis: no capital or operating costs of the proposal are modelled."
    ),
    "msg.money_absent": (
        "The result folders hold no money indicators (they were written before these indicators existed); "
        "run the scenarios again to get them."
    ),
    "lbl.money_value": "{scenario}: mean [95% CI] ({unit})",
    "lbl.money_difference": "{alternative} − {base}: paired difference [95% CI] ({unit})",
    "unit.million_vnd_year": "million VND/year",
    "unit.billion_vnd_year": "billion VND/year",
    "msg.money_note": (
        "Waiting cost: every truck-day spent in the system within the measured days (trucks still waiting at the "
        "end included), plus reefer fuel for perishable cargo; perishable loss: the truck-days perishable trucks "
        "spend beyond the threshold; fees: those of the trucks that left in the measured days. Each total is "
        "scaled from the measured days to a year."
    ),
    "msg.money_note_compare": (
        "Waiting cost: every truck-day spent in the system within the measured days (trucks still waiting at the "
        "end included), plus reefer fuel for perishable cargo; perishable loss: the truck-days perishable trucks "
        "spend beyond the threshold; fees: those of the trucks that left in the measured days. Each total is "
        "scaled from the measured days to a year. Differences are paired on common random numbers; "
        "* marks a difference whose 95% CI excludes 0."
    ),
    "msg.money_units": (
        "Unit values (the scenario's economics block): waiting {waiting} VND per truck-day; reefer fuel {reefer} VND "
        "per truck-day of perishable cargo; perishable loss {loss} VND per truck-day beyond {threshold} h; "
        "{days} days per year."
    ),
    # table headers and labels
    "lbl.scenario": "Scenario",
    "lbl.description": "Description",
    "lbl.gate": "Gate",
    "lbl.name": "Name",
    "lbl.stage": "Stage",
    "lbl.flow": "Flow",
    "lbl.direction": "Direction",
    "lbl.servers": "Servers",
    "lbl.hours": "Opening hours (local)",
    "lbl.closed": "Closed on",
    "lbl.service": "Service time (min)",
    "lbl.visit": "Share of trucks visiting",
    "lbl.trucks_per_day": "Trucks/day",
    "lbl.route": "Route",
    "lbl.class_mix": "Cargo mix",
    "lbl.n_stages": "Number of stages",
    "lbl.n_flows": "Number of flows",
    "lbl.demand": "Demand (trucks/day)",
    "lbl.always_open": "24 h",
    "lbl.none": "none",
    "lbl.kpi": "Indicator",
    "lbl.parameter": "Parameter",
    "lbl.value": "Value",
    "lbl.tag": "Source",
    "lbl.note": "Note",
    "lbl.base": "Base",
    "lbl.alternative": "Alternative",
    "lbl.base_mean": "Base mean",
    "lbl.alt_mean": "Alternative mean",
    "lbl.difference": "Difference [95% CI]",
    "lbl.relative": "Change",
    "lbl.significant": "Significant",
    "lbl.yes": "yes",
    "lbl.no": "no",
    "lbl.item": "Item",
    "lbl.where": "Where",
    "lbl.growth": "Backlog growth, trucks/day [95% CI]",
    "lbl.values": "Values",
    "lbl.ci_note": "Cells: mean over replications [95% confidence interval].",
    "ci.range": "95% CI {low} to {high}",
    "unit.pp": " percentage points",
    "tag.S": "[S] sourced",
    "tag.I": "[I] inferred",
    "tag.A": "[A] assumed",
    "tag.override": "changed on the command line",
    # summary sentences
    "msg.capacity": (
        "{scenario} can take about {capacity} trucks a day ({ci}), {multiplier}× the demand it was run with, "
        "while {target} still holds; the bottleneck is {bottleneck} ({utilisation} utilisation)."
    ),
    "msg.capacity_not_met": "At the demand it was run with, {scenario} does not meet {target}.",
    "msg.no_capacity": (
        "{scenario} clears {value} trucks a day ({ci}) at the simulated demand. This is the throughput at that demand, "
        "not a capacity: the capacity command gives the largest demand that still meets a service level."
    ),
    "msg.diff_sentence": (
        "{kpi}: {alternative} is {direction} {base} by {diff} ({relative}; 95% CI of the difference {low} to {high}); "
        "{significance}."
    ),
    "msg.diff_higher": "higher than",
    "msg.diff_lower": "lower than",
    "msg.diff_equal": "equal to",
    "msg.significant": "the difference is statistically significant",
    "msg.not_significant": "the difference is not statistically significant",
    "msg.fact_kpi": "{kpi}: {values}.",
    "msg.fact_busiest": (
        "Busiest stage of {scenario}: {stage}, at {utilisation} utilisation ({ci}), with a mean wait of {wait} min."
    ),
    "msg.fact_backlog": (
        "Backlog of {scenario}: {in_system} trucks in the system on average ({ci}), changing by {growth} trucks "
        "per day ({growth_ci}): {verdict}."
    ),
    "msg.stable_word": "not flagged as overloaded",
    "msg.unstable_word": "UNSTABLE, the backlog grows without bound",
    "msg.unstable": (
        "UNSTABLE: the backlog of {where} in {scenario} grows {growth} trucks/day (95% CI {low} to {high}); "
        "its waiting times are not steady-state values."
    ),
    "msg.stable": "No gate, direction or cargo class is flagged unstable: no backlog grows without bound.",
    "msg.inconclusive_word": "the overload check is inconclusive",
    "msg.capacity_above": (
        "{scenario}: the target {target} is still met at demand ×{multiplier} ({demand} trucks/day on {scale}); "
        "the capacity is above that."
    ),
    "msg.capacity_below": (
        "{scenario}: the target {target} is not met even at demand ×{multiplier} ({demand} trucks/day on "
        "{scale}): {kpi} is {value}."
    ),
    "msg.capacity_overloaded": "There, {where} is overloaded (the backlog grows without bound).",
    "msg.inconclusive": "Overload check inconclusive for {where} in {scenario}: {reason}.",
    "reason.short_window": (
        "the measured window ({days} days) is shorter than {periods} whole periods of the calendar ({min_days} days)"
    ),
    "reason.late_event": "{event} falls in the later half of the measured window",
    "reason.one_replication": "one replication gives no confidence interval for the growth",
    "where.all": "the whole system",
    "where.every": "the whole system and every gate, direction and cargo class",
    "where.gate": "gate {name}",
    "where.direction": "direction {name}",
    "where.class": "cargo class {name}",
    "msg.changes": "Changes from {base}:",
    "msg.no_provenance": "No levers applied: the scenario as written in its file.",
    "msg.overrides": "Command-line overrides: {items}.",
    "msg.levers": "Levers and changes recorded in the scenario's provenance, in order:",
    "msg.tags_no_path": (
        "The [S]/[I]/[A] source tags were not available: they are comments of the original scenario file, "
        "and manifest.json does not record which file was run (the resolved YAML keeps no comments)."
    ),
    "msg.tags_unreadable": (
        "The [S]/[I]/[A] source tags were not available: they are comments of the original scenario file {path}, "
        "which cannot be read here (the resolved YAML keeps no comments)."
    ),
    "msg.tags_none": "The scenario file {path} carries no [S]/[I]/[A] source tags.",
    "msg.tags_read": "Source tags read from the comments of {path} as the file is now: {counts}.",
    "msg.tag_counts": "{s} values sourced [S], {i} inferred [I], {a} assumed [A]",
    "msg.same_tags": "Same scenario file as {name}: see above.",
    "msg.no_assumptions": "No value is tagged [A].",
    "msg.assumed_bare": "assumed, no further note",
    "msg.assumptions_intro": (
        "Values tagged [A] are assumptions to be replaced when data appears; each line gives the note and the "
        "values it covers."
    ),
    "msg.comparison_note": (
        "Differences are alternative − base, paired replication by replication on common random numbers. "
        "Whole-system rows are shown; every gate and stage is in comparison.csv."
    ),
    "msg.busiest_note": "Utilisation is busy time over open time, so it can slightly exceed 100%.",
    "msg.no_charts": "No chart could be drawn from these folders.",
    "msg.not_recorded": "not recorded in manifest.json",
    "msg.git_dirty": "with uncommitted changes",
    "msg.git_clean": "clean",
    # figure captions
    "caption.backlog": (
        "Trucks in the system and the road queue (km) by gate over time: mean over replications and the central "
        "90% of replications; the grey band is the warm-up, coloured spans are closures and hatched spans "
        "disruptions. A line that keeps rising means overload."
    ),
    "caption.trs": (
        "Time Release Study view: mean hours from arrival to each milestone (yard entry, customs release, "
        "quarantine release, hand-over, exit) by direction and customs channel; each segment is the time between "
        "consecutive milestones, the whisker the 95% CI of the time to exit."
    ),
    "caption.ecdf": (
        "Share of trucks through the system within a given time (after the warm-up); the dotted line marks the "
        "95th percentile."
    ),
    "caption.util": "Mean share of busy servers per stage and hour of the day, after the warm-up.",
    "caption.capacity": (
        "Capacity search: cleared per day and the target indicator against demand, with 95% CI bands; the "
        "dashed line is the capacity and the shaded band its 95% CI."
    ),
    "caption.tornado": (
        "One-at-a-time sensitivity: the indicator with each parameter lowered and raised, around the base value."
    ),
    "caption.forest": (
        "Paired differences (alternative − base) with 95% CIs; a CI that does not cross the zero line is a "
        "statistically significant change."
    ),
    # method section (STRESS-DES)
    "m.objective": "Objective",
    "m.objective.text": (
        "Estimate throughput, time in the system, queues and utilisation at the border gates of the scenarios "
        "below, each with a 95% confidence interval."
    ),
    "m.logic": "Model logic",
    "m.logic.text": (
        "Discrete-event simulation (SimPy). Each flow's trucks arrive as a non-homogeneous Poisson process; each "
        "truck walks its route through FIFO multi-server stages that serve only during their opening hours. "
        "Definitions of every indicator: docs/model.md."
    ),
    "m.data": "Data",
    "m.data.text": "Scenario parameters and their source tags: section “{section}”.",
    "m.run_length": "Run length",
    "m.run_length.text": "{days} days per replication, of which {measured} days are measured",
    "m.warmup": "Warm-up and initial conditions",
    "m.warmup.text": (
        "The system starts empty (no trucks, every server idle) at 00:00 on {start}; a warm-up of {warmup} day(s) "
        "is left out of every indicator (a time filter on the event log, no counter reset)"
    ),
    "m.warmup.auto": (
        "; chosen automatically (warmup_days: auto): MSER-5 on the hourly number of trucks in the system, averaged "
        "over a {pilot}-replication pilot, deletes {hours} h, rounded up to whole days"
    ),
    "m.warmup.common": ", the largest of the compared scenarios' truncations, so that all share one warm-up",
    "m.replications": "Replications",
    "m.ci": "Confidence intervals",
    "m.ci.text": (
        "Each indicator is the mean over independent replications with a two-sided {level} Student-t interval, "
        "mean ± t(0.975, n−1)·sd/√n; replications in which an indicator is undefined are left out of its n."
    ),
    "m.paired": "Comparisons",
    "m.paired.text": (
        "Paired differences: for each replication, alternative − base, both run on common random numbers; the "
        "95% Student-t interval of the mean difference decides significance."
    ),
    "m.streams": "Random numbers",
    "m.streams.text": (
        "Every random stream is a numpy PCG64 generator seeded with SeedSequence(seed, spawn_key=(replication, "
        "crc32(stream name))): one stream per flow's arrivals, cargo classes, stage visits and service times; no "
        "global random state. The same seed gives byte-identical results."
    ),
    "m.crn": "Common random numbers",
    "m.crn.text": (
        "Streams are keyed by name, so scenarios run with the same seed share their arrivals and service draws "
        "stage by stage; this makes paired comparisons sharp."
    ),
    "m.seed": "Seed",
    "m.software": "Software",
    "m.hardware": "Hardware",
    "m.hardware.text": "{platform}, {processor}, {cpus} CPUs; wall time {wall} s",
    "m.command": "Command that reproduces these numbers",
    "m.commit": "Code version",
    "m.created": "Results created (UTC)",
    "m.digest": "Resolved scenario SHA-256",
    "m.compare_command": "Comparison command",
    # charts
    "chart.backlog.title": "Backlog by gate: mean and {level} replication band — {names}",
    "chart.backlog.ylabel": "trucks in system",
    "chart.backlog.km_ylabel": "road queue (km)",
    "chart.backlog.road_trucks": "trucks on the road",
    "chart.backlog.road": "{gate}: road queue",
    "chart.backlog.band": "central {level} of replications",
    "chart.backlog.xlabel": "days since {date}",
    "chart.warmup": "warm-up",
    "chart.closure": "closure: {name}",
    "chart.closure.unnamed": "closure, {side}",
    "chart.disruption": "disruption: {name}, {effect}",
    "chart.disruption.unnamed": "disruption, {side}, {effect}",
    "chart.disruption.closed": "closed",
    "chart.cap.day": "cap {n} trucks/day",
    "chart.cap.hour": "cap {n} trucks/h",
    "chart.trs.title": "Time Release Study breakdown by stage — {name}",
    "chart.trs.ylabel": "direction",
    "chart.trs.xlabel": "mean time per truck (hours, queue + service)",
    "chart.trs.total": " {value} h",
    "chart.trs.milestones_title": "Time Release Study: time between milestones by direction and channel — {name}",
    "chart.trs.channel_ylabel": "customs channel",
    "chart.trs.milestones_xlabel": "mean time after arrival (hours)",
    "chart.trs.trucks": "{channel} ({n} trucks per replication)",
    "chart.trs.ci": "95% CI of the time to exit",
    "chart.trs.to.yard_entry": "to yard entry (road wait)",
    "chart.trs.to.customs_release": "to customs release",
    "chart.trs.to.quarantine_release": "to quarantine release",
    "chart.trs.to.handover": "to hand-over",
    "chart.trs.to.exit": "to exit",
    "chart.ecdf.title": "Time in system, ECDF (dotted: p95) — {names}",
    "chart.ecdf.xlabel": "time in system (hours)",
    "chart.ecdf.ylabel": "share of trucks",
    "chart.util.title": "Utilisation by stage and hour — {name}",
    "chart.util.xlabel": "hour of day (model clock)",
    "chart.util.ylabel": "stage",
    "chart.util.colorbar": "utilisation (busy servers ÷ servers)",
    "chart.tornado.title": "Sensitivity of {kpi}",
    "chart.tornado.low": "parameter lowered",
    "chart.tornado.high": "parameter raised",
    "chart.tornado.ylabel": "parameter (-/+ change)",
    "chart.tornado.xlabel": "{kpi} (95% CI whiskers)",
    "chart.capacity.title": "Capacity at the service level (dashed: capacity, shaded: its 95% CI) — {names}",
    "chart.capacity.target": "target: {target}",
    "chart.capacity.marker": "capacity of {name}: {value} trucks/day",
    "chart.capacity.kpi_ylabel": "target indicator",
    "chart.capacity.ylabel": "cleared per day (trucks)",
    "chart.capacity.xlabel": "demand (trucks per day)",
    "chart.forest.title": "Paired differences from {base}: mean and 95% CI — {names}",
    "chart.forest.xlabel": "difference, alternative − base (in the unit of each indicator)",
    "chart.forest.ylabel": "alternative",
    "chart.forest.significant": "significant (95% CI excludes 0)",
    "chart.forest.not_significant": "not significant",
    "chart.money.million": "million VND",
    "chart.money.billion": "billion VND",
    "chart.money.in": "{label}, in {unit}",
    "chart.util.closed": "closed (every measured day)",
    "chart.util.part_closed": "closed on some measured days",
    "chart.backlog.omitted": "Left out: the road queue of {gates}, where no truck waited on the road.",
    "chart.capacity.gate_ylabel": "cleared at the gate (trucks/day)",
    "chart.capacity.province_ylabel": "cleared, whole province (trucks/day)",
    "chart.capacity.offered": "demand offered to the gate (trucks/day)",
    "chart.capacity.diagonal": "cleared = offered",
    "chart.capacity.all_gates": "all gates scaled together",
    "chart.capacity.no_gate_series": "older capacity file: the gate's own cleared trucks were not recorded",
    "chart.capacity.each_title": "Capacity by gate at the service level (dashed: capacity, shaded: 95% CI) — {names}",
}

_VI: dict[str, str] = {
    "report.title": "Báo cáo phục vụ ra quyết định — {names}",
    "report.subtitle": (
        "Lập từ các thư mục kết quả đã lưu {folders}, không chạy lại mô hình. Kết quả được tạo lúc {created}."
    ),
    "h.contents": "Mục lục",
    "h.summary": "Tóm tắt",
    "h.scenario": "Kịch bản và đề xuất",
    "h.results": "Kết quả",
    "h.method": "Phương pháp (danh mục STRESS-DES)",
    "h.capacity": "Năng lực thông quan",
    "h.key_findings": "Các phát hiện chính",
    "h.key_differences": "Những khác biệt chính",
    "h.gates": "Cửa khẩu",
    "h.stages": "Các công đoạn",
    "h.flows": "Luồng xe",
    "h.levers": "Giải pháp áp dụng và nguồn gốc thay đổi",
    "h.parameters": "Thông số chính và nguồn số liệu",
    "h.assumptions": "Giả định và thiếu hụt dữ liệu",
    "h.sources": "Danh mục nguồn (docs/sources.md)",
    "lbl.src_fact": "Thông tin",
    "lbl.src_publication": "Ấn phẩm",
    "lbl.src_date": "Ngày",
    "lbl.src_url": "Địa chỉ",
    "msg.sources_intro": (
        "Các mục của danh mục nguồn của dự án mà các nhãn ở trên trích dẫn: mã và địa chỉ của từng nguồn; "
        "nội dung, ấn phẩm và ngày đăng được ghi bằng tiếng Anh trong docs/sources.md."
    ),
    "h.overall": "Toàn hệ thống",
    "h.by_gate": "Theo cửa khẩu",
    "h.by_direction": "Theo chiều hàng",
    "h.busiest": "Các công đoạn bận nhất",
    "h.comparison": "So sánh theo cặp",
    "h.stability": "Kiểm tra quá tải",
    "h.charts": "Biểu đồ",
    "h.per_scenario": "Thiết lập chạy và nguồn gốc theo từng kịch bản",
    # giá trị bằng tiền (simulator.report.money)
    "h.money": "Giá trị bằng tiền",
    "msg.money_caveat": (
        "Đây là số liệu đầu vào cho thẩm định, không phải phân tích chi phí – lợi ích: chi phí đầu tư và chi phí "
        "vận hành của đề xuất không được mô hình hóa."
    ),
    "msg.money_absent": (
        "Các thư mục kết quả không có chỉ tiêu bằng tiền (được tạo trước khi có các chỉ tiêu này); "
        "hãy chạy lại các kịch bản để có chúng."
    ),
    "lbl.money_value": "{scenario}: trung bình [KTC 95%] ({unit})",
    "lbl.money_difference": "{alternative} − {base}: chênh lệch theo cặp [KTC 95%] ({unit})",
    "unit.million_vnd_year": "triệu đồng/năm",
    "unit.billion_vnd_year": "tỷ đồng/năm",
    "msg.money_note": (
        "Chi phí chờ: mọi ngày-xe trong hệ thống trong các ngày đo (kể cả xe còn chờ lúc kết thúc), cộng nhiên liệu "
        "chạy lạnh cho hàng dễ hư hỏng; tổn thất hàng dễ hư hỏng: số ngày-xe vượt ngưỡng của xe hàng dễ hư hỏng; "
        "phí: phí của các xe rời đi trong các ngày đo. Mỗi tổng được quy từ các ngày đo ra một năm."
    ),
    "msg.money_note_compare": (
        "Chi phí chờ: mọi ngày-xe trong hệ thống trong các ngày đo (kể cả xe còn chờ lúc kết thúc), cộng nhiên liệu "
        "chạy lạnh cho hàng dễ hư hỏng; tổn thất hàng dễ hư hỏng: số ngày-xe vượt ngưỡng của xe hàng dễ hư hỏng; "
        "phí: phí của các xe rời đi trong các ngày đo. Mỗi tổng được quy từ các ngày đo ra một năm. Chênh lệch "
        "được ghép cặp trên cùng số ngẫu nhiên; dấu * đánh dấu chênh lệch có KTC 95% không chứa 0."
    ),
    "msg.money_units": (
        "Đơn giá (khối kinh tế của kịch bản): chi phí chờ {waiting} đồng mỗi ngày-xe; nhiên liệu chạy lạnh "
        "{reefer} đồng mỗi ngày-xe hàng dễ hư hỏng; tổn thất hàng dễ hư hỏng {loss} đồng mỗi ngày-xe quá {threshold} "
        "giờ; {days} ngày mỗi năm."
    ),
    "lbl.scenario": "Kịch bản",
    "lbl.description": "Mô tả",
    "lbl.gate": "Cửa khẩu",
    "lbl.name": "Tên",
    "lbl.stage": "Công đoạn",
    "lbl.flow": "Luồng",
    "lbl.direction": "Chiều",
    "lbl.servers": "Số điểm phục vụ",
    "lbl.hours": "Giờ làm việc (giờ địa phương)",
    "lbl.closed": "Nghỉ vào",
    "lbl.service": "Thời gian phục vụ (phút)",
    "lbl.visit": "Tỷ lệ xe qua công đoạn",
    "lbl.trucks_per_day": "Xe/ngày",
    "lbl.route": "Lộ trình",
    "lbl.class_mix": "Cơ cấu hàng hóa",
    "lbl.n_stages": "Số công đoạn",
    "lbl.n_flows": "Số luồng",
    "lbl.demand": "Nhu cầu (xe/ngày)",
    "lbl.always_open": "24 giờ",
    "lbl.none": "không có",
    "lbl.kpi": "Chỉ tiêu",
    "lbl.parameter": "Thông số",
    "lbl.value": "Giá trị",
    "lbl.tag": "Nguồn",
    "lbl.note": "Ghi chú",
    "lbl.base": "Phương án cơ sở",
    "lbl.alternative": "Phương án so sánh",
    "lbl.base_mean": "Trung bình phương án cơ sở",
    "lbl.alt_mean": "Trung bình phương án so sánh",
    "lbl.difference": "Chênh lệch [KTC 95%]",
    "lbl.relative": "Thay đổi",
    "lbl.significant": "Có ý nghĩa thống kê",
    "lbl.yes": "có",
    "lbl.no": "không",
    "lbl.item": "Mục",
    "lbl.where": "Phạm vi",
    "lbl.growth": "Tốc độ tăng tồn đọng, xe/ngày [KTC 95%]",
    "lbl.values": "Giá trị",
    "lbl.ci_note": "Mỗi ô: trung bình qua các lần lặp [khoảng tin cậy 95%].",
    "ci.range": "KTC 95%: {low} đến {high}",
    "unit.pp": " điểm phần trăm",
    "tag.S": "[S] có nguồn dẫn",
    "tag.I": "[I] suy luận",
    "tag.A": "[A] giả định",
    "tag.override": "đã thay đổi bằng dòng lệnh",
    "msg.capacity": (
        "{scenario} có thể tiếp nhận khoảng {capacity} xe mỗi ngày ({ci}), gấp {multiplier} lần nhu cầu đã mô phỏng, "
        "mà vẫn đạt {target}; điểm nghẽn là {bottleneck} (hiệu suất sử dụng {utilisation})."
    ),
    "msg.capacity_not_met": "Ở mức nhu cầu đã mô phỏng, {scenario} không đạt {target}.",
    "msg.no_capacity": (
        "{scenario} thông quan {value} xe mỗi ngày ({ci}) ở mức nhu cầu đã mô phỏng. Đây là sản lượng ở mức nhu cầu "
        "đó, chưa phải năng lực tối đa: lệnh capacity cho biết nhu cầu lớn nhất vẫn đạt mức dịch vụ yêu cầu."
    ),
    "msg.diff_sentence": (
        "{kpi}: {alternative} {direction} {base} {diff} ({relative}; KTC 95% của chênh lệch: {low} đến {high}); "
        "{significance}."
    ),
    "msg.diff_higher": "cao hơn",
    "msg.diff_lower": "thấp hơn",
    "msg.diff_equal": "bằng",
    "msg.significant": "chênh lệch có ý nghĩa thống kê",
    "msg.not_significant": "chênh lệch không có ý nghĩa thống kê",
    "msg.fact_kpi": "{kpi}: {values}.",
    "msg.fact_busiest": (
        "Công đoạn bận nhất của {scenario}: {stage}, hiệu suất sử dụng {utilisation} ({ci}), "
        "thời gian chờ trung bình {wait} phút."
    ),
    "msg.fact_backlog": (
        "Tồn đọng của {scenario}: trung bình {in_system} xe trong hệ thống ({ci}), thay đổi {growth} xe mỗi ngày "
        "({growth_ci}): {verdict}."
    ),
    "msg.stable_word": "không bị đánh dấu quá tải",
    "msg.unstable_word": "KHÔNG ỔN ĐỊNH, lượng xe tồn đọng tăng không giới hạn",
    "msg.unstable": (
        "KHÔNG ỔN ĐỊNH: lượng xe tồn đọng của {where} trong {scenario} tăng {growth} xe/ngày "
        "(KTC 95%: {low} đến {high}); thời gian chờ ở đây không phải giá trị ở trạng thái dừng."
    ),
    "msg.stable": (
        "Không cửa khẩu, chiều hàng hay loại hàng nào bị đánh dấu không ổn định: không có tồn đọng tăng không giới hạn."
    ),
    "msg.inconclusive_word": "chưa kết luận được về quá tải",
    "msg.capacity_above": (
        "{scenario}: mục tiêu {target} vẫn đạt ở mức nhu cầu ×{multiplier} ({demand} xe/ngày trên {scale}); "
        "năng lực còn cao hơn mức đó."
    ),
    "msg.capacity_below": (
        "{scenario}: mục tiêu {target} không đạt ngay cả ở mức nhu cầu ×{multiplier} ({demand} xe/ngày trên "
        "{scale}): {kpi} là {value}."
    ),
    "msg.capacity_overloaded": "Ở mức đó, {where} bị quá tải (lượng xe tồn đọng tăng không giới hạn).",
    "msg.inconclusive": "Chưa kết luận được về quá tải của {where} trong {scenario}: {reason}.",
    "reason.short_window": (
        "khoảng thời gian đo ({days} ngày) ngắn hơn {periods} chu kỳ lịch trọn vẹn ({min_days} ngày)"
    ),
    "reason.late_event": "{event} rơi vào nửa sau của khoảng thời gian đo",
    "reason.one_replication": "một lần lặp không cho khoảng tin cậy của tốc độ tăng tồn đọng",
    "where.all": "toàn hệ thống",
    "where.every": "toàn hệ thống và mọi cửa khẩu, chiều hàng và loại hàng",
    "where.gate": "cửa khẩu {name}",
    "where.direction": "chiều {name}",
    "where.class": "loại hàng {name}",
    "msg.changes": "Thay đổi so với {base}:",
    "msg.no_provenance": "Không áp dụng giải pháp nào: kịch bản giữ nguyên như trong tệp.",
    "msg.overrides": "Giá trị ghi đè bằng dòng lệnh: {items}.",
    "msg.levers": "Các giải pháp và thay đổi ghi trong nguồn gốc của kịch bản, theo thứ tự:",
    "msg.tags_no_path": (
        "Không có nhãn nguồn [S]/[I]/[A]: các nhãn nằm trong chú thích của tệp kịch bản gốc, nhưng manifest.json "
        "không ghi tệp nào đã được chạy (tệp YAML đã phân giải không giữ chú thích)."
    ),
    "msg.tags_unreadable": (
        "Không có nhãn nguồn [S]/[I]/[A]: các nhãn nằm trong chú thích của tệp kịch bản gốc {path}, tệp này không "
        "đọc được ở đây (tệp YAML đã phân giải không giữ chú thích)."
    ),
    "msg.tags_none": "Tệp kịch bản {path} không có nhãn nguồn [S]/[I]/[A] nào.",
    "msg.tags_read": "Nhãn nguồn đọc từ chú thích của tệp {path} ở trạng thái hiện tại: {counts}.",
    "msg.tag_counts": "{s} giá trị có nguồn dẫn [S], {i} giá trị suy luận [I], {a} giá trị giả định [A]",
    "msg.same_tags": "Cùng tệp kịch bản với {name}: xem ở trên.",
    "msg.no_assumptions": "Không có giá trị nào được gắn nhãn [A].",
    "msg.assumed_bare": "giả định, không có ghi chú thêm",
    "msg.assumptions_intro": (
        "Các giá trị gắn nhãn [A] là giả định, cần thay thế khi có số liệu; mỗi dòng nêu ghi chú và các giá trị "
        "liên quan."
    ),
    "msg.comparison_note": (
        "Chênh lệch = phương án so sánh − phương án cơ sở, ghép cặp theo từng lần lặp với số ngẫu nhiên chung. "
        "Bảng chỉ nêu toàn hệ thống; số liệu từng cửa khẩu và công đoạn có trong comparison.csv."
    ),
    "msg.busiest_note": ("Hiệu suất sử dụng = thời gian bận ÷ thời gian mở cửa, nên có thể vượt 100% một chút."),
    "msg.no_charts": "Không vẽ được biểu đồ nào từ các thư mục này.",
    "msg.not_recorded": "không được ghi trong manifest.json",
    "msg.git_dirty": "có thay đổi chưa commit",
    "msg.git_clean": "không có thay đổi chưa commit",
    "caption.backlog": (
        "Số xe trong hệ thống và chiều dài hàng xe trên đường (km) theo cửa khẩu theo thời gian: trung bình qua các "
        "lần lặp và dải 90% ở giữa của các lần lặp; vùng xám là giai đoạn khởi động, vùng tô màu là thời gian đóng "
        "cửa, vùng gạch chéo là sự cố. Đường tăng mãi là dấu hiệu quá tải."
    ),
    "caption.trs": (
        "Góc nhìn Nghiên cứu thời gian giải phóng hàng (TRS): số giờ trung bình từ khi xe đến tới từng mốc (vào "
        "bãi, thông quan hải quan, xong kiểm dịch, giao nhận, ra khỏi cửa khẩu) theo chiều hàng và luồng hải "
        "quan; mỗi đoạn là thời gian giữa hai mốc liên tiếp, râu là KTC 95% của thời gian đến khi ra khỏi cửa khẩu."
    ),
    "caption.ecdf": (
        "Tỷ lệ xe đi qua hệ thống trong một khoảng thời gian cho trước (sau giai đoạn khởi động); đường chấm là "
        "phân vị 95."
    ),
    "caption.util": "Tỷ lệ điểm phục vụ đang bận trung bình theo công đoạn và giờ trong ngày, sau giai đoạn khởi động.",
    "caption.capacity": (
        "Tìm năng lực: số xe thông quan mỗi ngày và chỉ tiêu mục tiêu theo nhu cầu, với dải KTC 95%; đường nét đứt "
        "là năng lực, vùng tô là KTC 95% của năng lực."
    ),
    "caption.tornado": "Độ nhạy từng thông số: chỉ tiêu khi giảm và khi tăng từng thông số, quanh giá trị cơ sở.",
    "caption.forest": (
        "Chênh lệch theo cặp (phương án so sánh − phương án cơ sở) với KTC 95%; khoảng tin cậy không cắt đường 0 "
        "là thay đổi có ý nghĩa thống kê."
    ),
    "m.objective": "Mục tiêu",
    "m.objective.text": (
        "Ước lượng sản lượng thông quan, thời gian trong hệ thống, hàng chờ và hiệu suất sử dụng tại các cửa khẩu "
        "của các kịch bản dưới đây, mỗi chỉ tiêu kèm khoảng tin cậy 95%."
    ),
    "m.logic": "Logic mô hình",
    "m.logic.text": (
        "Mô phỏng sự kiện rời rạc (SimPy). Xe của mỗi luồng đến theo quá trình Poisson không thuần nhất; mỗi xe đi "
        "theo lộ trình qua các công đoạn nhiều điểm phục vụ, xếp hàng theo thứ tự đến (FIFO), chỉ phục vụ trong giờ "
        "làm việc. Định nghĩa từng chỉ tiêu: docs/model.md."
    ),
    "m.data": "Số liệu",
    "m.data.text": "Thông số của kịch bản và nhãn nguồn: xem mục “{section}”.",
    "m.run_length": "Thời gian mô phỏng",
    "m.run_length.text": "{days} ngày mỗi lần lặp, trong đó {measured} ngày được đo",
    "m.warmup": "Khởi động và điều kiện ban đầu",
    "m.warmup.text": (
        "Hệ thống bắt đầu rỗng (không có xe, mọi điểm phục vụ đều rảnh) lúc 00:00 ngày {start}; {warmup} ngày đầu "
        "là giai đoạn khởi động, bị loại khỏi mọi chỉ tiêu (lọc theo thời gian trên nhật ký sự kiện, không đặt lại "
        "bộ đếm)"
    ),
    "m.warmup.auto": (
        "; được chọn tự động (warmup_days: auto): quy tắc MSER-5 trên số xe trong hệ thống theo từng giờ, lấy trung "
        "bình qua {pilot} lần lặp thử, loại bỏ {hours} giờ, làm tròn lên thành số ngày nguyên"
    ),
    "m.warmup.common": (
        ", là mức lớn nhất trong các kịch bản được so sánh, để mọi kịch bản dùng chung một giai đoạn khởi động"
    ),
    "m.replications": "Số lần lặp",
    "m.ci": "Khoảng tin cậy",
    "m.ci.text": (
        "Mỗi chỉ tiêu là trung bình qua các lần lặp độc lập, với khoảng tin cậy Student-t hai phía {level}, "
        "trung bình ± t(0,975; n−1)·sd/√n; lần lặp mà chỉ tiêu không xác định được loại khỏi n của chỉ tiêu đó."
    ),
    "m.paired": "So sánh",
    "m.paired.text": (
        "Chênh lệch theo cặp: với mỗi lần lặp, lấy phương án so sánh − phương án cơ sở, cả hai chạy với số ngẫu "
        "nhiên chung; khoảng tin cậy Student-t 95% của chênh lệch trung bình quyết định ý nghĩa thống kê."
    ),
    "m.streams": "Số ngẫu nhiên",
    "m.streams.text": (
        "Mỗi luồng số ngẫu nhiên là một bộ sinh numpy PCG64 khởi tạo bằng SeedSequence(seed, spawn_key=(lần lặp, "
        "crc32(tên luồng))): một luồng cho xe đến của mỗi luồng xe, cho loại hàng, cho việc ghé công đoạn và cho "
        "thời gian phục vụ; không có trạng thái ngẫu nhiên toàn cục. Cùng hạt giống cho kết quả giống hệt từng byte."
    ),
    "m.crn": "Số ngẫu nhiên chung",
    "m.crn.text": (
        "Các luồng được đặt khóa theo tên, nên các kịch bản chạy cùng hạt giống dùng chung xe đến và thời gian phục "
        "vụ ở từng công đoạn; nhờ vậy so sánh theo cặp chính xác hơn."
    ),
    "m.seed": "Hạt giống ngẫu nhiên (seed)",
    "m.software": "Phần mềm",
    "m.hardware": "Phần cứng",
    "m.hardware.text": "{platform}, {processor}, {cpus} CPU; thời gian chạy {wall} giây",
    "m.command": "Lệnh tái tạo các số liệu này",
    "m.commit": "Phiên bản mã nguồn",
    "m.created": "Thời điểm tạo kết quả (UTC)",
    "m.digest": "SHA-256 của kịch bản đã phân giải",
    "m.compare_command": "Lệnh so sánh",
    "chart.backlog.title": "Tồn đọng theo cửa khẩu: trung bình và dải {level} các lần lặp — {names}",
    "chart.backlog.ylabel": "số xe trong hệ thống",
    "chart.backlog.km_ylabel": "hàng xe trên đường (km)",
    "chart.backlog.road_trucks": "số xe trên đường",
    "chart.backlog.road": "{gate}: hàng xe trên đường",
    "chart.backlog.band": "{level} các lần lặp ở giữa",
    "chart.backlog.xlabel": "số ngày kể từ {date}",
    "chart.warmup": "khởi động",
    "chart.closure": "đóng cửa: {name}",
    "chart.closure.unnamed": "đóng cửa, {side}",
    "chart.disruption": "sự cố: {name}, {effect}",
    "chart.disruption.unnamed": "sự cố, {side}, {effect}",
    "chart.disruption.closed": "ngừng thông quan",
    "chart.cap.day": "giới hạn {n} xe/ngày",
    "chart.cap.hour": "giới hạn {n} xe/giờ",
    "chart.trs.title": "Phân tích thời gian giải phóng hàng (TRS) theo công đoạn — {name}",
    "chart.trs.ylabel": "chiều hàng",
    "chart.trs.xlabel": "thời gian trung bình mỗi xe (giờ, chờ + phục vụ)",
    "chart.trs.total": " {value} giờ",
    "chart.trs.milestones_title": (
        "Thời gian giải phóng hàng (TRS): thời gian giữa các mốc theo chiều hàng và luồng — {name}"
    ),
    "chart.trs.channel_ylabel": "luồng hải quan",
    "chart.trs.milestones_xlabel": "thời gian trung bình kể từ khi xe đến (giờ)",
    "chart.trs.trucks": "{channel} ({n} xe mỗi lần lặp)",
    "chart.trs.ci": "KTC 95% của thời gian đến khi ra khỏi cửa khẩu",
    "chart.trs.to.yard_entry": "đến khi vào bãi (chờ trên đường)",
    "chart.trs.to.customs_release": "đến khi hải quan thông quan",
    "chart.trs.to.quarantine_release": "đến khi xong kiểm dịch",
    "chart.trs.to.handover": "đến khi giao nhận xong",
    "chart.trs.to.exit": "đến khi ra khỏi cửa khẩu",
    "chart.ecdf.title": "Thời gian trong hệ thống, hàm phân phối thực nghiệm (chấm: phân vị 95) — {names}",
    "chart.ecdf.xlabel": "thời gian trong hệ thống (giờ)",
    "chart.ecdf.ylabel": "tỷ lệ xe",
    "chart.util.title": "Hiệu suất sử dụng theo công đoạn và giờ — {name}",
    "chart.util.xlabel": "giờ trong ngày (đồng hồ mô hình)",
    "chart.util.ylabel": "công đoạn",
    "chart.util.colorbar": "hiệu suất sử dụng (điểm bận ÷ tổng điểm phục vụ)",
    "chart.tornado.title": "Độ nhạy của {kpi}",
    "chart.tornado.low": "giảm thông số",
    "chart.tornado.high": "tăng thông số",
    "chart.tornado.ylabel": "thông số (giảm/tăng)",
    "chart.tornado.xlabel": "{kpi} (râu: KTC 95%)",
    "chart.capacity.title": "Năng lực ở mức dịch vụ (nét đứt: năng lực, vùng tô: KTC 95%) — {names}",
    "chart.capacity.target": "mục tiêu: {target}",
    "chart.capacity.marker": "năng lực của {name}: {value} xe/ngày",
    "chart.capacity.kpi_ylabel": "chỉ tiêu mục tiêu",
    "chart.capacity.ylabel": "số xe thông quan mỗi ngày",
    "chart.capacity.xlabel": "nhu cầu (xe/ngày)",
    "chart.forest.title": "Chênh lệch theo cặp so với {base}: trung bình và KTC 95% — {names}",
    "chart.forest.xlabel": "chênh lệch, phương án so sánh − cơ sở (theo đơn vị của từng chỉ tiêu)",
    "chart.forest.ylabel": "phương án",
    "chart.forest.significant": "có ý nghĩa (KTC 95% không chứa 0)",
    "chart.forest.not_significant": "không có ý nghĩa",
    "chart.money.million": "triệu đồng",
    "chart.money.billion": "tỷ đồng",
    "chart.money.in": "{label}, đơn vị: {unit}",
    "chart.util.closed": "đóng cửa (mọi ngày đo)",
    "chart.util.part_closed": "đóng cửa vào một số ngày đo",
    "chart.backlog.omitted": "Không vẽ: hàng xe trên đường tại {gates}, nơi không có xe nào phải chờ trên đường.",
    "chart.capacity.gate_ylabel": "số xe thông quan tại cửa khẩu (xe/ngày)",
    "chart.capacity.province_ylabel": "số xe thông quan toàn tỉnh (xe/ngày)",
    "chart.capacity.offered": "nhu cầu đến cửa khẩu (xe/ngày)",
    "chart.capacity.diagonal": "thông quan = nhu cầu",
    "chart.capacity.all_gates": "tăng nhu cầu đồng thời ở mọi cửa khẩu",
    "chart.capacity.no_gate_series": "tệp năng lực cũ: chưa ghi số xe thông quan riêng của cửa khẩu",
    "chart.capacity.each_title": "Năng lực từng cửa khẩu ở mức dịch vụ (nét đứt: năng lực, vùng tô: KTC 95%) — {names}",
}

STRINGS: dict[str, dict[str, str]] = {
    "en": {**_EN, **TERMS["en"], **ANSWER_EN, **SURE_EN, **APP_EN},
    "vi": {**_VI, **TERMS["vi"], **ANSWER_VI, **SURE_VI, **APP_VI},
}


def t_or(key: str, lang: str, fallback: str) -> str:
    """The string ``key`` in ``lang``, or ``fallback`` when there is none (e.g. a new distribution name)."""
    return STRINGS[check_lang(lang)].get(key, fallback)


def check_lang(lang: str) -> str:
    """``lang`` if supported, else :class:`ValueError` listing the supported languages."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: supported languages are {', '.join(LANGUAGES)}")
    return lang


def t(key: str, lang: str, /, **values: Any) -> str:
    """The string ``key`` in ``lang`` with its ``{placeholders}`` filled from ``values``."""
    return STRINGS[check_lang(lang)][key].format(**values) if values else STRINGS[check_lang(lang)][key]


def kpi_name(kpi: str, lang: str) -> str:
    """Display name of a KPI in ``lang``, from the KPI registry; an unknown KPI is shown by its raw name."""
    check_lang(lang)
    entry = KPIS.get(kpi) or STUDY_KPIS.get(kpi)
    return entry.label(lang) if entry is not None else kpi


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt_number(x: Any, lang: str, decimals: int = 1) -> str:
    """``1,234.5`` (en) or ``1.234,5`` (vi); a dash for NaN, None or infinity."""
    check_lang(lang)
    if not _finite(x):
        return "–"
    text = f"{float(x):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0.0"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_percent(x: Any, lang: str, decimals: int = 0) -> str:
    """A share as a percentage: ``0.745`` → ``74.5%`` (en) or ``74,5%`` (vi)."""
    return "–" if not _finite(x) else fmt_number(100.0 * float(x), lang, decimals) + "%"


def fmt_ci(
    mean: Any, lo: Any, hi: Any, lang: str, decimals: int = 1, short: bool = False, percent: bool = False
) -> str:
    """A mean with its 95% CI: ``12.3 (95% CI 10.1 to 14.5)``; ``short`` gives ``12.3 [10.1; 14.5]``.

    ``percent`` writes shares as percentages. Without finite bounds (one replication) only the
    mean is written.
    """

    def num(x: Any) -> str:
        return fmt_percent(x, lang, decimals) if percent else fmt_number(x, lang, decimals)

    value = num(mean)
    if not (_finite(lo) and _finite(hi)):
        return value
    low, high = num(lo), num(hi)
    if short:
        return f"{value} [{low}; {high}]"
    return f"{value} ({t('ci.range', lang, low=low, high=high)})"


def fmt_date(iso: str, lang: str) -> str:
    """``2024-08-01`` as written in ``lang``: unchanged in English, ``01/08/2024`` in Vietnamese."""
    check_lang(lang)
    parts = str(iso).split("-")
    if lang == "vi" and len(parts) == 3:
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    return str(iso)
