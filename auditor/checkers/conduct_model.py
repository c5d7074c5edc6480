"""Optional learned conduct rules: a logistic-regression model as a second reader of the text.

Why: the lexicons (SM201-SM208) are precise but generalise poorly to freshly written sentences,
above all for `discriminatory` (recall about a third on blind held-out sets). Issue 4 allows a
statistical model if it runs offline from a file shipped inside the package, is optional, and the
lexicon path alone meets the targets. These rules are that model: `auditor.models` scores each
text the content rules read, and a rule fires when its category's probability reaches the
threshold chosen by cross-validation for precision >= 0.95 on the training sentences.

They are OFF by default (`default_enabled = False`): a board turns one on in its policy file
(`[rules.SM209] enabled = true`), see docs/conduct-model.md. Off, because a statistical score is
harder for a principal to argue with than a matched word, because it was trained on a few thousand
sentences written by the project, not by staff, and because the lexicon path alone is what the
accuracy targets are held to.

How a model rule relates to its lexical rule:
- it respects the lexical rule's vetoes: a text in which the lexicon found one of the rule's
  veto words (a lesson, an anti-bullying day, a health unit) is not scored. The vetoes are the
  board-reviewed statement of "this context is teaching, not promoting", and a model that
  overruled them would bring back exactly the lesson false positives they were written for;
- it stays silent on a text the lexical rule already reports, so a reviewer gets one finding per
  problem and the model's findings are only what the lexicon missed. (A board that disables the
  lexical rule but enables the model rule therefore gets model findings only where the lexicon
  would not have fired.)
- endorsements are judged like the lexical rules: the liked, reposted or quoted text is scored
  and the finding carries `via`.

Confidence is always `low`; the finding's explanation carries the score, the threshold and the
words and features that raised the score most.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import ClassVar

from auditor.checkers.base import CheckContext, Checker, Example
from auditor.checkers.content import (_VIA_WORDS, CLAUSE_BOUNDARIES, Discriminatory, Explicit, LexicalChecker,
                                      Political, Religious, Substances, TextScan, _like, _post, content_lexicon,
                                      item_text_fields, scan_item)
from auditor.checkers.personal_content import PersonalAccountPointer, PersonalLife, PersonalSales
from auditor.findings import Finding, Span
from auditor.lexicon import GROUPS, Lexicon


def load_model():
    """The shipped model (`auditor.models.scorer.load_model`), imported on first use: these rules
    are off by default, and every `auditor check` loads this module to list the rules."""
    from auditor.models.scorer import load_model as load

    return load()


@lru_cache(maxsize=16)
def _scores(model, text: str) -> dict:
    """Every category's score of `text`, kept for the next model rule: the six rules read the same
    texts one after another, and the features are most of a score's cost."""
    return model.score(text, explain_all=False)


class ModelChecker(Checker):
    """A conduct category scored by the shipped model; subclasses name the category and the
    lexical rules whose vetoes and findings it defers to."""

    default_enabled: ClassVar[bool] = False
    confidence = "low"
    item_types: ClassVar[frozenset[str]] = frozenset({"post", "like"})
    lexical: ClassVar[tuple[type[LexicalChecker], ...]] = ()
    reason_prefix: ClassVar[str] = ""

    def _vetoes(self, ctx: CheckContext) -> Lexicon:
        """The lexical rules' veto words (with their `exclude` entries) as a lexicon of their own:
        the content scan reports vetoes only beside a rule word, and the model reads texts that
        have none."""
        def build() -> Lexicon:
            full = content_lexicon(ctx)
            sections = []
            for cls in self.lexical:
                for key in cls.sections:
                    sec = full.sections[key]
                    groups = {g: [] for g in GROUPS}
                    groups["strong"] = list(sec.groups.get("veto", ()))
                    groups["exclude"] = list(sec.groups.get("exclude", ()))
                    patterns = [replace(p, group="strong") if p.group == "veto" else p
                                for p in sec.patterns if p.group in ("veto", "exclude")]
                    sections.append(replace(sec, groups=groups, patterns=patterns))
            return Lexicon(sections)
        return ctx.cached(f"conduct_model_vetoes:{self.id}", build)

    def _lexicon_says(self, scan: TextScan | None, text: str, item: dict, ctx: CheckContext) -> bool:
        """True when the lexical rules vetoed this text or already report it. The veto lexicon finds
        every veto word the content scan would (same entries, excludes and triggers), so only the
        rules' unvetoed signals are left to look at."""
        if self._vetoes(ctx).scan(text):
            return True
        if scan is None:
            return False
        for cls in self.lexical:
            rule = cls()
            if any(rule.accept(sig, scan, item, ctx) is not None for sig in rule.signals(scan, ctx)):
                return True
        return False

    def check(self, item: dict, ctx: CheckContext) -> list[Finding]:
        model = ctx.cached("conduct_model", load_model)
        scans = {(s.via, s.field): s for s in scan_item(item, ctx)}
        by_via: dict[str | None, list] = {}
        for via, field, text in item_text_fields(item):
            if self._lexicon_says(scans.get((via, field)), text, item, ctx):
                continue
            score = _scores(model, text)[self.category]
            if score.fires:
                by_via.setdefault(via, []).append((field, text, score))
        out = []
        for via, found in by_via.items():
            # Evidence is the whole text (a model reads all of it); the fingerprint so does not
            # change when the model is retrained and its top features move.
            spans = [Span(field, 0, len(text), text) for field, text, _ in found]
            best = max(found, key=lambda f: f[2].probability)[2]
            endorsed = f" ({_VIA_WORDS[via]} content)" if via else ""
            words = ", ".join(repr(w) for w, _ in best.top_words[:5])
            reason = (f"{self.reason_prefix}{endorsed}: model score {best.probability:.2f} "
                      f"(threshold {best.threshold:.2f}), mostly from {words}")
            out.append(self.finding(item, reason=reason, spans=spans, via=via,
                                    explanation={"scores": [{"field": f, **s.explanation()} for f, _, s in found],
                                                 "model_file": model.source.rsplit("/", 1)[-1]},
                                    key=f"via:{via}" if via else ""))
        return out


