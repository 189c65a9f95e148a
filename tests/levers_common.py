"""Shared test fixtures for levers: the catalogue, workloads built by hand, and a strategy for random workloads."""
from __future__ import annotations

import json

from hypothesis import strategies as st

from calculators.prices import build_catalogue
from calculators.workload import AgentLoop, CallClass, Failures, SimpleWorkload, Workload

CAT = build_catalogue()
SONNET = "anthropic/claude-sonnet-5-5"  # $2 in, $10 out; read $0.10, write $2.50 (5 min) / $4 (1 h); batch halves
SONNET_45 = "anthropic/claude-sonnet-4-5"  # $3/$15, read $0.30, write $3.75; above 200k input $6/$22.50, read $0.60
GPT5 = "openai/gpt-5"  # $1.25/$10, read $0.125, no write premium; batch and flex halve
HAIKU = "anthropic/claude-haiku-5-5"  # $0.10/$0.50
MODELS = (SONNET, SONNET_45, GPT5, HAIKU, "google/gemini-2.5-pro", "openai/gpt-4o")
DEFAULT = SimpleWorkload().workload()  # 1M requests, 2,000 in (1,500 prefix), 400 out on Sonnet 5.5: $8,000

# A finance reviewer's custom table, as the link's w.classes holds it (tests/test_output_caps.py: REVIEW_TABLE): Nightly's answers (1,000 visible + 4,000
# reasoning) are ten times the others'.
REVIEW_ROWS = json.dumps([
    {"name": "Chat", "requests_per_month": 200000, "model_key": "anthropic/claude-sonnet-5-5", "prefix_tokens": 3000,
     "other_input_tokens": 1000, "output_tokens": 500},
    {"name": "Search", "requests_per_month": 200000, "model_key": "anthropic/claude-sonnet-5-5",
     "prefix_tokens": 3000, "other_input_tokens": 2000, "output_tokens": 200},
    {"name": "Nightly", "requests_per_month": 50000, "model_key": "openai/gpt-5", "other_input_tokens": 8000,
     "output_tokens": 1000, "reasoning_tokens": 4000, "tier": "batch"},
    {"name": "Legacy", "requests_per_month": 100000, "model_key": "openai/gpt-4o", "prefix_tokens": 1200,
     "other_input_tokens": 300, "output_tokens": 100, "cache_hit_rate": 0.5}])


def one(**kw) -> Workload:
    kw.setdefault("name", "x")
    return Workload(classes=(CallClass(**kw),))


@st.composite
def simple_workloads(draw, agents: bool = True, failures: bool = True) -> SimpleWorkload:
    """Random sidebar workloads, anatomy included."""
    return SimpleWorkload(
        requests_per_month=draw(st.integers(1, 50_000_000)), model_key=draw(st.sampled_from(MODELS)),
        input_tokens=draw(st.integers(1, 300_000)), output_tokens=draw(st.integers(1, 20_000)),
        prefix_share=draw(st.floats(0, 1)), reasoning_tokens=draw(st.sampled_from([0, 0, 1_000, 8_000])),
        cache_hit_rate=draw(st.sampled_from([0.0, 0.0, 0.5, 0.95])),
        agent_share=draw(st.sampled_from([0.0, 0.0, 0.3, 1.0])) if agents else 0.0,
        agent_steps=draw(st.integers(2, 30)), tool_result_tokens=draw(st.integers(0, 5_000)),
        history_caching=draw(st.booleans()),
        failure_rate=draw(st.sampled_from([0.0, 0.0, 0.05, 0.3])) if failures else 0.0,
        max_attempts=draw(st.integers(1, 4)), restarts=draw(st.integers(0, 2)),
    )


def workloads(**kw):
    return simple_workloads(**kw).map(lambda s: s.workload())


__all__ = ["CAT", "SONNET", "SONNET_45", "GPT5", "HAIKU", "MODELS", "DEFAULT", "one", "simple_workloads", "workloads",
           "AgentLoop", "CallClass", "Failures", "SimpleWorkload", "Workload"]


# --- the draw axis (calculators/draws.py) with inputs the reconciliation in tests/test_draws.py does not set ---------


def draw_axis_chain(pairs, sidebar: SimpleWorkload | None = None, workload: Workload | None = None):
    """A chain of levers with these inputs (not their defaults) on a sidebar's or a custom workload, with every
    numeric input over a wide range as tests/test_draws.py's `chain_of` draws them: (chain, inputs)."""
    from calculators import uncertainty as u
    from pages._ui.workload_edit import SIDEBAR_KEYS
    from tests.test_draws import CAT as DRAWS_CAT
    from tests.test_draws import widened

    w = sidebar.workload() if sidebar is not None else workload
    chain = u.Chain(w, tuple(pairs), DRAWS_CAT, sidebar)
    inputs = u.uncertain(u.WORKLOAD, sidebar, SIDEBAR_KEYS, {}, u.workload_fields(sidebar)) if sidebar else []
    for lever, x in pairs:
        inputs += u.uncertain(lever.name, x, u.lever_keys(type(x)), {})
    return chain, [x for x in widened(inputs) if x.range.width > 0]
