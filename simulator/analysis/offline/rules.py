"""Cue rules for the codes AnnoMI has no labels for.

Each rule is a general linguistic pattern (a construction, not a sentence):
"I'm sorry" + first-person responsibility is an apology, an imperative aimed
at the client's feelings is a directive, "you always/never" is blaming.
The learned code heads in the shipped model cover wording the rules miss;
a code is reported when either fires (see :mod:`.analyzer`).
Patterns run on normalised text (lower case, straight quotes).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


_YOU = r"(?:you|you're|you've|you'd|you'll|your)"
# Start of the turn or of a sentence inside it.
_SENTENCE = r"(?:^|[.!?;] )"

#: Therapist-side rules: code -> pattern. A match anywhere in the turn fires the code.
THERAPIST_RULES: Final[dict[str, re.Pattern[str]]] = {
    "apologize": _rx(
        r"\bi(?:'m| am) (?:so |really |very |truly )?sorry(?! (?:to hear|that (?:happened|you)|"
        r"for your loss|about your|you(?:'re| are| had| have|'ve| went| lost| were going)))",
        r"\bi apologi[sz]e\b", r"(?<!not )(?<!hardly )\bmy (?:mistake|bad|fault)\b",
        r"\bthat was my (?:mistake|fault|bad)\b",
        r"\bi (?:got|had) (?:that|it|this) wrong\b", r"\bi was wrong\b",
        r"\bi (?:shouldn't|should not) have\b", r"\bi (?:pushed|rushed|jumped|moved) (?:too|ahead)",
        r"(?<!have )\bi (?:missed|misread|misunderstood|misheard) ", r"\bthat's on me\b",
        r"\bi take (?:full )?responsibility\b", r"\bi owe you an apology\b",
    ),
    "invite_feedback": _rx(
        r"\bhow (?:is|was|are) (?:this|that|it|things|our|the session|today)(?: \w+){0,3} "
        r"(?:landing|going|feeling|working|sitting|coming across)",
        r"\bhow (?:does|did) (?:this|that|it)(?: \w+){0,2} (?:land|sit|feel) (?:for|with) you",
        r"\b(?:is|was) (?:this|that|it) (?:helpful|useful|okay with you|what you need)",
        r"\bwhat (?:would|could) (?:be|make this|make it) (?:more )?(?:helpful|useful)",
        r"\b(?:tell|let) me (?:know )?(?:if|when) i(?:'m| am)? ",
        r"\bbetween (?:us|you and me)\b.*\?", r"\bhow (?:are|do) you feel(?:ing)? about (?:me|us|"
        r"this session|our (?:work|sessions|conversation)|what i (?:said|just said))",
        r"\bdid i (?:get|understand|hear) (?:that|it|you) right", r"\bam i (?:getting|on|off)",
        r"\bwhat (?:was|is) it like (?:for you )?(?:when i|to hear me|talking to me)",
        r"\bany feedback\b", r"\bhow (?:am i|are we) doing\b",
    ),
    "metacommunicate": _rx(
        r"\b(?:i notice|i'm noticing|i've noticed|it seems like|it feels like|i sense|"
        r"i'm sensing|something) (?:that )?(?:we|you(?:'ve| have)? (?:got|gone|went|"
        r"became|become)|something (?:shifted|changed)|(?:there's|there is) (?:some )?"
        r"(?:tension|distance))",
        r"\bwhat(?:'s| is) happening (?:between us|right now|here)\b",
        r"\bbetween (?:us|you and me)\b", r"\b(?:in|right) (?:here )?(?:in )?this room\b",
        r"\bwe (?:seem to be|keep|are) (?:going in circles|stuck|butting heads|"
        r"talking past each other)\b",
        r"\byou (?:went|got|seem|seemed|just got) (?:quiet|quieter|silent|distant|"
        r"(?:a (?:bit|little) )?quiet)",
        r"\bsince i (?:said|mentioned|asked|brought)",
        r"\bwhen i (?:said|mentioned|asked|suggested)(?: that)?,? (?:you|something)",
    ),
    "renegotiate": _rx(
        r"\bwe (?:don't|do not) have to\b", r"\bwe (?:can|could) (?:slow down|"
        r"set (?:that|this|it) aside|leave (?:that|this|it)|come back to|put (?:that|this)|"
        r"change (?:direction|course|focus)|focus on (?:what|whatever)|talk about something else|"
        r"start (?:with|from)|go at your)",
        r"\b(?:let's|let us) (?:slow|step back|pause|put (?:that|this)|set|leave|change|back up)",
        r"\bwhat would you (?:rather|prefer|like to) (?:talk|focus|work|do|start)",
        r"\b(?:would|do) you (?:rather|prefer)\b.*\?", r"\bat your (?:own )?pace\b",
        r"\bwhat (?:do|would) you want (?:to get|out of|from) (?:this|these|our|today)",
        r"\b(?:change|rethink|revisit|adjust) (?:the|our) (?:plan|goal|goals|focus|approach)",
    ),
    "transparency": _rx(
        r"\bi (?:want to|should|need to|have to|must) be (?:honest|upfront|clear|transparent)",
        r"\bto be (?:honest|transparent|upfront)\b", r"\bi(?:'m| am) not (?:sure|certain) "
        r"(?:i|how|what|whether|if)", r"\bi (?:don't|do not) (?:know|have) (?:all )?the answers?",
        r"\bi(?:'m| am) (?:noticing|feeling|aware of) (?:my own|myself|i)\b",
        r"\bi (?:can't|cannot|won't be able to) (?:promise|guarantee|fix)",
        r"\bmy (?:reason|thinking|aim|plan) (?:for|in|was|is)\b", r"\bthe reason i (?:asked|ask)",
        r"\b(?:i'm|i am) required to\b", r"\bwhat i (?:can|can't|cannot) do\b",
        r"\bi(?:'m| am) (?:a bit |a little )?(?:unsure|uncertain|thrown|stuck)\b",
    ),
    "self_disclosure": _rx(
        r"\bi(?:'ve| have) (?:been through|had|felt|struggled|lost|gone through) (?:something|"
        r"that|a|my own|similar)", r"\bwhen i was (?:younger|your age|a|in)",
        r"\b(?:in my own|from my own|my own) (?:life|experience|family)\b",
        r"\bi know (?:what|how) (?:that|it) (?:feels|is like) (?:because|from|myself)",
        r"\bme too\b", r"\bi (?:also|too) (?:have|had|struggle|struggled)\b",
        r"\bi lost my (?:own )?(?:mother|father|mum|mom|dad|parents?|brother|sister|husband|wife|"
        r"partner|son|daughter|baby|best friend|grandm\w+|grandf\w+)",
        r"\bmy own (?:mother|father|mum|mom|dad|parents|brother|sister|son|daughter|divorce|"
        r"recovery|therapy|depression|anxiety)",
        r"\bpersonally,? i\b",
    ),
    "validate": _rx(
        r"\b(?:it|that)(?:'s| is| makes) (?:completely |totally |really |so |entirely )?"
        r"(?:understandable|natural|normal|okay to|ok to|makes sense|sense)",
        r"\bmakes (?:a lot of |complete |total )?sense\b", r"\bof course you (?:feel|would|are)",
        r"\banyone (?:would|in your (?:position|shoes|place))", r"\bno wonder\b",
        r"\byour (?:feelings|reaction|anger|fear|worry) (?:is|are|makes) (?:valid|real|"
        r"understandable)", r"\bit's (?:hard|difficult|painful) (?:when|to)\b",
        r"\bthat (?:sounds|must be|must have been) (?:really |so |incredibly )?(?:hard|"
        r"difficult|painful|exhausting|frightening|scary|lonely|overwhelming)",
    ),
    "affirm": _rx(
        r"\b(?:you(?:'ve| have) (?:done|shown|made|worked|managed|taken|put)|"
        r"you did) (?:a |an |some |real |so much |great |really )?(?:great|good|"
        r"amazing|impressive|courage|strength|progress|effort|hard work|a lot|well)",
        r"\b(?:took|takes|taking|shows|showed) (?:a lot of |real |so much |great |some )?"
        r"(?:courage|guts|strength|bravery|determination|commitment)",
        r"\bi(?:'m| am) (?:really )?(?:impressed|proud of you)", r"\bwell done\b",
        r"\byou(?:'re| are) (?:really |clearly |obviously )?(?:a |someone who(?:'s| is) )?"
        r"(?:resourceful|strong|determined|persistent|brave|committed|caring|thoughtful)",
        r"\bgood (?:for you|job|work)\b", r"\bit says a lot about you\b",
    ),
    "emphasize_autonomy": _rx(
        r"\b(?:it's|it is|that's|that is) (?:really |entirely |totally |completely )?(?:up to|"
        r"your (?:call|choice|decision))", r"\byou(?:'re| are) the (?:expert|best judge)",
        r"\byou (?:get to|can) (?:decide|choose)\b", r"\bwhatever you (?:decide|choose)\b",
        r"\bno one can (?:make|decide|force) (?:you|that)", r"\bonly you can\b",
        r"\b(?:it's|that's|it is|that is|is|the|entirely|really) (?:\w+ )?your (?:decision|"
        r"choice|call)\b", r"\bin your (?:own )?hands\b",
    ),
    "seek_collaboration": _rx(
        r"\b(?:we|us) (?:could|can|might) (?:work|figure|think|look|explore|come up|put)"
        r"(?: \w+){0,2} (?:together|out|at|through|with)",
        r"\b(?:we|let's|us|you and i)\b.{0,40}\btogether\b",
        r"\bwhat do you think (?:about|of|would|if|we)\b",
        r"\bhow would you like (?:to|us to)\b", r"\b(?:what|where) (?:would|should) we\b",
        r"\bwhat (?:ideas|thoughts) do you have\b",
    ),
    "warn": _rx(
        r"\bif you (?:don't|do not|keep|continue|carry on|won't)\b.{0,60}\b(?:will|'ll|going to|"
        r"gonna|end up|lose|die|regret)", r"\byou(?:'ll| will) (?:regret|end up|lose|be sorry)",
        r"\b(?:this|that) (?:will|is going to|could) (?:kill|ruin|destroy|cost) ",
        r"\b(?:or else|otherwise you(?:'ll| will))\b", r"\bi(?:'m| am) warning you\b",
        r"\bmark my words\b", r"\bdon't come (?:crying|running) (?:to me|back)",
    ),
    "direct": _rx(
        r"^(?:(?:okay|ok|look|listen|well|now|so|please|just|right)[ ,.]+)*(?:stop|quit|calm|"
        r"relax|listen|go|get|sit|tell me (?:the truth|exactly|now)|answer|put|take|throw|"
        r"do it|(?:don't|do not)(?! (?:worry|be |stress|take it|overthink|dwell|feel))|cut|"
        r"pull yourself|snap out|grow up|toughen|focus|pay attention)\b",
        # Obligation aimed at the client, said as the therapist's own demand: at the start of a
        # sentence, so reflections ("you feel you have to be perfect") do not count.
        _SENTENCE + r"(?:(?:okay|ok|so|look|listen|well|now|and|but|honestly|seriously)[ ,]+)*"
        r"you (?:really |just |simply )?(?:need|have|must|got) to (?:calm|stop|relax|listen|get|do|"
        r"take|quit|cut|go|start|try|be|accept|face|move|let|pull|make|pay)",
        _SENTENCE + r"you must\b",
        r"\bi want you to (?:stop|start|go|do|calm|listen|write|call|take)",
        r"\bi(?:'m| am) telling you to\b", r"\byou(?:'re| are) going to (?:have to|need to)\b",
    ),
    "advise_without_permission": _rx(
        _SENTENCE + r"(?:(?:okay|ok|so|well|honestly|look|and|but|maybe|i think|i really think|"
        r"i honestly think|i feel)[ ,]+)*you (?:should|ought to|really should|need to start|"
        r"need to try)\b",
        r"\bwhy (?:don't|do not) you (?:just )?(?:try|go|get|stop|start|call|talk|join|"
        r"take|make|find|see|ask|tell|write|sign)", r"\bif i were you\b",
        r"\bmy advice (?:is|would be)\b", r"\bwhat you (?:need|should do|ought to do) is\b",
        r"\bthe (?:best|right|only) (?:thing|way|option) (?:is|would be|to do) (?:to|for you)",
        r"\byou(?:'d| would) (?:be better off|do well to)\b", r"\bjust (?:try|go|do|get|stop)\b",
    ),
    "confront": _rx(
        r"\byou (?:always|never)\b", r"\bthat's (?:just )?(?:an excuse|ridiculous|silly|"
        r"not true|nonsense|wrong|irresponsible|selfish|lazy|childish|pathetic|crazy)",
        r"\byou(?:'re| are) (?:being |just |really |so )?(?:lazy|selfish|irresponsible|"
        r"childish|dramatic|ridiculous|an addict|an alcoholic|in denial|making excuses|"
        r"overreacting|paranoid|difficult|stubborn|weak|manipulative|lying|not being honest|"
        r"kidding yourself|fooling yourself|exaggerating|the problem)",
        r"\b(?:are you|you're|you are) (?:sure you're |really )?(?:telling|being) "
        r"(?:me )?(?:the (?:whole )?truth|honest)", r"\bi (?:don't|do not) believe (?:you|that)",
        r"\bcome on\b", r"\bhonestly,? (?:what|how) did you expect",
        r"\bshame on you\b", r"\byou should be (?:ashamed|embarrassed)",
        r"\b(?:it's|that's|it is) (?:your|all your) (?:own )?fault", r"\bwhose fault\b",
        r"\bwhat (?:kind of|sort of) (?:a )?(?:person|mother|father|parent|husband|wife)",
        r"\ba (?:grown|adult) (?:man|woman|adult)\b", r"\bgrow up\b", r"\breally\?\s*$",
        r"\bthat's not (?:how|what) (?:it|that) (?:works|is|happened)\b",
        r"\bno,? (?:that's|that is|you're|you are) (?:not|wrong)",
        r"\bwhat (?:were you|was he|was she) thinking\b", r"\bseriously\?",
        r"\bthat's (?:a|the) (?:problem|issue|real issue)\b.{0,30}\byou",
    ),
    "dismiss": _rx(
        r"\b(?:it's|that's|it is|that is) (?:not|nothing) (?:that|so|a) ?(?:bad|big deal|"
        r"serious|terrible|important|to worry about)", r"\bnot (?:that|such a) big (?:of a )?deal",
        r"\bdon't (?:worry|be (?:sad|upset|silly)|stress|take it so|overthink|dwell)",
        r"\b(?:everyone|everybody|lots of people|we all) (?:goes through|feels|has|gets)\b",
        r"\b(?:at least|look on the bright side|could be worse|could have been worse)\b",
        r"\byou(?:'ll| will) (?:be fine|get over it|feel better|be okay)\b",
        r"\bjust (?:move on|let it go|forget (?:about )?it|think positive|cheer up|smile)\b",
        r"\bi(?:'m| am) sure (?:it's|it'll|it will|everything|you're|you'll)",
        r"\b(?:you're|you are) (?:overthinking|reading too much|making too much)",
        r"\bit(?:'s| is) (?:all )?in your head\b", r"\bthat's (?:life|just how it is)\b",
        r"\blet's not (?:dwell|get into|go there|focus on that)\b",
        r"^(?:anyway|moving on|enough about that)\b",
    ),
    "defensive": _rx(
        r"\bi(?:'m| am) (?:only|just) (?:trying|doing|here) to\b",
        r"\bthat's not what i (?:said|meant)\b", r"\bi (?:never|didn't) (?:said|say|mean)",
        r"\bi(?:'ve| have) been doing this (?:for|a)", r"\bi know what i(?:'m| am) doing\b",
        r"\bit's not my (?:fault|job|responsibility)\b", r"\byou(?:'re| are) (?:twisting|"
        r"putting words)", r"\bi(?:'m| am) a (?:professional|trained|qualified)",
        r"\bif you (?:would|'d) (?:just )?(?:listen|let me finish)",
        r"\bi (?:was|am) (?:just|only) (?:trying|asking|saying)\b",
        r"\bdon't (?:blame|take it out on) me\b", r"\bi did (?:exactly )?what you asked\b",
        r"\bwith all due respect\b", r"\bthere's no need to (?:be|get)\b",
    ),
}

_CHANGE_VERBS = (r"(?:stop|quit|cut (?:down|back)|change|get (?:better|sober|clean|help)|"
                 r"drink less|smoke less|give (?:it|up)|do something about)")

#: Client-side rules. Withdrawal is mostly detected from shape (see :func:`withdrawal_shape`).
CLIENT_RULES: Final[dict[str, re.Pattern[str]]] = {
    "confrontation": _rx(
        r"\byou(?:'re| are) not (?:listening|hearing|getting|helping)",
        r"\byou (?:don't|do not|never|can't) (?:get it|understand|listen|care|know)",
        r"\byou (?:sound|are|act|talk) (?:just )?like (?:my|every|all|the|every other)",
        r"\b(?:this|that|therapy|talking) is (?:pointless|useless|stupid|a waste|bullshit|"
        r"ridiculous|not helping|going nowhere)", r"\bwhat's the point\b",
        r"\bwhy (?:do|should|would) i (?:bother|even|keep|tell you)",
        r"\bwho are you to\b", r"\bthat's (?:easy|rich) for you to say\b",
        r"\byou(?:'re| are) (?:judging|blaming|lecturing|patronizing|patronising|"
        r"condescending|just like|paid to)", r"\bdon't (?:tell me|lecture me|patronize|patronise|"
        r"judge me|you dare)", r"\bstop (?:telling|lecturing|asking|judging|analy[sz]ing)",
        r"\bwhat do you know about\b", r"\byou have no idea\b", r"\bare you even listening",
        r"\bi (?:didn't|did not) come here to (?:be|get)", r"\bforget it\b.*\byou",
        r"\byou people\b", r"\b(?:do|did) you even\b", r"\bdo you actually care\b",
    ),
    # MI client talk: first-person desire, ability, reason, need or commitment to change ...
    "change_talk": _rx(
        r"\bi (?:really |do |just |honestly )?(?:want|need|have|would like|wanna|gotta) to "
        + _CHANGE_VERBS,
        r"\bi(?:'m| am) (?:going|ready|determined|gonna) to " + _CHANGE_VERBS,
        r"\bi (?:could|can|will|'ll) (?:try to )?" + _CHANGE_VERBS,
        r"\bi(?:'m| am) (?:sick|tired) of (?:feeling|being|drinking|smoking|waking)",
    ),
    # ... and the case for staying the same.
    "sustain_talk": _rx(
        r"\bi (?:don't|do not) (?:think|see) (?:it's|it is|that it's|that as|this as|a) "
        r"(?:really )?(?:a )?(?:problem|big deal|that bad)",
        r"\bi(?:'m| am) not (?:going|ready|gonna) to " + _CHANGE_VERBS,
        r"\bi (?:like|love|enjoy) (?:drinking|smoking|a drink|my drink|gambling|getting high|weed)",
        r"\bit (?:helps|relaxes) me\b", r"\bi can(?:'t| not) (?:stop|quit)\b",
    ),
    "withdrawal": _rx(
        r"^(?:i don't know|i dunno|dunno|whatever|fine|nothing|"
        r"nothing much|it's fine|i'm fine|doesn't matter|it doesn't matter|"
        r"same as always|the usual|can we (?:talk about something else|move on|"
        r"skip)|i'd rather not|i don't want to talk about|let's not|i don't remember|"
        r"i don't care|never mind|forget it)\b",
        r"\bi(?:'d| would) rather not (?:talk|get into|go into|say)\b",
        r"\bcan we (?:just )?(?:change the subject|talk about something else|move on|skip)",
        r"\bi don't (?:really )?want to (?:talk|get into|go into) (?:about )?(?:it|that|this)",
        r"\bnot much to (?:say|tell)\b", r"\b(?:i don't know|dunno)\.?\s*(?:fine|whatever)",
    ),
}

# The withdrawal patterns that mean withdrawal even inside a longer turn.
_WITHDRAWAL_ANYWHERE = re.compile(
    r"\bi(?:'d| would) rather not (?:talk|get into|go into|say)\b|"
    r"\bcan we (?:just )?(?:change the subject|talk about something else|move on|skip)|"
    r"\bi don't (?:really )?want to (?:talk|get into|go into) (?:about )?(?:it|that|this)"
)

_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|me|my|myself)\b")
# Evasive phrases; a turn made only of these (and fillers) is a withdrawal marker.
# Plain "yeah"/"okay" alone are not: clients answer closed questions that way.
_EVASIVE = (r"i don't know|i dunno|dunno|whatever|fine|i guess|nothing|not really|maybe|"
            r"it's fine|i'm fine|doesn't matter|it doesn't matter|i suppose|not sure|"
            r"who knows|same as always|the usual|nothing much|i don't care|never mind")
_HEDGE_ONLY = re.compile(
    rf"^(?:(?:{_EVASIVE}|yeah|okay|ok|sure|no|mm|hmm|um|uh|i mean|so)[ ,.!?]*)*"
    rf"(?:{_EVASIVE})(?:[ ,.!?]*(?:{_EVASIVE}|yeah|okay|ok|sure|no|mm|hmm|um|uh|i mean|so))*"
    r"[ ,.!?]*$"
)


#: Client turns longer than this are not withdrawal by their opening words alone
#: ("I guess it's because I need to lose weight" is an answer, not a shutdown).
WITHDRAWAL_MAX_WORDS = 9


def withdrawal_shape(norm: str) -> bool:
    """True for very short, hedged or evasive client answers ("I don't know. Fine.")."""
    return bool(_HEDGE_ONLY.match(norm.strip())) or norm.strip() in ("", "...", ".")


def client_codes(norm: str) -> list[str]:
    """Client rule codes, with the withdrawal opening patterns limited to short turns."""
    codes = fired(CLIENT_RULES, norm)
    if "withdrawal" in codes and len(norm.split()) > WITHDRAWAL_MAX_WORDS:
        long_ok = _WITHDRAWAL_ANYWHERE.search(norm)
        if not long_ok:
            codes.remove("withdrawal")
    if "withdrawal" not in codes and withdrawal_shape(norm):
        codes.append("withdrawal")
    return codes


def disclosure_shape(norm: str) -> bool:
    """True for a first-person turn long enough to share something personal."""
    return len(norm.split()) >= 8 and len(_FIRST_PERSON.findall(norm)) >= 2


#: Every rule, therapist then client (the codes differ): the order of the cue columns too.
ALL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (*THERAPIST_RULES.items(),
                                                     *CLIENT_RULES.items())


@lru_cache(maxsize=8192)
def matching_rules(norm: str) -> frozenset[str]:
    """The codes of :data:`ALL_RULES` whose pattern matches normalised text.

    Cached because each turn asks twice: the linear model's cue features (:mod:`.cues`)
    and then the decision (:func:`fired`). The size covers a batch of thousands of turns;
    the patterns were a tenth of batch labelling's time when searched twice.
    """
    return frozenset(code for code, rx in ALL_RULES if rx.search(norm))


def fired(rules: dict[str, re.Pattern[str]], norm: str) -> list[str]:
    """Return the codes whose pattern matches normalised text, in rule order."""
    if rules is THERAPIST_RULES or rules is CLIENT_RULES:
        hits = matching_rules(norm)
        return [code for code in rules if code in hits]
    return [code for code, rx in rules.items() if rx.search(norm)]
