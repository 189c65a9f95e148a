"""Plain-English meanings of the terms a product manager meets on these pages, in one place.

Pages pass `help=term("hit rate")` to a metric or widget, and `glossary("hit rate", ...)` lists the page's terms
in a popover under the verdict. One definition per term, so every page explains a word the same way.
"""
from __future__ import annotations

import streamlit as st

TERMS: dict[str, str] = {
    "token": "The unit models read and write: about ¾ of an English word. Prices are per million tokens (MTok).",
    "prefix": "The part of every request that is the same each time (system prompt, instructions, examples). "
              "Only a shared prefix can be cached.",
    "cache write": "The first request with a new prefix stores it in the provider's cache, at a premium over a "
                   "normal input token (Anthropic: 1.25x for 5 minutes, 2x for 1 hour; OpenAI: no premium).",
    "cache read": "A later request that finds the prefix in the cache pays a fraction of the input price "
                  "(typically 10%).",
    "hit rate": "The share of requests that find their prefix already in the cache.",
    "break-even hit rate": "The hit rate below which caching costs more than it saves (the write premium is not "
                           "earned back by cheaper reads).",
    "TTL": "Time to live: how long a cached prefix stays in the cache after its last use (5 minutes or 1 hour).",
    "output cap": "max_tokens: the most tokens the model may write. Answers longer than the cap are cut off "
                  "(truncated).",
    "truncation": "An answer cut off at the output cap before it was finished.",
    "reasoning tokens": "Hidden 'thinking' tokens some models write before answering. They are billed as output "
                        "tokens.",
    "context window": "The most tokens (input plus output) one request can hold. A request beyond it is rejected "
                      "by the API.",
    "long-context tier": "Some models charge a higher price for every token of a request once its input passes a "
                         "threshold (for example 200k tokens): a cliff, not a slope.",
    "batch": "Requests sent to a provider's batch API are answered within hours, at about half price.",
    "flex": "A slower, cheaper processing tier some providers offer for work that can wait minutes.",
    "right-sizing": "Sending each kind of task to the cheapest model that does it well enough.",
    "routing": "A router picks a cheap or a strong model for each request; a cascade tries the cheap model first and "
               "escalates when its answer is not good enough.",
    "escalation rate": "The share of requests a cascade passes on to the strong model after trying the cheap one.",
    "distillation": "Training a small model on a big model's answers so the small one can take over the task.",
    "payback": "How many months of savings it takes to earn back a one-off cost.",
    "agent step": "One model call inside an agent's task; each step re-sends the conversation so far.",
    "retry budget": "A cap on retries (for example at most 10% extra calls) that protects a service under load.",
    "cost per completed task": "The bill divided by the tasks that finished: failed attempts are paid for but "
                               "complete nothing.",
    "elasticity": "How much usage grows when prices fall: 1 means spend stays flat, above 1 spend grows.",
    "Jevons effect": "Cheaper tokens lead to more use, so total spend can rise even as prices fall.",
    "illustrative": "A default chosen to show how the lever behaves, not measured on your system: replace it with "
                    "your own number.",
    "call class": "A group of calls with the same model and token shape (for example 'chat answers' or "
                  "'nightly summaries').",
    "minimum cacheable prefix": "The shortest prefix a provider will cache (1,024 tokens for most models). A shorter "
                                "one is sent uncached, at the normal input price.",
    "redo share": "The share of cut-off answers that are useless as they are and are asked again, so they are paid "
                  "for twice.",
    "p95": "The 95th percentile: 95% of values are at or below it. The longest (or slowest) 1 in 20 are above it.",
    "time to first token": "How long a request waits before the first word of the answer arrives.",
    "tokens-per-minute limit": "The provider's rate limit. Many limiters reserve the full max_tokens of every request "
                               "against it, so a loose cap admits fewer requests a minute.",
    "brevity instruction": "A line in the prompt asking for short answers (for example 'answer concisely'); it "
                           "shortens the typical answer by the share your evals show.",
    "tokenizer": "The model's rule for cutting text into tokens. OpenAI publishes theirs; for other providers the page "
                 "estimates with OpenAI's o200k tokenizer, which can count a little differently.",
    "compaction": "Keeping an agent's history short: a sliding window re-sends only the last few steps; a periodic "
                  "summary replaces older steps with a short summary written by an extra call.",
    "history caching": "Caching an agent task's conversation so far: each step reads the earlier steps from the cache "
                       "at the cache-read price instead of paying the full input price for them again.",
    "single-call estimate": "What an agent task would cost if each of its steps were one ordinary call without the "
                            "growing history: steps x one call. Real tasks cost more, because each step re-sends "
                            "everything before it.",
    "failure rate": "The share of model calls (attempts) that fail: an error, a timeout or an unusable answer.",
    "equal completed work": "Retry policies are compared on the same number of finished tasks: a policy under which "
                            "fewer tasks finish must start more of them to do the same work, and pays for them.",
    "retry amplification": "When several layers of a service each retry, the attempts multiply: 3 attempts at each of "
                           "3 layers is up to 27 calls to the model API for one user request.",
    "end-to-end success": "The share of pipeline runs in which every step succeeds: the product of the steps' success "
                          "rates (12 steps at 95% each: 54%).",
    "latency": "How long a request takes, from sending it to the end of the answer.",
    "task class": "One kind of request in the traffic (classification, summaries, support answers...), with its own "
                  "share of the requests and its own size.",
    "pass rate": "The share of a model's answers to a kind of task that your evals grade as good enough.",
    "quality bar": "The lowest pass rate you accept: a cheaper model takes a kind of task only if its pass rate is at "
                   "least this.",
    "confusion matrix": "How often the router sends simple and complex requests to each model, its mistakes "
                        "included (a complex request on the cheap model, a simple one on the strong model).",
    "uplift": "The points of accuracy reasoning adds on a kind of task (accuracy with reasoning minus without).",
    "break-even budget": "The reasoning tokens per request at which reasoning on every request just pays for itself in "
                         "extra correct answers; above it, reasoning everywhere loses money.",
    "cost per correct answer": "What one request costs divided by the share of answers that are right: wrong answers "
                               "are paid for too.",
    "teacher and student": "In distillation, the large model (teacher) answers thousands of examples; a small model "
                           "(student) is trained on those answers and then serves the traffic.",
    "fallback": "A request the student cannot handle well, answered by today's model instead.",
    "upkeep": "What keeping the student running costs each month: hosting, monitoring, re-training as the task drifts.",
    "epoch": "One pass of training over every labelled example; three epochs read each example three times.",
    "model call": "One request to a model's API. A user request can make several: agent steps, retries, summaries.",
    "MTok": "A million tokens: providers price input and output per million tokens ($3/MTok is $0.000003 a token).",
    "flagship model": "A provider's newest text models, from its most capable to its cheapest (this app's dated list, "
                      "picked from the price snapshot).",
    "alias row": "A catalogue row that is not a model of its own: a pointer to whatever a provider's latest model is "
                 "(~…, …-latest) or a model's batch price listed again (…:batch).",
    "usage export": "A provider's or gateway's record of what was sent: tokens by model and group per day or per "
                    "request (OpenAI and Anthropic usage reports, LiteLLM spend tables, OpenTelemetry spans).",
    "list price": "The price the provider publishes, before any negotiated discount or credit.",
    "effective discount": "How much less than list price the export says you paid: 1 - reported spend / list-price "
                          "bill.",
    "unexplained residual": "Spend the export reports above the list-price bill of its own tokens: something the tokens "
                            "do not explain (fees, a price change, tokens the export does not show).",
}


def term(name: str) -> str:
    """The plain-English meaning of `name` (for a metric's or a widget's help)."""
    return TERMS[name]


def glossary(*names: str) -> None:
    """A small 'Terms on this page' popover with the meaning of each term a PM may not know."""
    with st.popover("Terms on this page", icon=":material/menu_book:"):
        st.markdown("\n".join(f"- **{n}**: {TERMS[n]}" for n in names))
