"""Speed of the professional-conduct content checkers (SM201-SM208) on generated posts.

Prints posts per second for all content checkers together and the ratio to a bare single
pyahocorasick pass over the same texts in the same process (an automaton holding the same lexicon
keys; the pass only iterates the matches), and to the same pass over lower-cased texts (what any
case-insensitive matcher, and the privacy benchmark's baseline, must do). Target: <= 5x. Two figures for the checkers:
`checkers` calls each content checker's `check` on every post (the checkers' own cost), `engine`
runs them through `auditor.engine.Engine.check_item` (adds the engine's policy and dedupe step).
Times are CPU time of this process, best of --rounds interleaved rounds, because the machine is shared.

    .venv/bin/python benchmarks/conduct_speed.py [--posts 100000] [--seed 7] [--spice 0.05] [--rounds 5]
                                                  [--with-model]

With --with-model it also times the optional conduct model (off by default, SM209 and up): the
scorer alone on every post (all categories, and the shipped rules' categories), and the engine
with the lexical rules plus the model rules. The model is optional, so these figures are printed
for information and do not count toward the 5x target.

Posts are generated from neutral classroom sentences; a share `--spice` of them also carries a
sentence from one of the rules' territory (a violation, or a vetoed teaching use), so vetoes,
cues and findings are exercised, not only misses.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from typing import Callable

import ahocorasick

from auditor.checkers.base import CheckContext
from auditor.checkers.content import content_lexicon
from auditor.engine import Engine, checker_classes

SUBJECTS = ["Grade 4", "Our class", "The robotics team", "Room 12", "The Grade 9s", "Our choir", "The library",
            "Senior girls volleyball", "The science club", "Kindergarten", "Mme Roy's class", "The art room"]
VERBS = ["finished", "started", "presented", "built", "celebrated", "read", "explored", "practised", "visited",
         "designed", "tested", "shared"]
OBJECTS = ["a unit on fractions", "their volcano projects", "the spring concert", "a bridge out of straws",
           "poems about the lake", "a field trip to the museum", "the water cycle", "a coding challenge",
           "the school garden", "their persuasive essays", "a mock trial", "the winter carnival"]
TAILS = ["today!", "this week 🎉", "and it was amazing.", "- so proud of them!", "#OntEd", "📚✨", "👏👏",
         "Thank you families!", "More photos on the class page.", "What a day 🙌"]
SPICE = ["Cheers to the weekend 🍷", "What the f*** is wrong with this printer", "Vote Alex Martin for trustee!",
         "Join us at church this Sunday, everyone welcome", "Girls just can't do physics 🙄",
         "Selling my bike, DM me", "Date night with my husband", "Follow my personal IG @me.private",
         "Gr. 9 health: the risks of vaping", "Eid Mubarak to all our families!", "Mock election results are in!",
         "Prohibition unit: rum-runners on the lakes", "Happy 4/20 🌿", "Root beer floats for everyone"]


def generate(n: int, seed: int, spice: float = 0.05) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
        if rng.random() < spice:
            text = f"{text} {rng.choice(SPICE)}"
        out.append(text)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--spice", type=float, default=0.05, help="share of posts with a rule-related sentence")
    ap.add_argument("--rounds", type=int, default=5, help="timing rounds (the best of each pass is kept)")
    ap.add_argument("--with-model", action="store_true", help="also time the optional conduct model")
    args = ap.parse_args()

    texts = generate(args.posts, args.seed, args.spice)
    items = [{"type": "post", "platform": "x", "account": "bench", "id": f"b{i}", "kind": "original",
              "text": t} for i, t in enumerate(texts)]
    ctx = CheckContext()
    classes = [c for c in checker_classes() if "SM201" <= c.id <= "SM208"]
    engine = Engine(ctx, checkers=classes)
    lex = content_lexicon(ctx)  # compiled before timing, as it is once per process in a scan

    bare = ahocorasick.Automaton()
    for key, _ in lex.automaton.items():
        bare.add_word(key, key)
    bare.make_automaton()

    def bare_pass() -> int:
        n = 0
        for t in texts:
            for _ in bare.iter(t):
                n += 1
        return n

    checkers = list(engine.checkers)

    def lowered_pass() -> int:
        n = 0
        for t in texts:
            for _ in bare.iter(t.lower()):
                n += 1
        return n

    def checkers_pass() -> int:
        n = 0
        for item in items:
            for checker in checkers:
                n += len(checker.check(item, ctx))
        return n

    def engine_pass() -> int:
        n = 0
        for item in items:
            n += len(engine.check_item(item))
        return n

    bare_pass(), checkers_pass()  # warm-up
    timings = best_of({"bare": bare_pass, "lowered": lowered_pass, "checkers": checkers_pass,
                       "engine": engine_pass}, args.rounds)

    bare_s, bare_hits = timings["bare"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"posts: {len(texts):,} (spice {args.spice:.0%})  checkers: {', '.join(c.id for c in classes)}  "
          f"lexicon keys: {len(bare):,}")
    print(f"bare pyahocorasick pass: {bare_s:.3f} s  ({len(texts) / bare_s:,.0f} posts/s, {bare_hits:,} raw matches)")
    low_s, _ = timings["lowered"]
    print(f"lower-case + pyahocorasick pass (the privacy benchmark's kind of baseline): {low_s:.3f} s")
    for name in ("checkers", "engine"):
        secs, findings = timings[name]
        print(f"all content checkers ({name}): {secs:.3f} s  ({len(texts) / secs:,.0f} posts/s, "
              f"{findings:,} findings)  ratio {secs / bare_s:.2f}x bare, {secs / low_s:.2f}x lower-case pass "
              f"(target <= 5x)")
    if args.with_model:
        time_model(texts, items, args.rounds, timings["engine"][0])


def best_of(passes: dict[str, Callable[[], int]], rounds: int) -> dict[str, tuple[float, int]]:
    """CPU seconds and result of each pass, the best of `rounds`. The passes are interleaved so that
    load from other processes hits them all alike."""
    best: dict[str, tuple[float, int]] = {}
    for _ in range(rounds):
        for name, fn in passes.items():
            t0 = time.process_time()
            count = fn()
            dt = time.process_time() - t0
            if name not in best or dt < best[name][0]:
                best[name] = (dt, count)
    return best


def time_model(texts: list[str], items: list[dict], rounds: int, engine_s: float) -> None:
    """Posts per second of the optional model: the scorer alone and the engine with the model rules."""
    from auditor.models.scorer import load_model
    from auditor.policy import Policy

    t0 = time.process_time()
    model = load_model()
    load_s = time.process_time() - t0
    optional = [c for c in checker_classes() if not c.default_enabled]
    shipped = tuple(dict.fromkeys(c.category for c in optional))
    classes = [c for c in checker_classes() if "SM201" <= c.id <= "SM208"] + optional
    ctx = CheckContext()
    engine = Engine(ctx, Policy(enabled={c.id for c in optional}), checkers=classes)

    def scorer_all() -> int:
        return sum(s.fires for t in texts for s in model.score(t, explain_all=False).values())

    def scorer_shipped() -> int:
        return sum(s.fires for t in texts for s in model.score(t, shipped, explain_all=False).values())

    def engine_pass() -> int:
        return sum(len(engine.check_item(item)) for item in items)

    best = best_of({"all": scorer_all, "shipped": scorer_shipped, "engine": engine_pass}, max(1, rounds // 2))
    print(f"optional model ({len(model.weights):,} weighted features, loaded once in {load_s:.3f} s; "
          f"not counted toward the 5x target):")
    secs, fires = best["all"]
    print(f"  scorer, all {len(model.categories)} categories: {secs:.3f} s  ({len(texts) / secs:,.0f} posts/s, "
          f"{fires:,} over threshold)")
    secs, fires = best["shipped"]
    print(f"  scorer, shipped rules' categories ({', '.join(shipped)}): {secs:.3f} s  "
          f"({len(texts) / secs:,.0f} posts/s, {fires:,} over threshold)")
    secs, findings = best["engine"]
    print(f"  engine, content rules + {', '.join(c.id for c in optional)}: {secs:.3f} s  "
          f"({len(texts) / secs:,.0f} posts/s, {findings:,} findings; {secs / engine_s:.1f}x the lexicon-only engine)")


if __name__ == "__main__":
    main()
