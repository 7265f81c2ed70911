"""Text normalisation and tokenisation shared by training and inference.

Everything here is pure and deterministic: the training script and the
shipped analyzer call the same functions, so the features a model was
trained on are exactly the features it sees at run time.
"""

from __future__ import annotations

import re
from functools import lru_cache

# AnnoMI transcripts carry bracketed transcription notes ("[unintelligible 00:06:16]").
_BRACKETED = re.compile(r"\[[^\]]*\]")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                         "\u2014": " - ", "\u2013": " - ", "\u2026": "..."})
_SPACES = re.compile(r"\s+")
# Words (with an inner apostrophe kept: "don't", "you're") and the punctuation that matters.
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

#: Chat spellings trainees type in a terminal, mapped to the written forms the model and the
#: cue rules know ("im" -> "i'm", "u" -> "you"). Only unambiguous ones: "its", "ill", "well",
#: "were", "id", "hell", "shed" and "ur" (your or you're) are real words or ambiguous.
_CHAT_FORMS: dict[str, str] = {
    **{w: f"{w[:-1]}'{w[-1]}" for w in (
        "dont", "doesnt", "didnt", "cant", "wont", "isnt", "arent", "wasnt", "werent", "havent",
        "hasnt", "hadnt", "couldnt", "wouldnt", "shouldnt", "aint", "mustnt", "neednt")},
    "im": "i'm", "ive": "i've", "youre": "you're", "youve": "you've", "youll": "you'll",
    "youd": "you'd", "thats": "that's", "whats": "what's", "theres": "there's",
    "theyre": "they're", "theyve": "they've", "hes": "he's", "shes": "she's", "lets": "let's",
    "wheres": "where's", "hows": "how's", "whos": "who's",
    "u": "you", "ya": "you", "idk": "i don't know", "dunno": "don't know", "pls": "please",
    "plz": "please", "cuz": "because", "coz": "because", "bc": "because", "thx": "thanks",
}
_CHAT_WORD = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _CHAT_FORMS), key=len,
                                                 reverse=True)) + r")\b(?!'|\.\w)")


def normalise(text: str) -> str:
    """Lower-case ``text``, unify quotes and dashes, drop transcription notes, spell out chat forms.

    Args:
        text: Raw utterance text (any length, may be empty).

    Returns:
        The normalised text with single spaces and no leading/trailing space.
    """
    text = _BRACKETED.sub(" ", text.translate(_QUOTES).lower())
    # Transcripts stutter with hyphens ("you-you really"); treat them as word breaks.
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)
    text = _CHAT_WORD.sub(lambda m: _CHAT_FORMS[m.group(1)], text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def tokens(norm: str) -> tuple[str, ...]:
    """Return word and ``?``/``!`` tokens of already-normalised text."""
    return tuple(_TOKEN.findall(norm))


def words(norm: str) -> list[str]:
    """Return only the word tokens of already-normalised text."""
    return _WORD.findall(norm)


def word_ngrams(toks: tuple[str, ...], n_max: int) -> list[str]:
    """Return word 1..``n_max``-grams (space-joined), with sentence boundary markers.

    The markers ``<s>``/``</s>`` let bigrams capture how a turn starts and ends
    ("<s> so", "? </s>"), which matters for reflections and questions.
    """
    padded = ("<s>", *toks, "</s>")
    grams: list[str] = list(toks)
    for n in range(2, n_max + 1):
        grams.extend(" ".join(padded[i : i + n]) for i in range(len(padded) - n + 1))
    return grams


def char_ngrams(norm: str, n_min: int, n_max: int) -> list[str]:
    """Return character n-grams inside word boundaries (like sklearn's ``char_wb``)."""
    grams: list[str] = []
    for w in norm.split(" "):
        if not w:
            continue
        padded = f" {w} "
        length = len(padded)
        for n in range(n_min, n_max + 1):
            if n > length:
                break
            grams.extend(padded[i : i + n] for i in range(length - n + 1))
    return grams
