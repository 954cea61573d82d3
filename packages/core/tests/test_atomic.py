"""Atomic writes leave the old content (or nothing) when the writer fails midway."""

import pytest

from reelmind.core.atomic import atomic_path, write_text


def test_failure_keeps_old_content(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_success_replaces(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_text(target, "new")
    assert target.read_text() == "new"
