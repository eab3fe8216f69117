"""`replaced`, the cheap dataclasses.replace the turn and the detector copy with."""

from __future__ import annotations

import dataclasses

import pytest

from bot.engine.model import Session, replaced
from bot.language.detector import Detection


def test_a_copy_is_what_dataclasses_replace_makes_and_leaves_the_original_alone() -> None:
    session = Session(node="menu", lang="es", vars={"area": "nyc"}, turns=2)
    copy = replaced(session, node="door", turns=3)
    assert copy == dataclasses.replace(session, node="door", turns=3)
    assert (session.node, session.turns) == ("menu", 2)
    found = Detection("zh", 0.9, False, "script")
    assert replaced(found, variant="zh-Hant") == dataclasses.replace(found, variant="zh-Hant")
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.node = "x"  # type: ignore[misc]


def test_a_field_the_class_does_not_have_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"Session has no field \['nodes'\]"):
        Session().but(nodes="door")
    with pytest.raises(TypeError, match="Detection has no field"):
        replaced(Detection(None, 0.0, True, "none"), language="es")


def test_changes_that_change_nothing_give_the_same_instance() -> None:
    session = Session(node="menu", vars={"area": "nyc"}, pages=())
    assert replaced(session, node="menu", pages=(), vars={"area": "nyc"}) is session
    assert session.but(awaiting=None) is session
    changed = session.but(node=None)
    assert changed is not session and changed.node is None
