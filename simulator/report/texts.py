"""Texts written in a scenario, in the report's language: descriptions, names and notes.

A scenario gives each text in English (``description``, ``name``, ``notes``) and may give its
Vietnamese translation beside it (``description_vi``, ``name_vi``, ``notes_vi``). The Vietnamese
report shows the translation, or else the English text marked :data:`UNTRANSLATED`, so a reader
sees at once what the scenario's author has not translated. The English report shows the English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.report.i18n import check_lang, t_or

__all__ = ["UNTRANSLATED", "lever_text", "note_text", "term", "text"]

#: Appended to an English text shown in the Vietnamese report for want of a translation.
UNTRANSLATED = " (chưa dịch)"


def _get(obj: Any, key: str) -> str:
    value = obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    return str(value) if value else ""


def text(obj: Any, field: str, lang: str) -> str:
    """The text ``field`` of a scenario part in ``lang``.

    Parameters
    ----------
    obj : mapping or object
        A scenario part (a resolved-YAML mapping or a model) holding ``field`` and maybe ``field_vi``.
    field : str
        ``description`` or ``name``.
    lang : str
        ``en`` or ``vi``.

    Returns
    -------
    str
        In English the English text; in Vietnamese ``field_vi``, else the English text followed by
        :data:`UNTRANSLATED`; empty when the part has no English text either.

    Examples
    --------
    >>> text({"description": "Gate yard"}, "description", "vi")
    'Gate yard (chưa dịch)'
    >>> text({"description": "Gate yard", "description_vi": "Bãi cửa khẩu"}, "description", "vi")
    'Bãi cửa khẩu'
    """
    english = _get(obj, field)
    if check_lang(lang) == "en":
        return english
    return _get(obj, f"{field}_vi") or (english + UNTRANSLATED if english else "")


def note_text(scenario: Mapping[str, Any], index: int, lang: str) -> str:
    """Entry ``index`` of the scenario's ``notes`` in ``lang``; in Vietnamese that entry of ``notes_vi``, or marked."""
    note = str(scenario["notes"][index])
    if check_lang(lang) == "en":
        return note
    translations = scenario.get("notes_vi") or []
    return str(translations[index]) if index < len(translations) and translations[index] else note + UNTRANSLATED


def lever_text(entry: Mapping[str, Any], lang: str) -> str:
    """What an applied lever stands for: its own description in ``lang``, else the lever's standard text."""
    own = text(entry, "description", lang)
    return own or t_or(f"lever.{entry.get('lever')}", lang, "")


def term(kind: str, ident: str, lang: str) -> str:
    """A scenario identifier in words (``term("mode", "transloading", "vi")`` is ``sang tải``), else the id."""
    return t_or(f"{kind}.{ident}", lang, ident)
