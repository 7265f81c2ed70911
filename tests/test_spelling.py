"""Typing slips are mended before the analyzer reads a turn (`offline.spelling`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.analysis import get_analyzer
from simulator.analysis.base import Utterance
from simulator.analysis.offline import OfflineAnalyzer, spelling
from simulator.analysis.offline.features import turn_text
from simulator.analysis.offline.model import load_shipped_model
from simulator.analysis.offline.spelling import (
    Speller,
    SpellingFileError,
    count_words,
    one_edit,
    save_counts,
    shipped_speller,
)

CTX = (Utterance("client", "I work all day, then I come home and do everything for the kids. "
                           "Nobody even says thank you."),)


def test_one_edit_covers_drops_additions_changes_and_swaps() -> None:
    edits = one_edit("word")
    assert {"wrd", "wordy", "ward", "owrd", "wodr"} <= edits
    assert "word" not in edits and "wdro" not in edits  # two edits away


def test_the_most_common_corpus_word_one_edit_away_wins() -> None:
    speller = Speller({"should": 40, "shout": 3, "would": 9})
    assert speller.word("shuold") == "should"  # swap
    assert speller.word("shoud") == "should"  # beats "shout" (3 turns)
    assert speller.text("you shoud go, you woud see") == "you should go, you would see"


def test_known_short_lexicon_and_hopeless_words_stay() -> None:
    speller = Speller({"should": 40, "sad": 5}, lexicon=["shoulds"])
    assert speller.word("shoulds") == "shoulds"  # a real word the corpus lacks
    assert speller.word("sda") == "sda"  # too short to guess
    assert speller.word("xylophnoe") == "xylophnoe"  # nothing one edit away
    assert speller.text("") == ""


def test_ties_are_broken_alphabetically_so_results_never_vary() -> None:
    assert Speller({"cart": 2, "card": 2}).word("carx") == "card"


def test_word_list_counts_turns_not_occurrences() -> None:
    counts = count_words(["so so so sad", "sad again", "once"])
    assert counts == {"sad": 2}  # "so" is in one turn only, however often


def test_shipped_speller_mends_slips_and_keeps_domain_words() -> None:
    speller = shipped_speller()
    assert speller.text("that's stupd and you know it") == "that's stupid and you know it"
    assert speller.word("diferently") == "differently"
    for word in ("vaping", "counsellor", "henrik", "amara"):  # corpus words and names stay
        assert speller.word(word) == word


def test_turn_text_mends_the_turn_and_its_context() -> None:
    tt = turn_text("I wondr what changed", "my famly left", "you said efforst")
    assert (tt.turn, tt.prev_other, tt.prev_same) == (
        "i wonder what changed", "my family left", "you said effort")


@pytest.mark.parametrize(("typed", "meant"), [
    ("im wondering what you would want to happen diferently",
     "im wondering what you would want to happen differently"),
    ("it sounds like you feel compeltely invisble at home",
     "it sounds like you feel completely invisible at home"),
])
def test_a_turn_with_slips_gets_the_labels_of_the_words_meant(typed: str, meant: str) -> None:
    analyzer = get_analyzer()
    assert (analyzer.label(Utterance("therapist", typed), CTX)
            == analyzer.label(Utterance("therapist", meant), CTX))


def test_a_missing_word_list_names_the_command_that_rebuilds_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spelling, "SPELLING_FILE", "no-such-file.json")
    shipped_speller.cache_clear()
    try:
        with pytest.raises(SpellingFileError, match="train_analyzer.py"):
            shipped_speller()
        with pytest.raises(SpellingFileError):  # at start-up, not at a trainee's first turn
            OfflineAnalyzer(load_shipped_model(), encoder=None)
    finally:
        monkeypatch.undo()
        shipped_speller.cache_clear()
    assert shipped_speller().counts


def test_saved_word_list_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "spelling.json"
    save_counts({"sad": 2, "should": 40}, str(path))
    assert json.loads(path.read_text(encoding="utf-8"))["counts"] == {"sad": 2, "should": 40}
