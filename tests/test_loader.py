"""Scenario loading: extends, --set, defaults, immutability, and the committed JSON Schema."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pydantic
import pytest

import simulator
from simulator.scenario.schema import json_schema

from .conftest import ROOT, SCENARIOS


def test_extends_merges_mappings_and_replaces_lists(tmp_path: Path, small_yaml: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(
        "extends: small.yaml\n"
        "name: child\n"
        "run: {days: 5}\n"
        "gates:\n"
        "  huu_nghi:\n"
        "    stages:\n"
        "      customs: {servers: 9}\n"
        "    flows:\n"
        "      export: {route: [customs]}\n",
        encoding="utf-8",
    )
    sc = simulator.load_scenario(child)
    assert sc.name == "child"
    assert sc.run.days == 5 and sc.run.warmup_days == 1 and sc.run.seed == 7  # merged with the parent's run
    customs = sc.gates["huu_nghi"].stages["customs"]
    assert customs.servers == 9 and customs.hours == ("07:00-19:00",)  # sibling keys inherited
    assert sc.gates["huu_nghi"].flows["export"].route == ("customs",)  # a list replaces
    assert sc.gates["huu_nghi"].flows["export"].class_mix == {"fruit": 0.7, "general": 0.3}


def test_error_in_parent_points_at_parent_file(tmp_path: Path, small_yaml: Path) -> None:
    text = small_yaml.read_text().replace("servers: 3", "servers: 0")
    small_yaml.write_text(text)
    child = tmp_path / "child.yaml"
    child.write_text("extends: small.yaml\nrun: {days: 4}\n")
    with pytest.raises(simulator.ScenarioError) as info:
        simulator.load_scenario(child)
    (issue,) = info.value.issues
    assert (issue.file, issue.line, issue.path) == (str(small_yaml), 18, "gates.huu_nghi.stages.customs.servers")


def test_set_overrides_and_provenance_of_errors(small_yaml: Path) -> None:
    sc = simulator.load_scenario(small_yaml, ["gates.huu_nghi.stages.customs.servers=5", "run.days=4"])
    assert sc.gates["huu_nghi"].stages["customs"].servers == 5
    assert sc.run.days == 4
    sc2 = simulator.load_scenario(small_yaml, ["gates.huu_nghi.flows.export.route=[customs]"])
    assert sc2.gates["huu_nghi"].flows["export"].route == ("customs",)
    with pytest.raises(simulator.ScenarioError) as info:
        simulator.load_scenario(small_yaml, ["gates.huu_nghi.stages.customs.servers=0"])
    assert info.value.issues[0].file == "--set gates.huu_nghi.stages.customs.servers=0"


def test_name_defaults_to_file_stem(tmp_path: Path, small_yaml: Path) -> None:
    other = tmp_path / "my_gate.yaml"
    other.write_text(small_yaml.read_text().replace("name: small\n", ""))
    assert simulator.load_scenario(other).name == "my_gate"


def test_defaults_live_in_the_schema(small_yaml: Path) -> None:
    sc = simulator.load_scenario(small_yaml)
    flow = sc.gates["huu_nghi"].flows["export"]
    assert flow.hourly_profile == (1.0,) * 24 and flow.weekday_weights == (1.0,) * 7
    assert sc.gates["huu_nghi"].stages["entry"].hours is None
    assert sc.run.utc_offset_h == 7.0


def test_scenario_is_frozen_hashable_picklable(small_yaml: Path) -> None:
    sc = simulator.load_scenario(small_yaml)
    with pytest.raises(pydantic.ValidationError):
        sc.name = "other"  # type: ignore[misc]
    assert hash(sc) == hash(simulator.load_scenario(small_yaml))
    assert pickle.loads(pickle.dumps(sc)) == sc
    changed = simulator.load_scenario(small_yaml, ["run.seed=8"])
    assert changed.digest() != sc.digest()


def test_load_from_dict_and_from_scenario(small_yaml: Path) -> None:
    sc = simulator.load_scenario(small_yaml)
    again = simulator.load_scenario(sc.model_dump(mode="json"))
    assert again == sc
    assert simulator.load_scenario(sc, ["run.days=9"]).run.days == 9


def test_committed_schema_is_current() -> None:
    committed = json.loads((ROOT / "scenario.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "regenerate with: python run_scenario.py schema > scenario.schema.json"


def _scenario_files() -> list[Path]:
    return sorted(p for p in SCENARIOS.rglob("*.yaml"))


@pytest.mark.parametrize("path", _scenario_files(), ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_shipped_scenarios_validate_and_point_at_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
    assert target == (ROOT / "scenario.schema.json").resolve()
    simulator.load_scenario(path)


def test_override_inside_a_yaml_anchor_changes_only_that_place(tmp_path: Path) -> None:
    text = """
name: anchors
cargo_classes: {general: {}}
gates:
  a:
    stages:
      s1: {servers: 1, service: &time {dist: exponential, mean_min: 10}}
      s2: {servers: 1, service: *time}
    flows:
      f: {direction: export, trucks_per_day: 10, class_mix: {general: 1}, route: [s1, s2]}
