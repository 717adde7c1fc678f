"""Report strings of the section "How sure are we" and its charts, in English and Vietnamese.

Merged into :data:`simulator.report.i18n.STRINGS`; kept apart so each table stays readable.
"""

from __future__ import annotations

__all__ = ["SURE_EN", "SURE_VI"]

SURE_EN: dict[str, str] = {
    "h.sure": "How sure are we",
    "h.sure_study": "Uncertainty of the {command} results ({folder})",
    "h.sure_values": "Combined {level} intervals of the key indicators",
    "h.sure_differences": "Paired differences and ratios over the assumptions",
    "h.sure_claims": "Does the claim survive the assumptions?",
    "h.sure_matters": "Which assumptions matter",
    "lbl.sampling_lhs": "Latin hypercube sample",
    "lbl.sampling_sobol": "Saltelli sample for Sobol indices",
    "msg.sure_intro": (
        "{n} samples of {inputs} uncertain inputs ({method}); each sample was run with {replications} "
        "replications of {days} days on common random numbers."
    ),
    "msg.sure_sources": (
        "Two things make these results uncertain. The first is the assumptions: inputs that no public source "
        "gives ([A]) or gives only in part ([I]), such as server counts, caps on the Chinese side or arrival "
        "profiles. Each sample draws all of them at once from the ranges listed below. The second is the "
        "Monte-Carlo error: a finite number of simulated days and replications leaves chance in every result. "
        "The confidence intervals elsewhere in this report measure only the second. The {level} intervals here "
        "hold both; the share from the assumptions says how much of their spread comes from the first."
    ),
    "msg.sure_n": (
        "These figures rest on {n} input samples: each end of an interval is a percentile of {n} values, and the "
        "95% CI beside each mean shows how well the samples pin it down."
    ),
    "msg.sure_n_small": (
        "These figures rest on only {n} input samples: each end of an interval is a percentile of only {n} values, "
        "so the ends are rough and would move with another set of samples; the 95% CI beside each mean shows how well "
        "the samples pin it down. More samples ({option}) narrow all of this."
    ),
    "lbl.sure_mean": "Mean over the assumptions [95% CI]",
    "lbl.sure_interval": "{level} interval (assumptions and Monte-Carlo)",
    "lbl.sure_share": "Share from the assumptions",
    "lbl.sure_pair": "Comparison",
    "lbl.sure_improves": "Probability it improves",
    "sure.range": "{low} to {high}",
    "lbl.sure_against": "{scenario} against {base}",
    "msg.sure_claim": (
        "{claim} ({pair}): holds in {holds} of {n} samples of the assumptions, a probability of {probability} "
        "(95% CI {low} to {high})."
    ),
    "lbl.sure_of_value": "{kpi} at {where} ({scenario})",
    "lbl.sure_of_pair": "{kpi} at {where} ({pair})",
    "msg.sure_explain_one": "1 assumption explains {share} of the spread of {what}: {inputs} ({method}).",
    "msg.sure_explain": "{count} assumptions explain {share} of the spread of {what}: {inputs} ({method}).",
    "msg.sure_explain_none": (
        "No five assumptions explain 80% of the spread of {what}: the largest {count} explain {share} together: "
        "{inputs} ({method}); the rest is spread over the other inputs and their interactions."
    ),
    "msg.sure_not_ranked": (
        "The assumptions are not ranked for {what}: a rank regression on {inputs} inputs needs at least {need} "
        "samples with a value, and this study has {n} of them. Run it with more samples (several times the number of "
        "inputs gives usable intervals)."
    ),
    "msg.sure_unranked": "The uncertain inputs of {what}, not ranked (see above).",
    "msg.sure_flat": (
        "Nothing to rank for {what}: it is the same in every sample of the assumptions (or, for Sobol indices, "
        "some samples have no value)."
    ),
    "lbl.method_sobol_s1": "first-order Sobol indices",
    "lbl.method_sobol_st": "total Sobol indices",
    "lbl.method_srrc": "standardised rank regression coefficients, SRRC",
    "msg.sure_ranked": (
        "The uncertain inputs, ranked by their share of the spread of {what}: what collecting data on each "
        "would buy (the share of the spread that pinning it down would remove)."
    ),
    "lbl.sure_input": "Input and its range",
    "lbl.sure_tag": "Source",
    "lbl.sure_why": "Why this range",
    "lbl.sure_data_buys": "Share of the spread",
    "lbl.sure_index": "Index [95% CI] ({method})",
    "msg.sure_no_sensitivity": "The uncertainty folder holds no sensitivity indices.",
    "caption.sure_sensitivity": (
        "Sensitivity indices of the key indicator with their 95% CI whiskers: the first-order Sobol index S1 is the "
        "share of the spread an input explains alone, the total index ST adds its interactions with the others; "
        "|SRRC| is the size of the standardised rank regression coefficient."
    ),
    "caption.sure_capacity": (
        "Each gate's capacity over the {n} samples of the assumptions: one point per sample (the mean of its "
        "replications), the box spans the quartiles and the whiskers the 5th to 95th percentiles; the diamond is the "
        "capacity with the nominal inputs."
    ),
    "caption.sure_distribution": (
        "The key indicator over the {n} samples of the assumptions: one point per sample (the mean of its "
        "replications), the box spans the quartiles and the whiskers the 5th to 95th percentiles."
    ),
    "chart.sure.sample": "one sample of the assumptions",
    "chart.sure.nominal": "nominal inputs",
    "chart.sure.capacity_title": "Capacity by gate over the assumptions — {names}",
    "chart.sure.kpi_title": "{kpi} over the assumptions — {names}",
    "chart.sure.s1": "first-order index S1",
    "chart.sure.st": "total index ST",
    "chart.sure.srrc": "|SRRC|",
    "chart.sure.sobol_xlabel": "Sobol index (95% CI whiskers)",
    "chart.sure.srrc_xlabel": "Size of the standardised rank regression coefficient (95% CI whiskers)",
    "chart.sure.sens_title": "Which assumptions matter: {kpi}",
    # the capacity table of the answer page
    "lbl.sure_cell": "assumptions, {level}: {low} to {high}",
    "msg.sure_capacity_note": (
        "Second line of a cell: the {level} interval over the assumptions ({n} input samples, Monte-Carlo error "
        "included); see How sure are we."
    ),
}

