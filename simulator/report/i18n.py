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
from simulator.report.i18n_charts import CHARTS_EN, CHARTS_VI
from simulator.report.i18n_method import METHOD_EN, METHOD_VI
from simulator.report.i18n_summary import SUMMARY_EN, SUMMARY_VI
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
}

STRINGS: dict[str, dict[str, str]] = {
    "en": {**_EN, **SUMMARY_EN, **METHOD_EN, **CHARTS_EN, **TERMS["en"], **ANSWER_EN, **SURE_EN, **APP_EN},
    "vi": {**_VI, **SUMMARY_VI, **METHOD_VI, **CHARTS_VI, **TERMS["vi"], **ANSWER_VI, **SURE_VI, **APP_VI},
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
