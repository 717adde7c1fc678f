"""Layer 1, the scenario format: what a scenario file may say, and nothing about running it.

Pydantic models frozen all the way down (:mod:`.models`, :mod:`.stage`, :mod:`.calendar`,
:mod:`.types`), distributions with closed-form moments, the safe YAML loader with its line
map, ``extends:`` and ``--set`` (:mod:`.loader`), the cross-checks, the JSON Schema, the
lever *parameter* models (part of the file format) and the errors that name file, line and
key. It imports nothing from the layers above.
"""