SURE_VI: dict[str, str] = {
    "h.sure": "Mức độ chắc chắn của kết quả",
    "h.sure_study": "Độ bất định của kết quả lệnh {command} ({folder})",
    "h.sure_values": "Khoảng {level} tổng hợp của các chỉ tiêu chính",
    "h.sure_differences": "Chênh lệch và tỷ số ghép cặp khi các giả định thay đổi",
    "h.sure_claims": "Mục tiêu có còn đạt khi các giả định thay đổi?",
    "h.sure_matters": "Những giả định quyết định kết quả",
    "lbl.sampling_lhs": "mẫu siêu lập phương Latin",
    "lbl.sampling_sobol": "mẫu Saltelli cho chỉ số Sobol",
    "msg.sure_intro": (
        "{n} mẫu của {inputs} đầu vào bất định ({method}); mỗi mẫu được chạy {replications} lần lặp, mỗi lần "
        "{days} ngày, với cùng dãy số ngẫu nhiên."
    ),
    "msg.sure_sources": (
        "Có hai nguồn làm kết quả này không chắc chắn. Nguồn thứ nhất là các giả định: những đầu vào không nguồn "
        "công khai nào cho biết ([A]) hoặc chỉ cho biết một phần ([I]), như số điểm phục vụ, giới hạn phía Trung "
        "Quốc hay phân bố xe đến theo giờ. Mỗi mẫu rút đồng thời tất cả các giả định đó từ các khoảng liệt kê dưới "
        "đây. Nguồn thứ hai là sai số Monte Carlo: số ngày mô phỏng và số lần lặp có hạn nên mỗi kết quả còn yếu tố "
        "ngẫu nhiên. Các khoảng tin cậy ở những phần khác của báo cáo chỉ đo nguồn thứ hai. Các khoảng {level} ở "
        "đây gồm cả hai; tỷ phần do giả định cho biết bao nhiêu phần độ phân tán đến từ nguồn thứ nhất."
    ),
    "msg.sure_n": (
        "Các số liệu này dựa trên {n} mẫu đầu vào: mỗi đầu mút của một khoảng là một phân vị của {n} giá trị, và "
        "khoảng tin cậy 95% bên cạnh mỗi giá trị trung bình cho biết các mẫu xác định nó chặt đến đâu."
    ),
    "msg.sure_n_small": (
        "Các số liệu này chỉ dựa trên {n} mẫu đầu vào: mỗi đầu mút của một khoảng là một phân vị của chỉ {n} giá "
        "trị, nên các đầu mút còn thô và sẽ thay đổi với một bộ mẫu khác; khoảng tin cậy 95% bên cạnh mỗi giá trị "
        "trung bình cho biết các mẫu xác định nó chặt đến đâu. Tăng số mẫu ({option}) sẽ thu hẹp tất cả các khoảng."
    ),
    "lbl.sure_mean": "Trung bình theo các giả định [KTC 95%]",
    "lbl.sure_interval": "Khoảng {level} (giả định và sai số Monte Carlo)",
    "lbl.sure_share": "Tỷ phần do giả định",
    "lbl.sure_pair": "So sánh",
    "lbl.sure_improves": "Xác suất cải thiện",
    "sure.range": "{low} đến {high}",
    "lbl.sure_against": "{scenario} so với {base}",
    "msg.sure_claim": (
        "{claim} ({pair}): đạt ở {holds} trong {n} mẫu giả định, xác suất {probability} (KTC 95%: {low} đến {high})."
    ),
    "lbl.sure_of_value": "{kpi} tại {where} ({scenario})",
    "lbl.sure_of_pair": "{kpi} tại {where} ({pair})",
    "msg.sure_explain_one": "1 giả định giải thích {share} độ phân tán của {what}: {inputs} ({method}).",
    "msg.sure_explain": "{count} giả định giải thích {share} độ phân tán của {what}: {inputs} ({method}).",
    "msg.sure_explain_none": (
        "Không có năm giả định nào giải thích được 80% độ phân tán của {what}: {count} giả định lớn nhất cộng lại "
        "giải thích {share}: {inputs} ({method}); phần còn lại chia cho các đầu vào khác và tương tác giữa chúng."
    ),
    "msg.sure_not_ranked": (
        "Chưa xếp hạng được các giả định cho {what}: hồi quy hạng trên {inputs} đầu vào cần ít nhất {need} mẫu có "
        "giá trị, nghiên cứu này chỉ có {n} mẫu như vậy. Hãy chạy với nhiều mẫu hơn (gấp vài lần số đầu vào thì "
        "khoảng tin cậy mới dùng được)."
    ),
    "msg.sure_unranked": "Các đầu vào bất định của {what}, chưa xếp hạng (xem trên).",
    "msg.sure_flat": (
        "Không có gì để xếp hạng cho {what}: chỉ tiêu này như nhau ở mọi mẫu giả định (hoặc, với chỉ số Sobol, "
        "có mẫu không có giá trị)."
    ),
    "lbl.method_sobol_s1": "chỉ số Sobol bậc một",
    "lbl.method_sobol_st": "chỉ số Sobol toàn phần",
    "lbl.method_srrc": "hệ số hồi quy hạng chuẩn hóa, SRRC",
    "msg.sure_ranked": (
        "Các đầu vào bất định, xếp theo tỷ phần độ phân tán của {what}: thu thập dữ liệu về mỗi đầu vào sẽ mang "
        "lại bao nhiêu (phần độ phân tán sẽ mất đi nếu biết chính xác đầu vào đó)."
    ),
    "lbl.sure_input": "Đầu vào và khoảng giá trị",
    "lbl.sure_tag": "Nguồn",
    "lbl.sure_why": "Lý do chọn khoảng này",
    "lbl.sure_data_buys": "Tỷ phần độ phân tán",
    "lbl.sure_index": "Chỉ số [KTC 95%] ({method})",
    "msg.sure_no_sensitivity": "Thư mục độ bất định không có chỉ số độ nhạy.",
    "caption.sure_sensitivity": (
        "Chỉ số độ nhạy của chỉ tiêu chính, kèm râu KTC 95%: chỉ số Sobol bậc một S1 là phần độ phân tán một đầu "
        "vào tự giải thích, chỉ số toàn phần ST cộng thêm tương tác với các đầu vào khác; |SRRC| là độ lớn của hệ số "
        "hồi quy hạng chuẩn hóa."
    ),
    "caption.sure_capacity": (
        "Năng lực từng cửa khẩu qua {n} mẫu giả định: mỗi điểm là một mẫu (trung bình các lần lặp của mẫu đó), hộp "
        "trải từ tứ phân vị dưới đến tứ phân vị trên, râu từ phân vị 5 đến phân vị 95; hình thoi là năng lực với "
        "các đầu vào danh nghĩa."
    ),
    "caption.sure_distribution": (
        "Chỉ tiêu chính qua {n} mẫu giả định: mỗi điểm là một mẫu (trung bình các lần lặp của mẫu đó), hộp trải từ "
        "tứ phân vị dưới đến tứ phân vị trên, râu từ phân vị 5 đến phân vị 95."
    ),
    "chart.sure.sample": "một mẫu giả định",
    "chart.sure.nominal": "đầu vào danh nghĩa",
    "chart.sure.capacity_title": "Năng lực theo cửa khẩu khi các giả định thay đổi — {names}",
    "chart.sure.kpi_title": "{kpi} khi các giả định thay đổi — {names}",
    "chart.sure.s1": "chỉ số bậc một S1",
    "chart.sure.st": "chỉ số toàn phần ST",
    "chart.sure.srrc": "|SRRC|",
    "chart.sure.sobol_xlabel": "Chỉ số Sobol (râu: KTC 95%)",
    "chart.sure.srrc_xlabel": "Độ lớn của hệ số hồi quy hạng chuẩn hóa (râu: KTC 95%)",
    "chart.sure.sens_title": "Những giả định quyết định: {kpi}",
    "lbl.sure_cell": "giả định, {level}: {low} đến {high}",
    "msg.sure_capacity_note": (
        "Dòng thứ hai của mỗi ô: khoảng {level} khi các giả định thay đổi ({n} mẫu đầu vào, đã gồm sai số Monte "
        "Carlo); xem phần Mức độ chắc chắn của kết quả."
    ),
}
