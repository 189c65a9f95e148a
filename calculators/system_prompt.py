"""System-prompt length lever: what the shared prefix costs on every request, section by section, and its quality tax.

The system prompt (with the tool definitions) is the workload's shared prefix: it rides on every request. The
lever trims the prefix by a target share; its saving is the bill before minus the bill after, priced as the
workload bills the prefix today (uncached input, or cache reads and writes where it is cached). A pasted prompt is
counted exactly with the model's tokenizer (an o200k_base estimate for models whose tokenizer is not public) and
split into sections (markdown headings, or blank-line blocks when there are none), each costed at the prefix's
average price per token. Quality: one published study's accuracy-vs-input-length curve, editable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from calculators import tokens
from calculators.bill import Bill, price
from calculators.draws import WorkloadDraws
from calculators.lever import Lever, TodayAndAfter
from calculators.prices import DATA_DIR, Catalogue
from calculators.workload import CallClass, Workload, copied

EXAMPLE_PATH: Path = DATA_DIR / "example_system_prompt.md"
EXAMPLE_PROMPT: str = EXAMPLE_PATH.read_text(encoding="utf-8")
MAX_PROMPT_CHARS = 5_000_000


class PromptText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    text: str = Field(
        EXAMPLE_PROMPT, max_length=MAX_PROMPT_CHARS, title="System prompt",
        description="Paste your system prompt. It stays in this browser session and is not put in the link. "
        "Default: an illustrative support-assistant prompt for a fictional retailer.",
    )


class SystemPromptInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    trim_share: float = Field(
        0.25, ge=0, le=1, title="Trim target: cut the shared prefix by",
        json_schema_extra={"key": "sp.trim", "percent": True, "step": 5.0},
        description="Share of the system prompt and tool definitions (the workload's shared prefix) you aim to "
        "remove: an illustrative target, not a recommendation.",
    )


# --- sections -----------------------------------------------------------------------------------------------

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
TITLE_CHARS = 60


@dataclass(frozen=True)
class PromptAnalysis:
    """A prompt's exact token count and its sections (one row each, in order)."""

    encoding: tokens.EncodingName
    characters: int
    tokens: int
    split_by: str  # "headings", "blank lines" or "nothing" (one block)
    sections: pd.DataFrame  # section, title, level, start, characters, tokens, standalone_tokens (optional)


def _title(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def split_sections(text: str) -> tuple[str, list[tuple[int, str, int]]]:
    """Cut points as (start character, title, heading level), in order; the first starts at 0.

    Sections cut at markdown headings (outside code fences); text before the first heading is a preamble.
    Without headings, at each block of text that follows a blank line. The sections' texts concatenate to
    the whole prompt exactly: leading or trailing blank lines belong to a neighbouring section.
    """
    lines = text.splitlines(keepends=True)
    starts = np.concatenate([[0], np.cumsum([len(line) for line in lines], dtype=np.int64)]) if lines else [0]
    headings: list[tuple[int, str, int]] = []
    fence: str | None = None
    for i, line in enumerate(lines):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)[0]
            fence = None if fence == marker else (marker if fence is None else fence)
            continue
        if fence is None and line.lstrip(" ").startswith("#"):
            m = _HEADING.match(line.rstrip("\r\n"))
            if m:
                headings.append((int(starts[i]), _title(m.group(2)) or "(untitled heading)", len(m.group(1))))
    if headings:
        first = headings[0][0]
        if text[:first].strip():
            headings.insert(0, (0, "(before the first heading)", 0))
        else:
            headings[0] = (0, headings[0][1], headings[0][2])
        return "headings", headings
    blocks: list[tuple[int, str, int]] = []
    previous_blank = True
    for i, line in enumerate(lines):
        blank = not line.strip()
        if not blank and previous_blank:
            blocks.append((int(starts[i]), _title(line), 0))
        previous_blank = blank
    if len(blocks) <= 1:
        return "nothing", [(0, blocks[0][1] if blocks else "(empty)", 0)]
    blocks[0] = (0, blocks[0][1], 0)
    return "blank lines", blocks


def _token_byte_starts(ids: np.ndarray, name: tokens.EncodingName) -> np.ndarray:
    """Byte offset where each token starts in the UTF-8 text."""
    enc = tokens.encoding(name)
    unique, inverse = np.unique(ids, return_inverse=True)
    lengths = np.array([len(enc.decode_single_token_bytes(int(t))) for t in unique], dtype=np.int64)[inverse]
    return np.cumsum(lengths) - lengths


