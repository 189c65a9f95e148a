"""Test-wide settings."""
import os

from hypothesis import HealthCheck, settings

# Every figure the tests draw is validated by plotly (the app skips this for speed: pages/_ui/figures.py).
os.environ["LLM_COST_LEVERS_VALIDATE_FIGURES"] = "1"

# Timing-based deadlines make property tests flaky on a loaded 2-core CI machine; correctness is what they check.
# CI runs the same examples every time (derandomize), so a green main stays green; HYPOTHESIS_PROFILE=explore draws
# new ones (and more of them) to hunt for edge cases before a commit.
settings.register_profile("ci", deadline=None, max_examples=60, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
