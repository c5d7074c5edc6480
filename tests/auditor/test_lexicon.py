"""The lexicon matcher: folding, word boundaries, prefixes, masked spellings, judging, vetoes,
exclusions, patterns, policy additions and the shipped lexicon files themselves."""

from __future__ import annotations

import pytest

from auditor.lexicon import (GROUPS, LEXICON_DIR, Lexicon, LexiconError, build_lexicon, fold, judge,
                             lexicon_for, load_lexicon_files, masked_variants, merge_additions,
                             parse_sections)
from auditor.policy import PolicyError


def lex(**sections) -> Lexicon:
    return Lexicon(parse_sections({"t": sections}))


def judged(lexicon: Lexicon, text: str, section: str = "s"):
    hits = [h for h in lexicon.scan(text) if h.section == f"t.{section}"]
    return judge(lexicon.sections[f"t.{section}"], hits, text) if hits else None


def test_fold_keeps_length_and_drops_case_and_accents():
    for text in ("Élève À L’École", "İstanbul straße", "naïve café 🍷", "ǅ"):
        assert len(fold(text)) == len(text)
    assert fold("Élève À L’École") == "eleve a l'ecole"


def test_whole_words_and_prefix_entries():
    lx = lex(s={"strong": ["ale", "drink*"]})
    assert [h.entry for h in lx.scan("A pale ale tonight")] == ["ale"]
    assert lx.scan("The finale was great") == []
    hits = lx.scan("Drinking games")
    assert hits[0].entry == "drink*" and "Drinking games"[hits[0].start:hits[0].end] == "Drinking"


def test_entries_with_punctuation_and_emoji():
    lx = lex(s={"strong": ["4/20", "🍷", "who's pouring"]})
    assert {h.entry for h in lx.scan("Happy 4/20! 🍷🍷 Who’s pouring?")} == {"4/20", "🍷", "who's pouring"}
    assert lx.scan("14/200 marks") == []


def test_masked_variants_keep_the_first_letter():
    forms = set(masked_variants("shit"))
    assert {"shit", "sh1t", "sh!t", "sh*t", "s**t"} <= forms
    assert all(f[0] == "s" for f in forms)
    lx = lex(s={"masked": ["fuck*"]})
    assert lx.scan("f***ing printer")[0].entry == "fuck*"
    assert lx.scan("F*CK")[0].group == "strong"


def test_weak_needs_a_cue_or_a_second_weak_entry():
    lx = lex(s={"weak": ["church", "mosque"], "cue": ["join us"]})
    assert judged(lx, "The church on Main St") is None
    assert judged(lx, "Join us at church").strong is False
    assert judged(lx, "From the church to the mosque") is not None


def test_pairs_false_needs_a_cue():
    lx = lex(s={"weak": ["hindu", "muslim"], "cue": ["can't"], "pairs": False})
    assert judged(lx, "Hindu and Muslim populations") is None
    assert judged(lx, "Muslim kids can't") is not None


def test_minor_cues_count_when_two_differ():
    lx = lex(s={"weak": ["girls"], "minor": ["always", "🙄"]})
    assert judged(lx, "The girls always win") is None
    assert judged(lx, "The girls always whine 🙄") is not None


def test_window_scope():
    lx = lex(s={"weak": ["boys"], "cue": ["boring"], "scope": "window", "window": 20})
    assert judged(lx, "Boys are boring") is not None
    assert judged(lx, "Boys " + "x" * 60 + " boring") is None


def test_sentence_scope():
    lx = lex(s={"weak": ["boys"], "cue": ["boring"], "scope": "sentence"})
    assert judged(lx, "The boys are boring.") is not None
    assert judged(lx, "The boys played. The movie was boring.") is None


def test_veto_and_lower_are_reported_not_hidden():
    lx = lex(s={"strong": ["beer"], "veto": ["health class"], "lower": ["cheers"]})
    sig = judged(lx, "Health class: beer and the brain")
    assert sig.vetoed and sig.explanation()["vetoed_by"] == ["health class"]
    sig = judged(lx, "Cheers, beer time")
    assert not sig.vetoed and sig.explanation()["lowered_by"] == ["cheers"]


def test_an_override_cue_outweighs_every_veto_but_an_ordinary_cue_does_not():
    lx = lex(s={"weak": ["newcomers"], "cue": ["lazy"], "override": ["belong in separate classes"],
                "veto": ["inclusion"]})
    ordinary = judged(lx, "Inclusion week: newcomers are not lazy, they are learning fast")
    assert ordinary is not None and ordinary.vetoed
    plain = judged(lx, "Inclusion? Newcomers belong in separate classes.")
    assert plain is not None and not plain.vetoed and plain.cued
    assert [h.entry for h in plain.cues] == ["belong in separate classes"]


