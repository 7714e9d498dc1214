"""CJK bigram indexing for the public search.

PostgreSQL's full-text parser and SQLite's FTS5 `unicode61` tokenizer both treat a run of Chinese
characters as one token, so "志工" would never match inside "招募志工說明會". Every searchable page keeps a
`search_bigrams` field: its title and text with each run of CJK characters replaced by its overlapping
character pairs ("招募志工" → "招募 募志 志工") and Latin words lower-cased. The query goes through the same
function and every bigram must match (AND), which finds a Chinese word anywhere in a longer text on both
databases through Wagtail's own search backend."""
from __future__ import annotations

import re

from django.utils.html import strip_tags

# CJK Unified Ideographs (+ extension A), compatibility ideographs, kana and Hangul syllables.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[0-9A-Za-z\u00c0-\u024f]+")
_CJK_RE = re.compile(rf"[{_CJK}]")


def bigrams(text: str) -> list[str]:
    """Tokens of `text`: CJK runs as overlapping bigrams (a single character stays itself), other words
    lower-cased. Order is kept, duplicates too (they weigh in the ranking)."""
    tokens: list[str] = []
    for run in _TOKEN_RE.findall(text or ""):
        if _CJK_RE.match(run):
            if len(run) == 1:
                tokens.append(run)
            else:
                tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run.lower())
    return tokens


def bigram_text(*parts: str) -> str:
    return " ".join(bigrams(" ".join(strip_tags(p or "") for p in parts)))


def bigram_query(query: str) -> str:
    """The query in the indexed form, each token once (order kept)."""
    seen: dict[str, None] = {}
    for token in bigrams(query):
        seen.setdefault(token, None)
    return " ".join(seen)


def title_matches(title: str, query: str) -> bool:
    """Every token of the query is in the title (bigram-wise for Chinese): such a page ranks first."""
    title_tokens = set(bigrams(title))
    wanted = bigrams(query)
    return bool(wanted) and all(token in title_tokens for token in wanted)


def excerpt(text: str, query: str, width: int = 60):
    """A short passage of `text` around the first place the query (or, failing that, its first word or
    Chinese bigram) occurs, with the match wrapped in <mark>; safe HTML. Empty when nothing matches."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    plain = " ".join(strip_tags(text or "").split())
    if not plain:
        return ""
    lowered = plain.lower()
    candidates = [query.strip()] + bigrams(query)
    for candidate in candidates:
        if candidate and (at := lowered.find(candidate.lower())) >= 0:
            end = at + len(candidate)
            start, stop = max(0, at - width), min(len(plain), end + width)
            return mark_safe(
                ("…" if start else "") + conditional_escape(plain[start:at])
                + "<mark>" + conditional_escape(plain[at:end]) + "</mark>"
                + conditional_escape(plain[end:stop]) + ("…" if stop < len(plain) else "")
            )
    return ""
