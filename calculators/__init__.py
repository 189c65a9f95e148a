"""LLM Cost Levers: pure, typed calculators. Never imports Streamlit."""
