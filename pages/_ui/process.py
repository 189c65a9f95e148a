"""The server process: its set-up, once, after its first page; and the turns its sessions' script runs take."""
from __future__ import annotations

import contextlib
import functools
import gc
import threading
from collections.abc import Iterator

YOUNG_COLLECTION_THRESHOLD = 20_000  # Python's default is 700


# Process-wide and decorated once, here: app.py runs from the top on every rerun, and an st.cache_resource defined
# there was decorated afresh each time (~0.5 ms a rerun: Streamlit reads the function's source to key its cache).
@functools.cache
def freeze_startup_objects() -> bool:
    """Once per process, after its first page: take what is loaded by then (modules, the price catalogue, warm
    caches), nearly all of which lives as long as the process, out of the garbage collector's view. Its occasional
    full collection then scans only what later runs create: ~40 ms instead of ~0.5 s in a bench run, a pause one
    user's rerun would otherwise wait for.

    And collect the youngest generation after 20,000 new objects instead of 700: a rerun creates thousands (most freed
    by reference counting as it ends), so the default collected several times per rerun and promoted each rerun's
    live objects into the older generations, which were then collected over and over too. With 25 clients rerunning
    the Overview, the collector's CPU time fell from ~1.5 s to ~0.9 s over ~150 reruns (gc.callbacks, thread time),
    9 full collections to 1."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)
    return True


# One script run at a time (usually in arrival order; the lock does not promise it). Python runs one thread at a time
# anyway (the GIL), switching between the reruns of concurrent users every few milliseconds; sharing the CPU that way
# makes each of them take as long as all of them together. Taking turns finishes the first rerun first, so the same
# work on the same CPU gives a lower p95 (bench/concurrency.py, README). A run waits for its turn at most TURN_WAIT_S,
# then goes ahead without it and shares the CPU as before (behind a process's first run, say). A computation that can
# take far longer than a rerun (the tornado, the Monte Carlo, a usage import) gives the turn up while it runs
# (`without_turn`): the others' reruns share the CPU with it rather than queue behind it.
TURN_WAIT_S = 0.3
_TURN = threading.Lock()
_holder: list[int | None] = [None]  # the thread whose run has the turn


def _take_turn() -> None:
    if _TURN.acquire(timeout=TURN_WAIT_S):
        _holder[0] = threading.get_ident()


def _give_turn_back() -> bool:
    """Release the turn if this thread has it; whether it had."""
    if _holder[0] != threading.get_ident():
        return False
    _holder[0] = None
    _TURN.release()
    return True


@contextlib.contextmanager
def one_run_at_a_time() -> Iterator[None]:
    _take_turn()
    try:
        yield
    finally:
        _give_turn_back()


@contextlib.contextmanager
def without_turn() -> Iterator[None]:
    """Around a long computation inside a run: the next run goes ahead meanwhile; the turn is taken back after it."""
    had = _give_turn_back()
    try:
        yield
    finally:
        if had:
            _take_turn()