class DiscriminatoryModel(ModelChecker):
    """The model's reading of `discriminatory`: demeaning a group by a Human Rights Code ground,
    however it is phrased. Trained by `python -m auditor.models.train` (logistic regression on
    folded words, word pairs and character n-grams of the project's hand-written conduct
    sentences; threshold for cross-validated precision >= 0.95). Off by default: turn on with
    `[rules.SM209] enabled = true`. Defers to SM205: silent where SM205 fires or is vetoed by a
    lesson word. Low confidence always; the explanation lists the words that raised the score.
    """

    id = "SM209"
    name = "discriminatory-model"
    category = "discriminatory"
    severity = "high"
    clause = CLAUSE_BOUNDARIES
    lexical = (Discriminatory,)
    reason_prefix = "Model: demeans a group protected by the Human Rights Code"
    examples = (
        Example(_post("Funny how the break-ins started right when those new families moved in. Just saying."),
                True, "insinuation without a lexicon word"),
        Example(_like("Ladies in the staff room should leave the tech committee to the guys, honestly."), True,
                "an endorsement"),
        Example(_post("Science fair judging is Thursday; families are welcome to visit the gym after 3."), False),
        Example(_post("Our Grade 8s wrote letters to the newcomer families arriving this month."), False),
    )


class SubstancesModel(ModelChecker):
    """The model's reading of `substances`: alcohol, drugs or tobacco shown as enjoyment, in words
    no lexicon listed (a regional brand, new slang). Off by default (`[rules.SM210] enabled =
    true`); silent where SM201 fires or a health lesson, history unit or assembly vetoes it."""

    id = "SM210"
    name = "substances-model"
    category = "substances"
    severity = Substances.severity
    clause = Substances.clause
    lexical = (Substances,)
    reason_prefix = "Model: alcohol, drugs or tobacco shown as enjoyment"
    examples = (
        Example(_post("Bottle of Okanagan gewurz chilling for tonight, I have earned it"), True,
                "a wine the lexicon does not list, chilled as a reward"),
        Example(_post("Grade 9 health: how energy drinks affect sleep. Great questions today."), False),
    )


class ExplicitModel(ModelChecker):
    """The model's reading of `explicit`: innuendo and profanity in spellings and registers no
    lexicon listed. Off by default (`[rules.SM211] enabled = true`); silent where SM202 fires or a
    health or consent lesson vetoes it."""

    id = "SM211"
    name = "explicit-model"
    category = "explicit"
    severity = Explicit.severity
    clause = Explicit.clause
    lexical = (Explicit,)
    reason_prefix = "Model: profanity or sexual content"
    examples = (
        Example(_post("Just saw the new PE teacher in those track pants and now I need a cold shower 😳🔥"), True,
                "a colleague ogled, without a listed word"),
        Example(_post("Woodshop built a sturdy bed frame for the drama set this week."), False),
    )


class PoliticalModel(ModelChecker):
    """The model's reading of `political`: a partisan position argued in words no lexicon listed
    (a policy slogan, contempt for another side's voters). Off by default (`[rules.SM212] enabled =
    true`); silent where SM203 fires or a mock vote or civics lesson vetoes it."""

    id = "SM212"
    name = "political-model"
    category = "political"
    severity = Political.severity
    clause = Political.clause
    lexical = (Political,)
    reason_prefix = "Model: promotes a party, candidate or partisan position"
    examples = (
        Example(_post("Our premier has done more damage to public education than any cuts in my lifetime. "
                      "Keep that in mind this spring."), True, "a vote against a government, without a party's name"),
        Example(_post("Civics 10 compared how carbon pricing works in three provinces, no opinions asked for."), False),
    )


class ReligiousModel(ModelChecker):
    """The model's reading of `religious`: promoting a faith or inviting to worship in words no
    lexicon listed. Off by default (`[rules.SM213] enabled = true`); silent where SM204 fires or a
    world-religions visit or holiday greeting vetoes it."""

    id = "SM213"
    name = "religious-model"
    category = "religious"
    severity = Religious.severity
    clause = Religious.clause
    lexical = (Religious,)
    reason_prefix = "Model: promotes a faith or invites to worship"
    examples = (
        Example(_post("Nothing fills the hole in your heart like a relationship with the Saviour. Ask me about it anytime."),
                True, "a testimony offered to the reader"),
        Example(_post("Staff meeting moved to the library on Thursday, bring your timetables."), False),
    )


class PersonalContentModel(ModelChecker):
    """The model's reading of `personal-content`: personal life, side businesses and personal
    accounts blended into the professional account, in words no lexicon listed. Off by default
    (`[rules.SM214] enabled = true`); silent where SM206, SM207 or SM208 fires or vetoes."""

    id = "SM214"
    name = "personal-content-model"
    category = "personal-content"
    severity = PersonalLife.severity
    clause = PersonalLife.clause
    lexical = (PersonalLife, PersonalSales, PersonalAccountPointer)
    reason_prefix = "Model: personal life blended into a professional account"
    examples = (
        Example(_post("We finally got the keys to our little lake cottage this weekend, summers are spoken for!"), True,
                "a family milestone"),
        Example(_post("Grade 4 finished their cottage-country habitat dioramas, come see them in the hall."), False),
    )


CHECKERS = [DiscriminatoryModel, SubstancesModel, ExplicitModel, PoliticalModel, ReligiousModel,
            PersonalContentModel]
