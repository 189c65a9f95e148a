"""Reruns take turns (pages/_ui/process.one_run_at_a_time): one at a time, released on every exit, and a run behind a
long one goes ahead after TURN_WAIT_S."""
from __future__ import annotations

import threading
import time

import pytest

from pages._ui import process


def run_together(*runs) -> None:
    """Each function in its own thread, as Streamlit runs each session's script; returns when all have ended."""
    threads = [threading.Thread(target=run) for run in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

def test_a_second_run_starts_after_the_first_ends() -> None:
    events: list[str] = []
    first_inside = threading.Event()

    def first() -> None:
        with process.one_run_at_a_time():
            events.append("first in")
            first_inside.set()
            time.sleep(0.1)
            events.append("first out")

    def second() -> None:
        first_inside.wait()
        with process.one_run_at_a_time():
            events.append("second in")

    run_together(first, second)
    assert events == ["first in", "first out", "second in"]


def test_the_turn_is_released_when_a_run_stops_with_an_exception() -> None:
    class StopRun(Exception):  # as Streamlit's RerunException and StopException end a run
        pass

    with pytest.raises(StopRun), process.one_run_at_a_time():
        raise StopRun
    assert not process._TURN.locked()


def test_a_run_behind_a_long_one_goes_ahead_after_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process, "TURN_WAIT_S", 0.05)
    long_inside, long_may_end = threading.Event(), threading.Event()

    def long_run() -> None:
        with process.one_run_at_a_time():
            long_inside.set()
            long_may_end.wait(5)

    t = threading.Thread(target=long_run)
    t.start()
    long_inside.wait()
    start = time.perf_counter()
    with process.one_run_at_a_time():  # does not wait for the long run
        waited = time.perf_counter() - start
    assert 0.04 <= waited < 2
    assert process._TURN.locked()  # leaving without the turn does not release the long run's
    long_may_end.set()
    t.join()
    assert not process._TURN.locked()


def test_a_long_computation_lets_the_next_run_go_first_and_takes_the_turn_back() -> None:
    events: list[str] = []
    computing, other_done = threading.Event(), threading.Event()

    def long_run() -> None:
        with process.one_run_at_a_time():
            with process.without_turn():
                computing.set()
                other_done.wait(5)  # the other run got the turn while this one computed
                events.append("computed")
            assert process._holder[0] == threading.get_ident()  # the rest of the run has the turn again
            events.append("long run ends")

    def short_run() -> None:
        computing.wait()
        with process.one_run_at_a_time():
            events.append("short run")
        other_done.set()

    run_together(long_run, short_run)
    assert events == ["short run", "computed", "long run ends"]
    assert not process._TURN.locked()


def test_without_turn_outside_a_run_takes_nothing() -> None:
    with process.without_turn():
        pass
    assert not process._TURN.locked()