def test_a_mocked_topic_veto_is_set_aside_only_beside_a_sneer_and_a_real_signal():
    lx = lex(s={"weak": ["newcomers"], "cue": ["get everything"], "topic": ["inclusion week"],
                "sarcasm": ["🙄"], "veto": ["lesson"]})
    mocked = judged(lx, "Inclusion week again 🙄 newcomers get everything")
    assert mocked is not None and not mocked.vetoed
    why = mocked.explanation()
    assert why["veto_set_aside"] == ["inclusion week"] and why["sarcasm"] == ["🙄"]
    # without the sneer marker the topic vetoes like any veto
    assert judged(lx, "Inclusion week: newcomers get everything they need").vetoed
    # a teaching word is a `veto`, and no eye-roll sets it aside
    assert judged(lx, "Inclusion week 🙄 lesson on why 'newcomers get everything' is a myth").vetoed
    # a sneer marker needs a signal of its own: a bare group word beside it stays silent
    assert judged(lx, "Inclusion week 🙄 newcomers") is None


@pytest.mark.parametrize("text,vetoed", [
    ("Love how 'inclusion' means newcomers get everything", False),
    ("Love how « inclusion » means newcomers get everything", False),
    ("Love how inclusion means newcomers get everything", True),
    ("Inclusion-minded schools: newcomers get everything they need", True),
])
def test_a_veto_word_alone_in_quotes_is_a_sneer_not_a_context(text, vetoed):
    lx = lex(s={"weak": ["newcomers"], "cue": ["get everything"], "veto": ["inclusion"]})
    assert judged(lx, text).vetoed is vetoed


def test_exclude_cancels_the_entry_it_contains():
    lx = lex(s={"strong": ["beer"], "exclude": ["root beer"]})
    assert lx.scan("Root beer floats") == []
    assert [h.entry for h in lx.scan("Root beer floats, then a real beer")] == ["beer"]


def test_patterns_run_when_triggered_and_can_be_case_sensitive():
    lx = lex(s={"pattern": [{"group": "strong", "trigger": ["vote"], "case_sensitive": True,
                             "regex": r"\bVote [A-Z]\w+", "label": "vote <name>"}]})
    assert [h.entry for h in lx.scan("Vote Smith!")] == ["vote <name>"]
    assert lx.scan("vote smith") == []
    assert lx.scan("Smith is here") == []


def test_word_triggers_match_whole_words_and_keep_common_fragments_out_of_the_full_scan():
    pet = {"group": "strong", "trigger": ["cat*", "dog"], "regex": r"\bmy (?:cat|dog) turns \d+",
           "label": "pet birthday"}
    lx = lex(s={"pattern": [{**pet, "word_triggers": True}]})
    assert [h.entry for h in lx.scan("My cat turns 10 today")] == ["pet birthday"]
    assert lx._may_signal("we celebrated education week", lx._quick) is False  # "cat" inside words
    assert lx._may_signal("two cats and a dog", lx._quick) is True  # "cat*" lets the word go on
    assert lx.scan("we celebrated education week") == _full_scan(lx, "we celebrated education week") == []
    # without the option a trigger is found anywhere (so "n't" can trigger inside "can't")
    anywhere = lex(s={"pattern": [{**pet, "trigger": ["cat", "dog"]}]})
    assert anywhere._may_signal("we celebrated education week", anywhere._quick) is True
    with pytest.raises(LexiconError, match="word_triggers: expected true or false"):
        parse_sections({"t": {"s": {"pattern": [{**pet, "word_triggers": "yes"}]}}})


def test_context_only_text_is_not_a_signal():
    lx = lex(s={"strong": ["beer"], "cue": ["tonight"], "veto": ["lesson"]})
    assert lx.scan("Lesson tonight") == []


@pytest.mark.parametrize("bad,message", [
    ({"t": {"s": {"strong": "beer"}}}, "t.s.strong: expected a list"),
    ({"t": {"s": {"colour": []}}}, "unknown key 'colour'"),
    ({"t": {"s": {"scope": "page"}}}, "scope: expected"),
    ({"t": {"s": {"pattern": [{"regex": "("}]}}}, "pattern\\[0\\].regex"),
    ({"t": {"s": {"pattern": [{"regex": "a+"}]}}}, "pattern\\[0\\].trigger"),
])
def test_bad_lexicon_data_names_the_place(bad, message):
    with pytest.raises(LexiconError, match=message):
        parse_sections(bad)


def test_policy_additions_are_merged_and_checked():
    base = {"political": {"party": {"weak": ["ndp"]}}}
    merged = merge_additions(base, {"political": {"party": {"weak": ["Lakeside First"]}}}, "policy.toml")
    assert merged["political"]["party"]["weak"] == ["ndp", "Lakeside First"]
    assert base["political"]["party"]["weak"] == ["ndp"]
    with pytest.raises(LexiconError, match="policy.toml: lexicons.political.parti: unknown section"):
        merge_additions(base, {"political": {"parti": {"weak": ["x"]}}}, "policy.toml")
    with pytest.raises(LexiconError, match="party.words: expected one of"):
        merge_additions(base, {"political": {"party": {"words": ["x"]}}}, "policy.toml")
    assert issubclass(LexiconError, PolicyError)


