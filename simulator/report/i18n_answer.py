"""Report strings of the answer-first page and the appendix, in English and Vietnamese.

Merged into :data:`simulator.report.i18n.STRINGS`; kept apart so each table stays readable.
"""

from __future__ import annotations

__all__ = ["ANSWER_EN", "ANSWER_VI"]

ANSWER_EN: dict[str, str] = {
    "h.answer": "The answer",
    "h.appendix": "Appendix: scenario parameters in full",
    "h.money_by_gate": "Value in money, gate by gate",
    "lbl.province": "Province (all gates)",
    "lbl.all_gates": "All gates",
    "lbl.not_found": "not found",
    "lbl.today_demand": "Today's demand (trucks/day)",
    "lbl.capacity_of": "Capacity, {scenario}: trucks/day [95% CI], × today's demand",
    "lbl.ratio_to": "Ratio to {scenario} [95% CI]",
    "lbl.binding_stage": "Binding stage",
    "lbl.part": "Stage, yard or flow",
    "lbl.baseline_value": "Baseline value",
    "lbl.this_value": "This scenario",
    "msg.capacity_missing": (
        "No capacity search is in this report, so the capacity columns are empty. Run {command} and give its "
        "result folder to report beside the others."
    ),
    "msg.capacity_meaning": (
        "Capacity: the largest demand a gate takes while {target} still holds for its own trucks, the other gates "
        "at today's demand; 95% confidence intervals over the replications. Ratios pair each replication of a "
        "proposal with the same replication of the baseline."
    ),
    "msg.province_sum": "The province's capacity is the sum of the gates' capacities: the gates are independent.",
    "msg.province_all": "The province's capacity scales every gate's demand together (capacity --scale all).",
    "msg.province_not_summed": "Province: {why}.",
    "msg.capacity_not_found": "{where} ({scenario}): no capacity found: {why}",
    "msg.not_met_today": (
        "{where} does not meet the target even at today's demand ({scenarios}): its capacity lies below today's "
        "demand, and more capacity elsewhere does not change that."
    ),
    "msg.claim_untestable": (
        "Claim under test ({scenario}): {claim}. It cannot be tested here: this report has no capacity ratio "
        "for {where}."
    ),
    "msg.claim_supported": (
        "Claim under test ({scenario}): {claim}. Measured for {where}: {ratio}; the whole interval is at or above "
        "×{minimum}, so these runs support the claim."
    ),
    "msg.claim_not_supported": (
        "Claim under test ({scenario}): {claim}. Measured for {where}: {ratio}; the whole interval is below "
        "×{minimum}, so these runs do not support the claim."
    ),
    "msg.claim_undecided": (
        "Claim under test ({scenario}): {claim}. Measured for {where}: {ratio}; the interval straddles ×{minimum}: "
        "these runs do not decide it (more replications or longer runs would)."
    ),
    "msg.claim_above": (
        "Claim under test ({scenario}): {claim}. Measured for {where}: {ratio}; the whole interval is above the "
        "claimed range."
    ),
    "msg.appendix_ref": "The values of every parameter, with their source tags, are in the appendix.",
    "msg.changes_table": "Values that differ from {base}:",
    "msg.mixed_other": (
        "Warning (--allow-mixed): the capacity search of {name} is not on a scenario of this report ({names}); "
        "its numbers do not describe these scenarios."
    ),
    "msg.mixed_model": (
        "Warning (--allow-mixed): the capacity search of {name} was made on a different model of {name} than "
        "the runs of this report (values changed, e.g. with --set)."
    ),
}

