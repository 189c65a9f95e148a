"""Test-wide settings."""
import os

from hypothesis import HealthCheck, settings

# Every figure the tests draw is validated by plotly (the app skips this for speed: pages/_ui/figures.py).
os.environ["LLM_COST_LEVERS_VALIDATE_FIGURES"] = "1"

# Timing-based deadlines make property tests flaky on a loaded 2-core CI machine; correctness is what they check.
settings.register_profile("ci", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")