def analyse(text: str, name: tokens.EncodingName = "o200k_base", standalone: bool = False) -> PromptAnalysis:
    """Count the prompt once and attribute each token to the section where it starts.

    So the sections' tokens sum to the whole prompt's count exactly. Counting a section on its own can differ
    from its attributed count by a token or so at each cut: a token can straddle a cut (rare: cuts fall at line
    starts, which are almost always token boundaries). `standalone=True` also counts each section alone.
    """
    enc = tokens.encoding(name)
    ids = enc.encode_to_numpy(text, disallowed_special=()) if text else np.zeros(0, dtype=np.uint32)
    split_by, cuts = split_sections(text)
    starts = [c[0] for c in cuts]
    ends = starts[1:] + [len(text)]
    pieces = [text[a:b] for a, b in zip(starts, ends, strict=True)]
    byte_lengths = np.array([len(p.encode("utf-8", errors="surrogatepass")) for p in pieces], dtype=np.int64)
    byte_starts = np.cumsum(byte_lengths) - byte_lengths
    if len(ids):
        owner = np.searchsorted(byte_starts, _token_byte_starts(ids, name), side="right") - 1
        counts = np.bincount(owner, minlength=len(cuts))
    else:
        counts = np.zeros(len(cuts), dtype=np.int64)
    frame = pd.DataFrame({
        "section": np.arange(1, len(cuts) + 1),
        "title": [c[1] for c in cuts],
        "level": [c[2] for c in cuts],
        "start": starts,
        "characters": [len(p) for p in pieces],
        "tokens": counts.astype(np.int64),
    })
    if standalone:
        frame["standalone_tokens"] = [tokens.count(p, name) for p in pieces]
    return PromptAnalysis(encoding=name, characters=len(text), tokens=int(len(ids)), split_by=split_by,
                          sections=frame)


# --- the lever: money --------------------------------------------------------------------------------------------


def _trim(c: CallClass, share: float) -> CallClass:
    return copied(c, prefix_tokens=c.prefix_tokens * (1 - share))


def _trimmed(w: Workload, share: float) -> Workload:
    return w.map(lambda c: _trim(c, share))


def apply(w: Workload, x: SystemPromptInputs, cat: Catalogue) -> Workload:
    return _trimmed(w, x.trim_share)


