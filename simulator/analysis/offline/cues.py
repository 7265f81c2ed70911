"""Hand-written cue features: the surface signals counsellors are taught to hear.

Each cue is a number in [0, 1] computed from the normalised turn and the
previous turn of the other speaker. They complement the n-gram features:
an n-gram model sees "sounds like" but not "starts with a reflection opener
and has no question mark", which is what separates a reflection from a
question or from giving information (STACK.md: +0.03 to +0.05 macro-F1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from simulator.analysis.offline.rules import ALL_RULES, matching_rules
from simulator.analysis.offline.text import tokens

WH_WORDS = frozenset({"what", "how", "why", "when", "where", "who", "which", "whats", "what's",
                      "how's", "where's", "who's"})
AUX_WORDS = frozenset({"do", "does", "did", "is", "are", "was", "were", "can", "could", "would",
                       "will", "have", "has", "had", "should", "shall", "may", "might", "am",
                       "isn't", "aren't", "don't", "doesn't", "didn't", "won't", "wouldn't",
                       "can't", "couldn't", "haven't", "hasn't"})
# Words a turn may start with before its real opening ("Okay, so what ...").
FILLERS = frozenset({"okay", "ok", "so", "and", "well", "um", "uh", "mm", "hmm", "mhm", "yeah",
                     "right", "alright", "all", "now", "but", "oh", "yes", "no", "hm", "huh",
                     "uh-huh", "mm-hmm", "i", "see", "great", "good", "sure"})
BACKCHANNEL_WORDS = frozenset({"mm", "hmm", "mhm", "uh", "huh", "okay", "ok", "yeah", "yes",
                               "right", "sure", "alright", "all", "great", "good", "wow", "oh",
                               "i", "see", "thank", "thanks", "you", "got", "it", "cool", "no",
                               "um", "absolutely", "exactly", "yep", "nice", "perfect", "hi",
                               "hello", "bye", "welcome", "hm", "ah"})


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


REFLECTION_OPENER = _rx(
    r"^(?:(?:okay|ok|so|and|well|mm hmm|mm|yeah|right|alright|um|uh|hmm)[ ,.]+)*"
    r"(?:so |it sounds|sounds like|it seems|seems like|you feel|you're|you are|you've|you have|"
    r"you want|you don't|you didn't|you do|you'd|you really|you just|you would|you think|"
    r"you were|you was|you still|you kind|you've been|it's like|part of you|on one hand|"
    r"what i'm hearing|i'm hearing|if i|it's been|that's|this is|for you|you)"
)
FEELING = _rx(
    r"\b(feel|feeling|felt|frustrat|angry|upset|worr|scared|afraid|sad|hurt|lonely|alone|"
    r"exhaust|tired|overwhelm|stress|anxious|nervous|ashamed|embarrass|guilty|hopeless|"
    r"stuck|torn|confus|disappoint|proud|relie)"
)
YOU_SUBJECT = _rx(r"\byou(?:'re|'ve|'d| are| have| feel| want| don't| do| were| just| really)\b")
I_WE = _rx(r"\b(i think|i'd|i would|i can|i'll|i will|we can|we could|let's|let me|i want to|"
           r"i'm going to|i recommend|i suggest|my advice|i'm wondering|i wonder)\b")
ADVICE = _rx(r"\b(you should|you need to|you have to|you must|you ought|you could|you might want|"
              r"try to|try |i recommend|i suggest|i'd suggest|my advice|it's important|"
              r"make sure|it would be good|why don't you|how about you|the best thing|option)")
PERMISSION = _rx(r"\b(would it be (okay|ok|alright|all right)|is it (okay|ok|alright) if|"
                  r"can i (share|tell|give|offer|suggest)|may i|would you like|do you mind if|"
                  r"if you('d| would) like|with your permission|would you be interested)")
INFO = _rx(r"\b(research|studies|study|percent|%|doctor|medication|evidence|risk|"
           r"\d+|people who|most people|a lot of people|some people|recommend|guidelines)\b")
OPEN_Q = _rx(r"\b(tell me|describe|help me understand|walk me through|talk about|say more|"
             r"what else|how come|curious)\b")
TAG_Q = _rx(r"(, right|, yeah|, huh|, no|, correct|, is that right|isn't it|don't you|"
            r"aren't you|is that it)\s*\??$")
COMPLEX_MARK = _rx(r"\b(but|and yet|at the same time|part of you|on (the )?one hand|"
                   r"on the other|even though|although|while|really|important to you|"
                   r"matters|means|because|seems|sounds like|almost|kind of like|as if|"
                   r"worried|care about|value)\b")


def _opening(toks: tuple[str, ...]) -> tuple[str, ...]:
    i = 0
    while i < len(toks) and toks[i] in FILLERS:
        i += 1
    return toks[i:]


def _has_words(toks: tuple[str, ...]) -> bool:
    return any(t not in ("?", "!") for t in toks)


def _is_backchannel(toks: tuple[str, ...]) -> float:
    ws = [t for t in toks if t not in ("?", "!")]
    return float(bool(ws) and len(ws) <= 6 and all(w in BACKCHANNEL_WORDS for w in ws))


CueFn = Callable[[str, tuple[str, ...], str, tuple[str, ...]], float]

#: (name, function(turn_norm, turn_tokens, prev_norm, prev_tokens)) -> value in [0, 1].
CUES: tuple[tuple[str, CueFn], ...] = (
    ("ends_q", lambda n, t, pn, pt: float(n.rstrip(" .").endswith("?"))),
    ("has_q", lambda n, t, pn, pt: float("?" in n)),
    ("q_count", lambda n, t, pn, pt: min(n.count("?"), 3) / 3),
    ("starts_wh", lambda n, t, pn, pt: float(bool(_opening(t)) and _opening(t)[0] in WH_WORDS)),
    ("starts_aux", lambda n, t, pn, pt: float(bool(_opening(t)) and _opening(t)[0] in AUX_WORDS)),
    ("has_wh", lambda n, t, pn, pt: float(any(w in WH_WORDS for w in t))),
    ("open_q_phrase", lambda n, t, pn, pt: float(bool(OPEN_Q.search(n)))),
    ("tag_q", lambda n, t, pn, pt: float(bool(TAG_Q.search(n)))),
    ("refl_opener", lambda n, t, pn, pt: float(bool(REFLECTION_OPENER.search(n)))),
    ("sounds_like", lambda n, t, pn, pt: float("sounds like" in n or "it sounds" in n
                                               or "seems like" in n or "it seems" in n)),
    ("you_subject", lambda n, t, pn, pt: min(len(YOU_SUBJECT.findall(n)), 3) / 3),
    ("feeling", lambda n, t, pn, pt: float(bool(FEELING.search(n)))),
    ("complex_mark", lambda n, t, pn, pt: float(bool(COMPLEX_MARK.search(n)))),
    ("i_we", lambda n, t, pn, pt: float(bool(I_WE.search(n)))),
    ("advice", lambda n, t, pn, pt: float(bool(ADVICE.search(n)))),
    ("permission", lambda n, t, pn, pt: float(bool(PERMISSION.search(n)))),
    ("info", lambda n, t, pn, pt: float(bool(INFO.search(n)))),
    ("backchannel", lambda n, t, pn, pt: _is_backchannel(t)),
    ("empty", lambda n, t, pn, pt: float(not _has_words(t))),
    ("short", lambda n, t, pn, pt: float(len(t) <= 3)),
    ("log_len", lambda n, t, pn, pt: min(math.log1p(len(t)) / 5, 1.0)),
    ("sentences", lambda n, t, pn, pt: min(len(re.findall(r"[.?!](?: |$)", n)), 4) / 4),
    ("trailing", lambda n, t, pn, pt: float(n.endswith(("-", "...", ",")))),
    ("prev_q", lambda n, t, pn, pt: float("?" in pn)),
    ("prev_empty", lambda n, t, pn, pt: float(not pn)),
    ("prev_log_len", lambda n, t, pn, pt: min(math.log1p(len(pt)) / 5, 1.0)),
    ("prev_short", lambda n, t, pn, pt: float(0 < len(pt) <= 3)),
    ("prev_feeling", lambda n, t, pn, pt: float(bool(FEELING.search(pn)))),
    ("word_overlap", lambda n, t, pn, pt: _overlap(t, pt)),
)

#: The cue rules (:mod:`.rules`) are features too, so the learned heads can weigh a rule's
#: evidence against the rest of the turn instead of only being OR-ed with it.
RULE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (f"rule:{code}", rx) for code, rx in ALL_RULES
)

CUE_NAMES: tuple[str, ...] = tuple(name for name, _ in CUES) + tuple(n for n, _ in RULE_PATTERNS)

_STOP = frozenset({"the", "a", "an", "and", "or", "to", "of", "i", "you", "it", "is", "that",
                   "in", "so", "my", "me", "your", "be", "for", "on", "with", "this", "was",
                   "just", "like", "?", "!", "okay", "yeah", "um", "uh", "know", "do", "not"})


def _overlap(t: tuple[str, ...], pt: tuple[str, ...]) -> float:
    # Reflections reuse the client's content words; questions and advice less so.
    mine = {w for w in t if w not in _STOP}
    theirs = {w for w in pt if w not in _STOP}
    if not mine or not theirs:
        return 0.0
    return len(mine & theirs) / len(mine)


def cue_vector(norm: str, prev_norm: str) -> list[float]:
    """Compute every cue for a normalised turn and the other speaker's previous turn."""
    t = tokens(norm)
    pt = tokens(prev_norm)
    hits = matching_rules(norm)
    return [fn(norm, t, prev_norm, pt) for _, fn in CUES] + [
        1.0 if code in hits else 0.0 for code, _ in ALL_RULES
    ]