"""
    path = tmp_path / "anchors.yaml"
    path.write_text(text, encoding="utf-8")
    sc = simulator.load_scenario(path, overrides=["gates.a.stages.s1.service.mean_min=20"])
    assert sc.gates["a"].stages["s1"].service.mean_min == 20
    assert sc.gates["a"].stages["s2"].service.mean_min == 10


def _child(tmp_path: Path, body: str) -> Path:
    child = tmp_path / "child.yaml"
    child.write_text("extends: small.yaml\n" + body, encoding="utf-8")
    return child


def test_extends_list_operations_append_prepend_replace(tmp_path: Path, small_yaml: Path) -> None:
    child = _child(
        tmp_path,
        "gates:\n  huu_nghi:\n    stages:\n      customs: {hours: {append: ['20:00-22:00']}}\n",
    )
    assert simulator.load_scenario(child).gates["huu_nghi"].stages["customs"].hours == ("07:00-19:00", "20:00-22:00")
    first = _child(tmp_path, "gates: {huu_nghi: {stages: {customs: {hours: {prepend: ['05:00-06:00']}}}}}\n")
    assert simulator.load_scenario(first).gates["huu_nghi"].stages["customs"].hours == ("05:00-06:00", "07:00-19:00")
    replaced = _child(tmp_path, "gates: {huu_nghi: {stages: {customs: {hours: {replace: ['08:00-09:00']}}}}}\n")
    assert simulator.load_scenario(replaced).gates["huu_nghi"].stages["customs"].hours == ("08:00-09:00",)


def test_appended_item_keeps_its_file_and_line(tmp_path: Path, small_yaml: Path) -> None:
    child = _child(
        tmp_path,
        "gates:\n  huu_nghi:\n    stages:\n      customs:\n        hours:\n"
        "          append:\n            - '25:00-26:00'\n",
    )
    with pytest.raises(simulator.ScenarioError) as info:
        simulator.load_scenario(child)
    (issue,) = info.value.issues
    assert (issue.file, issue.line, issue.path) == (str(child), 8, "gates.huu_nghi.stages.customs.hours.1")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("gates: {huu_nghi: {stages: {customs: {closures: {append: [x]}}}}}\n", "the parent has no such key"),
        ("gates: {huu_nghi: {flows: {export: {class_mix: {append: [x]}}}}}\n", "the parent's value is a dict"),
        ("gates: {huu_nghi: {stages: {customs: {hours: {append: [], x: 1}}}}}\n", "exactly one key"),
        ("gates: {huu_nghi: {stages: {customs: {hours: {append: '07:00-08:00'}}}}}\n", "must be a list"),
        ("uncertainty: {prepend: []}\n", "uncertainty entries merge by path"),
    ],
)
def test_bad_list_operation_is_one_clear_line(tmp_path: Path, small_yaml: Path, body: str, message: str) -> None:
    with pytest.raises(simulator.ScenarioError) as info:
        simulator.load_scenario(_child(tmp_path, body))
    (issue,) = info.value.issues
    assert issue.file == str(tmp_path / "child.yaml") and issue.line == 2 and message in issue.message


def test_uncertainty_append_is_the_merge_by_path(tmp_path: Path, small_yaml: Path) -> None:
    def entry(path: str, low: float) -> str:
        return f"  - {{path: {path}, tag: A, why: test, dist: uniform, low: {low}, high: 30}}\n"

    customs = "gates.huu_nghi.stages.customs.service.mean_min"
    entry_stage = "gates.huu_nghi.flows.export.trucks_per_day"
    small_yaml.write_text(small_yaml.read_text() + "uncertainty:\n" + entry(customs, 10), encoding="utf-8")
    plain = _child(tmp_path, "uncertainty:\n" + entry(customs, 15) + entry(entry_stage, 20))
    expected = simulator.load_scenario(plain).uncertainty
    appended = _child(
        tmp_path, "uncertainty:\n  append:\n" + "".join("  " + e for e in (entry(customs, 15), entry(entry_stage, 20)))
    )
    assert simulator.load_scenario(appended).uncertainty == expected
    assert [(e.path, e.low) for e in expected] == [(customs, 15), (entry_stage, 20)]


def test_prepend_moves_the_parents_items_with_their_lines(tmp_path: Path, small_yaml: Path) -> None:
    small_yaml.write_text(small_yaml.read_text().replace('["07:00-19:00"]', '["25:00-26:00"]'), encoding="utf-8")
    child = _child(tmp_path, "gates: {huu_nghi: {stages: {customs: {hours: {prepend: ['05:00-06:00']}}}}}\n")
    with pytest.raises(simulator.ScenarioError) as info:
        simulator.load_scenario(child)
    (issue,) = info.value.issues
    assert (issue.file, issue.line, issue.path) == (str(small_yaml), 20, "gates.huu_nghi.stages.customs.hours.1")
