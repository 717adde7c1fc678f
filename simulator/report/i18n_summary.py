"""The report's summary sentences, reasons and places, in English and Vietnamese.

Merged into :data:`simulator.report.i18n.STRINGS`; look strings up with :func:`simulator.report.i18n.t`.
"""

from __future__ import annotations

__all__ = ["SUMMARY_EN", "SUMMARY_VI"]

SUMMARY_EN: dict[str, str] = {
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
}

SUMMARY_VI: dict[str, str] = {
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
}
