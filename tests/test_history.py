"""Navigation history semantics (like a browser)."""

from tui.render.history import History, Location

A, B, C, D = (Location("commits", k) for k in "abcd")


def test_back_forward_and_truncation() -> None:
    history = History()
    assert history.back() is None and history.forward() is None
    for loc in (A, B, C):
        history.visit(loc)
    assert history.back() == B and history.back() == A and history.back() is None
    assert history.forward() == B
    history.visit(D)  # somewhere new after stepping back drops C
    assert history.forward() is None
    assert history.entries == [A, B, D]
    history.visit(D)
    assert history.entries == [A, B, D]
