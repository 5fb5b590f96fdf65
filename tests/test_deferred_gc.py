"""Garbage collection held back during a batch, and given back as it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from providers.runtime_tuning import collection_deferred


@pytest.fixture(autouse=True)
def gc_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()


def test_collection_is_off_inside_and_back_on_after() -> None:
    gc.enable()
    with collection_deferred():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collection_comes_back_on_after_an_error() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="boom"), collection_deferred():
        raise ValueError("boom")
    assert gc.isenabled()


def test_collection_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with collection_deferred():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nested_blocks_turn_it_back_on_once_at_the_outer_end() -> None:
    gc.enable()
    with collection_deferred():
        with collection_deferred():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_blocks_in_two_threads_turn_it_back_on_when_the_last_ends() -> None:
    gc.enable()
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with collection_deferred():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    with collection_deferred():
        thread.start()
        assert entered.wait(5)
    assert not gc.isenabled()  # the other thread's block is still open
    release.set()
    thread.join(5)
    assert gc.isenabled()
