"""The report's figure captions and its method section (STRESS-DES), in English and Vietnamese.

Merged into :data:`simulator.report.i18n.STRINGS`; look strings up with :func:`simulator.report.i18n.t`.
"""

from __future__ import annotations

__all__ = ["METHOD_EN", "METHOD_VI"]

METHOD_EN: dict[str, str] = {
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
}

METHOD_VI: dict[str, str] = {
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
}
