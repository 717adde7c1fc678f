"""Bad input to the gate model: every problem is reported as ``file:line: key.path: message``.

Each case edits one line of a valid gate scenario (yards, scanners, customs channels, hand-over
modes, a partner stage, diversion, seasons, disruptions and fees). The loader must raise a
:class:`ScenarioError` whose issue names the file, the line of the offending key and its key path;
``validate`` on the command line must print the same and exit with status 2, without a traceback.
Expected lines are found from a marker text that occurs on exactly one line of the edited file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator
from simulator.cli.commands import main
from simulator.scenario.errors import ScenarioError

from .conftest import SCENARIOS

GATE = """\
name: gate_bad
run:
  start_date: 2024-08-01
  days: 4
  warmup_days: 1
  replications: 2
  seed: 7
cargo_classes:
  fruit: {perishable: true}
  general: {}
gates:
  hn:
    yards:
      park:
        slots: 30
    scanners:
      count: 1
      scan: {dist: exponential, mean_min: 12}
    stages:
      customs:
        servers: 3
        channels:
          shares: {green: 0.7, yellow: 0.2, red: 0.1}
          shares_by:
            export: {green: 0.5, yellow: 0.3, red: 0.2}
          service:
            green: {dist: exponential, mean_min: 5}
            yellow: {dist: exponential, mean_min: 20}
            red: {dist: exponential, mean_min: 60}
          red_scan_share: 0.5
      handover:
        modes:
          transloading: {servers: 3, service: {dist: exponential, mean_min: 60}}
          tractor_swap: {servers: 2, service: {dist: exponential, mean_min: 15}}
      cn:
        side: partner
        utc_offset_h: 8
        servers: 2
        service: {dist: exponential, mean_min: 6}
        cap_per_day: 60
    flows:
      export:
        direction: export
        trucks_per_day: 80
        class_mix: {fruit: 0.6, general: 0.4}
        route: [park, customs, handover, cn]
        handover_shares:
          transloading: 0.7
          tractor_swap: 0.3
    diversion:
      to: tt
      share: 0.5
  tt:
    stages:
      customs:
        servers: 2
        service: {dist: exponential, mean_min: 10}
    flows:
      export:
        direction: export
        trucks_per_day: 30
        class_mix: {fruit: 0.5, general: 0.5}
        route: [customs]
calendar:
  seasons:
    - name: peak
      start: 2024-08-02
      end: 2024-08-03
      multipliers: {fruit: 1.5}
  disruptions:
    - name: cn_cut
      gate: hn
      start: 2024-08-04
      end: 2024-08-04
      cap_per_day: 20
fees:
  infrastructure:
    fruit: {small: 1000, big: 2500}
    general: {small: 800, big: 2000}
  vehicle_mix:
    fruit: {small: 0.3, big: 0.7}
  transloading:
    fruit: 500