def apply_draws(wd: WorkloadDraws, x: SystemPromptInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    return wd.map_classes(lambda c: _trim(c, x.trim_share)), wd.everywhere()


def describe(x: SystemPromptInputs) -> str:
    return f"shared prefix (system prompt and tool definitions) cut by {x.trim_share:.0%}"


def idle(w: Workload, x: SystemPromptInputs, cat: Catalogue) -> str | None:
    if not any(c.prefix_tokens > 0 for c in w.classes):
        return "the workload has no shared prefix (set one in the sidebar's anatomy)"
    if x.trim_share == 0:
        return "the trim target is 0%"
    return None


LEVER = Lever(
    name="system_prompt", label="System-prompt trim", page="pages/system_prompt.py",
    question="What does our long system prompt cost, and what is it doing to quality?",
    inputs=SystemPromptInputs, apply=apply, describe=describe, idle=idle, draws=apply_draws,
)


def _with_prefix(w: Workload, tokens_: float) -> Workload:
    """Every class with its prefix scaled so that the main class's prefix is `tokens_` (same shape elsewhere)."""
    main = w.main_class
    if main is None:
        return w
    if main.prefix_tokens <= 0:
        return w.map(lambda c: copied(c, prefix_tokens=tokens_) if c is main else c)
    ratio = tokens_ / main.prefix_tokens
    return w.map(lambda c: copied(c, prefix_tokens=c.prefix_tokens * ratio))


@dataclass(frozen=True)
class SystemPromptResult(TodayAndAfter):
    today: Bill
    after: Bill
    prefix_tokens: float  # the main class's prefix today
    trimmed_tokens: float
    prefix_cost: float  # what the prefix adds to today's bill: today - the same workload without a prefix
    per_1000_tokens: float  # what 1,000 more prefix tokens would add a month (marginal)
    saving_when_cached: float | None  # the same trim on the workload with the prefix cached (caching's settings)

    @property
    def share_of_bill(self) -> float:
        return self.prefix_cost / self.today.total if self.today.total else 0.0

    @property
    def cost_per_token(self) -> float:
        """The prefix's average cost a month per token of it."""
        return self.prefix_cost / self.prefix_tokens if self.prefix_tokens else 0.0


def evaluate(w: Workload, x: SystemPromptInputs, cat: Catalogue, today: Bill | None = None,
            cached: Workload | None = None) -> SystemPromptResult:
    """The trim's money, and what the prefix costs. `cached`: the workload with its prefix cached, to show what the
    same trim saves once caching has made the prefix cheap (the interaction the Overview counts once)."""
    today = today if today is not None else price(w, cat)
    after = price(apply(w, x, cat), cat)
    main = w.main_class
    p = main.prefix_tokens if main is not None else 0.0
    without = price(_trimmed(w, 1.0), cat).total
    more = price(_with_prefix(w, p + 1_000), cat).total
    when_cached = None
    if cached is not None:
        when_cached = price(cached, cat).total - price(apply(cached, x, cat), cat).total
    return SystemPromptResult(today=today, after=after, prefix_tokens=p, trimmed_tokens=p * (1 - x.trim_share),
                              prefix_cost=today.total - without, per_1000_tokens=more - today.total,
                              saving_when_cached=when_cached)


def section_table(analysis: PromptAnalysis, cost_per_token: float) -> pd.DataFrame:
    """Each section's tokens, share, and monthly cost at the prefix's average cost per token."""
    frame = analysis.sections.copy()
    total = int(frame["tokens"].sum())
    frame["share"] = frame["tokens"] / total if total else frame["tokens"] * 0.0
    frame["cost_per_month"] = frame["tokens"] * cost_per_token
    return frame


def top_sections(frame: pd.DataFrame, top: int = 20) -> pd.DataFrame:
    """The `top` largest sections by tokens, the rest summed into one "other sections" row (totals unchanged)."""
    ordered = frame.sort_values(["tokens", "section"], ascending=[False, True])
    shown, rest = ordered.head(top), ordered.iloc[top:]
    columns = ["tokens", "share", "cost_per_month"]
    out = shown[columns].copy()
    out.insert(0, "section", [f"{int(s)}. {t}" for s, t in zip(shown["section"], shown["title"], strict=True)])
    if len(rest):
        other = {"section": f"other {len(rest):,} sections", **{c: rest[c].sum() for c in columns}}
        out = pd.concat([out, pd.DataFrame([other])], ignore_index=True)
    return out.reset_index(drop=True)


def cost_curve(w: Workload, cat: Catalogue, *marks: float, points: int = 25) -> pd.DataFrame:
    """What the prefix costs a month at each length (the main class's prefix; others scale with it), priced by the
    one pricing function at every point, so long-context tiers show as steps."""
    main = w.main_class
    p = main.prefix_tokens if main is not None else 0.0
    top = max([2 * p, 1_000.0, *[1.2 * m for m in marks]])
    lengths = np.unique(np.concatenate([np.linspace(0, top, points), [p, *marks]]))
    base = price(_with_prefix(w, 0.0), cat).total
    cost = [price(_with_prefix(w, float(t)), cat).total - base for t in lengths]
    return pd.DataFrame({"prefix_tokens": lengths, "cost_per_month": cost})


# --- quality: the published accuracy-vs-length curve -----------------------------------------------------------

# Levy, Jacoby and Goldberg (ACL 2024), average over the tested models: 0.92 on the shortest inputs (the
# FLenQA samples start at about 250 tokens) and 0.68 at about 3,000 tokens. Only these two points are published
# as averages here; the straight line between them is ours.
LEVY_POINTS: tuple[tuple[float, float], ...] = ((250.0, 0.92), (3_000.0, 0.68))


class CurvePoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    input_tokens: float = Field(ge=0, le=10_000_000, title="Input tokens")
    accuracy: float = Field(ge=0, le=1, title="Accuracy")


class AccuracyCurve(BaseModel):
    """An accuracy-vs-input-length series: straight lines between points, flat beyond the ends."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    points: tuple[CurvePoint, ...] = Field(min_length=2, max_length=200)

    @field_validator("points")
    @classmethod
    def _distinct_lengths(cls, points: tuple[CurvePoint, ...]) -> tuple[CurvePoint, ...]:
        ordered = tuple(sorted(points, key=lambda p: p.input_tokens))
        xs = [p.input_tokens for p in ordered]
        if len(set(xs)) != len(xs):
            raise ValueError("two points have the same input length")
        return ordered

    @property
    def lengths(self) -> np.ndarray:
        return np.array([p.input_tokens for p in self.points])

    @property
    def accuracies(self) -> np.ndarray:
        return np.array([p.accuracy for p in self.points])

    def at(self, input_tokens: float | np.ndarray) -> float | np.ndarray:
        value = np.interp(input_tokens, self.lengths, self.accuracies)
        return float(value) if np.ndim(value) == 0 else value

    def within(self, input_tokens: float) -> bool:
        return bool(self.lengths[0] <= input_tokens <= self.lengths[-1])

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"input_tokens": self.lengths, "accuracy": self.accuracies})


LEVY_CURVE = AccuracyCurve(points=tuple(CurvePoint(input_tokens=t, accuracy=a) for t, a in LEVY_POINTS))


def curve_from_rows(rows: pd.DataFrame) -> tuple[AccuracyCurve, str | None]:
    """The edited table as a curve; on a problem, the published curve and a plain-words reason."""
    frame = rows.dropna(how="all")
    if frame.isna().any().any():
        return LEVY_CURVE, "a row has an empty cell"
    try:
        points = tuple(
            CurvePoint(input_tokens=float(t), accuracy=float(a))
            for t, a in zip(frame["input_tokens"], frame["accuracy"], strict=True)
        )
        return AccuracyCurve(points=points), None
    except (ValidationError, ValueError, KeyError, TypeError) as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ") if isinstance(exc, ValidationError) else str(exc)
        return LEVY_CURVE, reason


def accuracy_series(curve: AccuracyCurve, *marks: float, points: int = 200) -> pd.DataFrame:
    """The curve for a chart: measured between its first and last point, flat (not measured) outside them.

    Drawn from 0 to past the largest of the curve's points and the marked lengths (e.g. the user's prompt).
    """
    top = max([float(curve.lengths[-1]), *[float(m) for m in marks]]) * 1.1
    xs = np.unique(np.concatenate([np.linspace(0.0, top, points), curve.lengths, np.asarray(marks, dtype=float)]))
    accuracy = curve.at(xs)
    inside = (xs >= curve.lengths[0]) & (xs <= curve.lengths[-1])
    return pd.DataFrame({
        "input_tokens": xs,
        "accuracy": accuracy,
        "measured": np.where(inside, accuracy, np.nan),
        "not_measured": np.where(inside & (xs != curve.lengths[0]) & (xs != curve.lengths[-1]), np.nan, accuracy),
    })


def section_cut_bound(sections: int) -> int:
    """Largest difference we accept between the sum of standalone section counts and the whole's count."""
    return 2 * max(sections - 1, 0)


