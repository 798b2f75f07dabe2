"""Chinese text cut into words for search, with jieba: an article's text into every word a
search may name (`cut_for_search`: 营业执照 also as 营业 and 执照), a query into the words
it means (precise mode), less the filler words of a question. Both databases index the
words joined by spaces (SQLite FTS5's unicode61 tokenizer and PostgreSQL's `simple`
configuration split on spaces), so a search for 营业执照 finds 办理营业执照需要什么材料 and
not 营业时间. Pure (the dictionary ships with jieba, loaded once on first use)."""

from __future__ import annotations

import logging
import threading

import jieba

jieba.setLogLevel(logging.WARNING)
_ready = threading.Lock()
_loaded = False

# words a question is made of that say nothing about what it is about
FILLER = frozenset({
    "的", "了", "吗", "呢", "吧", "啊", "么", "是", "在", "我", "你", "他", "她", "要", "想",
    "有", "和", "与", "及", "或", "什么", "怎么", "怎么办", "怎样", "如何", "哪些", "哪里", "哪个",
    "多少", "需要", "可以", "能否", "能不能", "是否", "请问", "一下", "这个", "那个", "为什么",
})
MAX_QUERY_WORDS = 12


def _load() -> None:
    global _loaded
    if not _loaded:
        with _ready:
            if not _loaded:
                jieba.initialize()
                _loaded = True


def _word(token: str) -> str | None:
    """A token kept as a word: letters, digits or Chinese characters only, lowercased."""
    token = token.strip().lower()
    return token if token and all(ch.isalnum() for ch in token) else None


def index_words(text: str) -> str:
    """`text` as the words a search may name, joined by spaces (repeats kept: they rank)."""
    _load()
    words = (_word(t) for t in jieba.cut_for_search(text or ""))
    return " ".join(w for w in words if w)


def query_words(query: str) -> list[str]:
    """The words a search means, in order, without repeats or filler; single characters
    only when nothing longer is left."""
    _load()
    found: list[str] = []
    for token in jieba.cut((query or "")[:200]):
        word = _word(token)
        if word and word not in FILLER and word not in found:
            found.append(word)
    longer = [w for w in found if len(w) > 1 or w.isascii()]
    return (longer or found)[:MAX_QUERY_WORDS]
