"""AppTest: the distillation page runs, responds to its inputs, and survives hostile links."""
from __future__ import annotations

from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/distillation.py"


def test_default_run_and_volume_moves_payback():
    at = run_page(PAGE)
    assert not at.exception
    assert not errors_text(at)
    payback = metric_value(at, "Payback")
    assert float(payback) > 0
    assert "pays back within 12 months above" in " ".join(c.value for c in at.caption)
    assert money_value(metric_value(at, "One-off cost")) > 0
    assert money_value(metric_value(at, "Monthly saving")) > 0
    assert len(at.get("plotly_chart")) == 2
    # more volume: the same one-off cost is paid back sooner
    at.number_input(key="requests").set_value(5_000_000).run()
    assert not at.exception
    assert float(metric_value(at, "Payback")) < float(payback)


def test_lower_quality_retained_shrinks_the_saving():
    at = run_page(PAGE)
    before = money_value(metric_value(at, "Monthly saving"))
    at.number_input(key="distil.quality").set_value(70.0).run()  # shown in percent
    assert not at.exception
    assert money_value(metric_value(at, "Monthly saving")) < before


def test_routing_fallbacks_up_front_saves_more():
    at = run_page(PAGE)
    before = money_value(metric_value(at, "Monthly saving"))
    at.radio(key="distil.fallback").set_value("Routed to the teacher up front").run()
    assert not at.exception
    assert money_value(metric_value(at, "Monthly saving")) > before


def test_never_pays_back_at_low_volume():
    at = run_page(PAGE, query={"requests": "20000"})
    assert not at.exception
    assert metric_value(at, "Payback") == "never"
    assert "never pays back" in warnings_text(at)


def test_dear_self_hosted_student_never_pays_back():
    at = run_page(PAGE, query={"distil.source": "Self-hosted", "distil.hosted": "50"})
    assert not at.exception
    assert metric_value(at, "Payback") == "never"
    assert "at any volume" in warnings_text(at)


def test_gpu_hour_training():
    at = run_page(PAGE, query={"distil.mode": "Per GPU hour", "distil.gpu_hours": "100", "distil.gpu_rate": "4"})
    assert not at.exception
    assert "training $400" in " ".join(c.value for c in at.caption)


def test_hostile_query_params_warn_and_fall_back():
    at = run_page(PAGE, query={"distil.teacher": "<script>alert(1)</script>", "distil.quality": "abc",
                               "distil.examples": "1e308", "distil.mode": "<b>x</b>", "distil.horizon": "-3"})
    assert not at.exception
    text = warnings_text(at)
    assert text.count("Ignored the link's value") == 5
    assert "<script>" not in text and "<b>" not in text
    assert float(metric_value(at, "Payback")) > 0  # defaults still apply