EXPLANATION = r"""
**Tokens.** The prompt is counted once, exactly, with the model's tokenizer (OpenAI models: their own encoding;
other providers don't publish theirs, so the count is an o200k_base **estimate**, and their own tokenizers can
count differently).

**Sections.** The prompt is cut at markdown headings (`#` to `######`, ignoring code blocks), or, when it has
none, at each block of text after a blank line. Each token of the whole prompt's encoding is given to the
section where it starts, so **the sections' tokens add up exactly to the prompt's count**. Counting a section
on its own can differ by a token or so at each cut, where a token may straddle it; we test that the
standalone counts stay within 2 tokens per cut of the whole.

**The prompt is the prefix.** The workload's shared prefix (sidebar anatomy) is the system prompt with the tool
definitions: the tokens every request starts with. When you paste a prompt whose count differs from the prefix, the
page offers to use the prompt's count as the prefix, so the two describe the same thing.

**Cost.** What the prefix costs = today's bill − the same workload with no prefix, priced by the one pricing
function: at the input price where it is not cached, at cache read and write prices where it is (sidebar anatomy),
with long-context tiers honoured. A section's cost is its tokens × the prefix's average cost per token.

**Trim target.** Cutting the prefix by *x*% saves today's bill − the bill of the trimmed workload. Every token
trimmed saves money, so the lever has no break-even, only a quality question. Once the prefix is cached, each
trimmed token saves only its cache price: the page shows what the same trim saves on the cached workload. The
Overview applies the trim before caching, so it books the trim at today's price and caches only what is left; the
joint saving is the same either way, counted once.

**Quality.** Levy, Jacoby and Goldberg (ACL 2024) padded the same reasoning questions with irrelevant text:
average accuracy over the models they tested fell from 0.92 on the shortest inputs to 0.68 at about 3,000
tokens. It is **one study's average, not a law**: their padding was irrelevant text, while a system prompt is
(hopefully) relevant, and their length is the whole input, not only the system prompt. We draw straight lines
between the points and do not extrapolate beyond them (flat). Replace the points with your own evals.
"""


def describe_split(analysis: PromptAnalysis) -> str:
    n = len(analysis.sections)
    if analysis.split_by == "headings":
        return f"{n:,} sections, cut at markdown headings"
    if analysis.split_by == "blank lines":
        return f"{n:,} blocks, cut at blank lines (the prompt has no markdown headings)"
    return "one block (no headings and no blank lines to cut at)"


def tokens_label(choice: tokens.TokenizerChoice) -> str:
    return "exact" if choice.exact else "o200k estimate"
