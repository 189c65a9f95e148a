"""Text from users and files made literal for Markdown (pure: the calculators' messages and the pages share it)."""
from __future__ import annotations

import re

_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
# Streamlit links bare URLs and e-mail addresses in the rendered text (escapes are gone by then): an invisible word
# joiner after "http"/"www" and before "@" keeps them text.
_AUTOLINK = re.compile(r"(?i)https?(?=://)|www(?=\.)|(?=@)")
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """Any user- or file-provided text, made literal for st.markdown / st.caption / st.error and friends.

    CommonMark lets a backslash escape every ASCII punctuation character, so escaping all of them leaves no Markdown,
    HTML, link, image, math ($), colour or icon directive (:red[...], :material/x:); line breaks
    become spaces (a new line could start a heading or a list). Use it instead of backticks: a code span cannot
    escape a backtick inside it. Bare URLs and e-mail addresses stay unlinked (see _AUTOLINK): the rendered text is
    the original with only invisible word joiners added."""
    one_line = re.sub(r"[\r\n\t\v\f]+", " ", str(text))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", _AUTOLINK.sub(lambda m: m.group() + WORD_JOINER, one_line))
