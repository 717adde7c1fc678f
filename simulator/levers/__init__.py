"""Layer 2, the levers: smart-gate measures as pure transforms ``Scenario -> Scenario``.

Each lever validates its parameters, edits a plain copy of the scenario and validates the
result again, recording itself in the new scenario's ``provenance`` (:mod:`.apply`). Loading
a scenario file and applying its ``levers:`` is :func:`simulator.levers.load.load_scenario`.
"""