ANSWER_VI: dict[str, str] = {
    "h.answer": "Câu trả lời",
    "h.appendix": "Phụ lục: toàn bộ tham số kịch bản",
    "h.money_by_gate": "Giá trị bằng tiền theo từng cửa khẩu",
    "lbl.province": "Toàn tỉnh (mọi cửa khẩu)",
    "lbl.all_gates": "Mọi cửa khẩu",
    "lbl.not_found": "không tìm được",
    "lbl.today_demand": "Nhu cầu hiện nay (xe/ngày)",
    "lbl.capacity_of": "Năng lực, {scenario}: xe/ngày [KTC 95%], × nhu cầu hiện nay",
    "lbl.ratio_to": "Tỷ số so với {scenario} [KTC 95%]",
    "lbl.binding_stage": "Khâu giới hạn",
    "lbl.part": "Khâu, bãi hoặc luồng xe",
    "lbl.baseline_value": "Giá trị cơ sở",
    "lbl.this_value": "Kịch bản này",
    "msg.capacity_missing": (
        "Báo cáo này không có kết quả tìm năng lực, nên các cột năng lực để trống. Hãy chạy {command} rồi đưa "
        "thư mục kết quả vào lệnh báo cáo cùng các thư mục khác."
    ),
    "msg.capacity_meaning": (
        "Năng lực: nhu cầu lớn nhất một cửa khẩu tiếp nhận được mà {target} vẫn đạt đối với xe của chính cửa khẩu "
        "đó, các cửa khẩu khác giữ nhu cầu hiện nay; khoảng tin cậy 95% qua các lần lặp. Tỷ số ghép từng lần lặp "
        "của phương án với cùng lần lặp của kịch bản cơ sở."
    ),
    "msg.province_sum": "Năng lực toàn tỉnh là tổng năng lực các cửa khẩu: các cửa khẩu độc lập với nhau.",
    "msg.province_all": "Năng lực toàn tỉnh tăng nhu cầu đồng thời ở mọi cửa khẩu (capacity --scale all).",
    "msg.province_not_summed": "Toàn tỉnh: {why}.",
    "msg.capacity_not_found": "{where} ({scenario}): không tìm được năng lực: {why}",
    "msg.not_met_today": (
        "{where} không đạt mục tiêu ngay cả ở nhu cầu hiện nay ({scenarios}): năng lực của cửa khẩu này thấp hơn "
        "nhu cầu hiện nay, và tăng năng lực ở nơi khác không thay đổi điều đó."
    ),
    "msg.claim_untestable": (
        "Mục tiêu cần kiểm chứng ({scenario}): {claim}. Chưa kiểm chứng được: báo cáo này không có tỷ số năng lực "
        "cho {where}."
    ),
    "msg.claim_supported": (
        "Mục tiêu cần kiểm chứng ({scenario}): {claim}. Kết quả cho {where}: {ratio}; cả khoảng tin cậy đều từ "
        "×{minimum} trở lên, nên các lần chạy này ủng hộ mục tiêu."
    ),
    "msg.claim_not_supported": (
        "Mục tiêu cần kiểm chứng ({scenario}): {claim}. Kết quả cho {where}: {ratio}; cả khoảng tin cậy đều dưới "
        "×{minimum}, nên các lần chạy này không ủng hộ mục tiêu."
    ),
    "msg.claim_undecided": (
        "Mục tiêu cần kiểm chứng ({scenario}): {claim}. Kết quả cho {where}: {ratio}; khoảng tin cậy nằm hai bên "
        "×{minimum}: các lần chạy này chưa đủ để kết luận (cần thêm lần lặp hoặc chạy dài hơn)."
    ),
    "msg.claim_above": (
        "Mục tiêu cần kiểm chứng ({scenario}): {claim}. Kết quả cho {where}: {ratio}; cả khoảng tin cậy đều cao "
        "hơn khoảng mục tiêu."
    ),
    "msg.appendix_ref": "Giá trị của mọi tham số, kèm nhãn nguồn, nằm trong phụ lục.",
    "msg.changes_table": "Các giá trị khác với {base}:",
    "msg.mixed_other": (
        "Cảnh báo (--allow-mixed): kết quả tìm năng lực của {name} không thuộc kịch bản nào của báo cáo này "
        "({names}); các số liệu đó không mô tả các kịch bản này."
    ),
    "msg.mixed_model": (
        "Cảnh báo (--allow-mixed): kết quả tìm năng lực của {name} được tính trên một mô hình {name} khác với "
        "các lần chạy của báo cáo này (giá trị đã thay đổi, ví dụ bằng --set)."
    ),
}