def test_shipped_lexicons_list_no_entry_twice_in_a_group():
    """A repeated entry is harmless to matching but says two edits did not see each other."""
    repeated = [f"{topic}.{name}.{group}: {word}"
                for topic, sections in load_lexicon_files(LEXICON_DIR).items()
                for name, body in sections.items() if isinstance(body, dict)
                for group, words in body.items() if group in GROUPS
                for word in {w for w in words if words.count(w) > 1}]
    assert repeated == []


def test_shipped_lexicons_load_and_cover_every_topic():
    raw = load_lexicon_files(LEXICON_DIR)
    assert {"substances", "explicit", "political", "religious", "discriminatory", "personal_life",
            "personal_sales", "personal_pointer", "student_bio"} <= set(raw)
    sections = parse_sections(raw)
    for sec in sections:
        assert set(sec.groups) == set(GROUPS)
    lx = build_lexicon()
    assert len(lx.automaton) > 1000


def test_political_knows_canadian_and_us_parties_out_of_the_box():
    lx = lexicon_for(None)
    for party in ("Liberal Party", "Conservatives", "NDP", "Bloc Québécois", "Green Party", "Ontario PC",
                  "CAQ", "UCP", "Parti Québécois", "Democrats", "Republicans", "GOP"):
        assert any(h.section == "political.party" for h in lx.scan(f"the {party} said")), party


def test_lexicon_for_caches_per_set_of_additions():
    a = lexicon_for({"lexicons": {}})
    assert lexicon_for(None) is a
    b = lexicon_for({"lexicons": {"substances": {"alcohol": {"strong": ["hard kombucha"]}}}})
    assert b is not a and b.scan("hard kombucha") and not a.scan("hard kombucha")


def test_overlapping_weak_entries_are_not_a_pair():
    lx = lex(s={"weak": ["on vacation", "vacation"]})
    assert judged(lx, "Students are on vacation next week") is None
    assert judged(lx, "On vacation! Best vacation ever") is not None


def _full_scan(lexicon: Lexicon, text: str):
    """The scan without the quick test, for comparing."""
    quick, lexicon._quick = lexicon._quick, None
    try:
        return lexicon.scan(text)
    finally:
        lexicon._quick = quick


@pytest.mark.parametrize("text", [
    "Our class page is up", "Senior girls volleyball won", "senior girls, girls can't lift", "root beers for all",
    "Root beer floats", "flame retardant gear", "girls team* and girls", "my ass", "ASS-kicking", "passing notes",
    "drinking water", "girls team practice: girls are too slow", "",
])
def test_quick_test_skips_embedded_and_excluded_entries_without_changing_results(text):
    lx = lex(s={"strong": ["ass", "beer*"], "weak": ["girls"], "cue": ["can't", "too slow"],
                "exclude": ["senior girls", "root beer", "girls team*", "drinking water"]},
             r={"strong": ["retard*", "drink*"], "exclude": ["retardant*"]})
    assert lx.scan(text) == _full_scan(lx, text)


def test_quick_test_rejects_texts_with_only_embedded_or_excluded_entries():
    lx = lex(s={"strong": ["ass"], "weak": ["girls"], "exclude": ["senior girls"]},
             r={"weak": ["girls"]})
    assert lx._may_signal("our class page", lx._quick) is False
    assert lx._may_signal("senior girls won", lx._quick) is True  # section r has no such exclude
    lx2 = lex(s={"strong": ["ass"], "weak": ["girls"], "exclude": ["senior girls"]})
    assert lx2._may_signal("senior girls won", lx2._quick) is False
    assert lx2._may_signal("senior girls and girls", lx2._quick) is True


def test_prefix_entries_with_a_silent_e_also_match_the_ing_form():
    lx = lex(s={"strong": ["endorse*", "vote"]})
    assert [h.entry for h in lx.scan("The union is endorsing her")] == ["endorse*"]
    assert [h.entry for h in lx.scan("endorsed by all")] == ["endorse*"]
    assert lx.scan("the endorphins") == []


def test_an_exclude_that_holds_no_signal_entry_stays_out_of_the_quick_test():
    lx = lex(s={"weak": ["liberal*"], "cue": ["proud"], "exclude": ["proud of them", "liberal arts"]})
    assert lx._signals.get("proud of them", "absent") == "absent"  # holds only a cue
    assert lx._signals.get("liberal arts", "absent") != "absent"  # can cover a signal entry
    for text in ("So proud of them all", "Liberals, proud of them", "Proud of them, proud Liberals", "liberal arts"):
        assert lx.scan(text) == _full_scan(lx, text)


def test_every_lexicon_group_is_documented_for_the_boards_that_edit_them():
    readme = (LEXICON_DIR / "README.md").read_text(encoding="utf-8")
    assert [g for g in GROUPS if f"`{g}`" not in readme] == []
