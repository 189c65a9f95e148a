"""Test-wide settings."""
from hypothesis import HealthCheck, settings

# Timing-based deadlines make property tests flaky on a loaded 2-core CI machine; correctness is what they check.
settings.register_profile("ci", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")