"""

# a lab-hold rule for the disruption cases
LAB_HOLD = "lab_hold: {probability: 1, time: {dist: exponential, mean_min: 60}}"

# (case id, (old text, new text), marker on the offending key's line, key path, message)
CASES = [
    (
        "yard_slots_negative",
        ("slots: 30", "slots: -1"),
        "slots: -1",
        "gates.hn.yards.park.slots",
        "must be an integer >= 0, got -1",
    ),
    (
        "channel_shares_sum",
        ("shares: {green: 0.7, yellow: 0.2, red: 0.1}", "shares: {green: 0.7, yellow: 0.2, red: 0.2}"),
        "shares: {green",
        "gates.hn.stages.customs.channels.shares",
        "shares must sum to 1, got 1.1",
    ),
    (
        "channel_shares_by_sum",
        ("export: {green: 0.5, yellow: 0.3, red: 0.2}", "export: {green: 0.5, yellow: 0.3, red: 0.1}"),
        "export: {green",
        "gates.hn.stages.customs.channels.shares_by.export",
        "shares must sum to 1, got 0.9",
    ),
    (
        "handover_shares_sum",
        ("          tractor_swap: 0.3\n", "          tractor_swap: 0.4\n"),
        "handover_shares:",
        "gates.hn.flows.export.handover_shares",
        "shares must sum to 1, got 1.1",
    ),
    (
        "class_mix_sum",
        ("class_mix: {fruit: 0.6, general: 0.4}", "class_mix: {fruit: 0.6, general: 0.3}"),
        "class_mix: {fruit: 0.6",
        "gates.hn.flows.export.class_mix",
        "shares must sum to 1, got 0.9",
    ),
    (
        "vehicle_mix_sum",
        ("fruit: {small: 0.3, big: 0.7}", "fruit: {small: 0.3, big: 0.6}"),
        "fruit: {small: 0.3",
        "fees.vehicle_mix.fruit",
        "shares must sum to 1, got 0.9",
    ),
    (
        "route_unknown_stage",
        ("route: [park, customs, handover, cn]", "route: [park, customs, handover, cn_gate]"),
        "route: [park",
        "gates.hn.flows.export.route.3",
        "no stage or yard 'cn_gate' at gate 'hn' (has: park, customs, handover, cn)",
    ),
    (
        "route_unknown_yard",
        ("route: [customs]", "route: [lot, customs]"),
        "route: [lot",
        "gates.tt.flows.export.route.0",
        "no stage or yard 'lot' at gate 'tt' (has: customs)",
    ),
    (
        "handover_mode_missing",
        ("          tractor_swap: 0.3\n", "          crane_lift: 0.3\n"),
        "crane_lift: 0.3",
        "gates.hn.flows.export.handover_shares.crane_lift",
        "stage 'handover' at gate 'hn' has no mode 'crane_lift' (modes: tractor_swap, transloading)",
    ),
    (
        "disruption_outside_run",
        ("      start: 2024-08-04\n      end: 2024-08-04\n", "      start: 2025-02-01\n      end: 2025-02-03\n"),
        "start: 2025-02-01",
        "calendar.disruptions.0.start",
        "2025-02-01 to 2025-02-03 is outside the run (2024-08-01 to 2024-08-04)",
    ),
    (
        "disruption_unknown_gate",
        ("      gate: hn\n", "      gate: dong_dang\n"),
        "gate: dong_dang",
        "calendar.disruptions.0.gate",
        "unknown gate 'dong_dang' (gates: hn, tt)",
    ),
    (
        "season_ends_before_start",
        ("      end: 2024-08-03\n", "      end: 2024-07-30\n"),
        "end: 2024-07-30",
        "calendar.seasons.0.end",
        "ends (2024-07-30) before it starts (2024-08-02)",
    ),
    (
        "fee_unknown_class_transloading",
        ("  transloading:\n    fruit: 500\n", "  transloading:\n    rice: 500\n"),
        "rice: 500",
        "fees.transloading.rice",
        "unknown cargo class 'rice' (known: fruit, general)",
    ),
    (
        "fee_unknown_class_infrastructure",
        ("    general: {small: 800, big: 2000}\n", "    general: {small: 800, big: 2000}\n    rice: {small: 1}\n"),
        "rice: {small: 1}",
        "fees.infrastructure.rice",
        "unknown cargo class 'rice' (known: fruit, general)",
    ),
    (
        "red_scan_without_scanners",
        ("    scanners:\n      count: 1\n      scan: {dist: exponential, mean_min: 12}\n", ""),
        "red_scan_share: 0.5",
        "gates.hn.stages.customs.channels.red_scan_share",
        "gate 'hn' has no scanners to scan red trucks",
    ),
    (
        "lab_outage_with_a_cap",
        (
            "      cap_per_day: 20\n",
            "      cap_per_day: 20\n      stages: [cn]\n      " + LAB_HOLD + "\n",
        ),
        "lab_hold: {",
        "calendar.disruptions.0.lab_hold",
        "a lab_hold disruption changes lab holds only: give the closure or cap as another disruption",
    ),
    (
        "lab_outage_without_stages",
        ("      cap_per_day: 20\n", "      " + LAB_HOLD + "\n"),
        "- name: cn_cut",
        "calendar.disruptions.0.stages",
        "a lab_hold disruption names the quarantine stages it applies to",
    ),
    (
        "lab_outage_on_customs",
        (
            "      cap_per_day: 20\n",
            "      stages: [cn, customs]\n      " + LAB_HOLD + "\n",
        ),
        "stages: [cn, customs]",
        "calendar.disruptions.0.stages.1",
        "'customs' is a customs or hand-over stage: a lab hold belongs on quarantine",
    ),
    (
        "lab_outage_unknown_class",
        (
            "      cap_per_day: 20\n",
            (
                "      stages: [cn]\n      lab_hold:\n        probability: 0\n"
                "        probability_by_class: {rice: 1}\n        time: {dist: exponential, mean_min: 60}\n"
            ),
        ),
        "probability_by_class: {rice",
        "calendar.disruptions.0.lab_hold.probability_by_class.rice",
        "unknown cargo class 'rice' (known: fruit, general)",
    ),
    (
        "lab_outage_probability_above_1",
        (
            "      cap_per_day: 20\n",
            "      stages: [cn]\n      lab_hold: {probability: 1.5, time: {dist: exponential, mean_min: 60}}\n",
        ),
        "lab_hold: {",
        "calendar.disruptions.0.lab_hold.probability",
        "must be a number <= 1, got 1.5",
    ),
    (
        "diversion_unknown_gate",
        ("      to: tt\n", "      to: dong_dang\n"),
        "to: dong_dang",
        "gates.hn.diversion.to",
        "unknown gate 'dong_dang' (gates: hn, tt)",
    ),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gate_case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, marker: str) -> int:
    """1-based number of the only line containing ``marker``."""
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(lines) == 1, f"marker {marker!r} is on lines {lines}"
    return lines[0]


def _edited(old: str, new: str) -> str:
    assert GATE.count(old) == 1, f"{old!r} is not unique in the base scenario"
    return GATE.replace(old, new)


def test_base_scenario_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, GATE)
    sc = simulator.load_scenario(path)
    assert set(sc.gates) == {"hn", "tt"} and sc.gates["hn"].yards["park"].slots == 30
    assert main(["validate", str(path)]) == 0
    assert "ok" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("old_new", "marker", "key_path", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_loader_points_at_the_key(
    tmp_path: Path, old_new: tuple[str, str], marker: str, key_path: str, message: str
) -> None:
    text = _edited(*old_new)
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        simulator.load_scenario(path)
    expected = f"{path}:{_line_of(text, marker)}: {key_path}: {message}"
    reported = [str(issue) for issue in info.value.issues]
    assert expected in reported, reported


@pytest.mark.parametrize(
    ("old_new", "marker", "key_path", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_cli_validate_exits_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old_new: tuple[str, str],
    marker: str,
    key_path: str,
    message: str,
) -> None:
    text = _edited(*old_new)
    path = _write(tmp_path, text)
    status = main(["validate", str(path)])
    captured = capsys.readouterr()
    assert status == 2, captured
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert f"{path}:{_line_of(text, marker)}: {key_path}: {message}" in captured.err


def test_lab_hold_on_a_customs_or_handover_stage_is_an_error(tmp_path: Path) -> None:
    """A lab hold only makes sense on a quarantine stage; elsewhere it would be silently ignored."""
    sc = simulator.load_scenario(SCENARIOS / "lang_son_2024.yaml")
    assert sc.gates["huu_nghi"].stages["handover"].modes  # hand-over stages load
    hold = '{"probability": 0.1, "time": {"dist": "exponential", "mean_min": 60}}'
    for stage in ("customs_export", "handover"):
        with pytest.raises(simulator.ScenarioError, match="a lab hold belongs on a quarantine stage"):
            simulator.load_scenario(
                SCENARIOS / "lang_son_2024.yaml", [f"gates.huu_nghi.stages.{stage}.lab_hold={hold}"]
            )
