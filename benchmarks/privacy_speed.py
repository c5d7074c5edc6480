#!/usr/bin/env python3
"""Speed and memory of the privacy text checkers through `auditor check`, against a bare baseline.

Usage:
    python benchmarks/privacy_speed.py [--students 50000] [--posts 100000] [--workdir DIR] [--keep]

Generates a synthetic board (a roster of --students names, --posts posts of about 200 characters (half with emoji),
a few percent of which name a student, give a phone number, an e-mail or an address, or plan a
trip), then in the same run:

1. runs `auditor check ITEMS --roster --schools --accounts --format json` as a subprocess with a
   policy that leaves only the privacy text rules on (SM301, SM302, SM304, SM305, SM311, SM312),
   timing its wall clock and reading its peak RSS from getrusage(RUSAGE_CHILDREN);
2. runs the same command on a one-item file, to show the fixed cost (start-up, roster, automaton);
3. the baseline: in this process, reads the same JSON Lines, decodes each line, lower-cases its
   texts and passes them through one pyahocorasick automaton of the same names (first or preferred
   name + last name), timing both the automaton build and the pass. Being in-process, it pays no
   interpreter start-up while `auditor check` does; the start-up of a bare interpreter importing
   the baseline's modules is printed beside the ratio, which is still judged without it.

Targets (issue 3): auditor check <= 5x the baseline, peak memory <= 300 MB. Machine: see the
printed CPU count; figures in the README were taken on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRIVACY_TEXT_RULES = {"SM301", "SM302", "SM304", "SM305", "SM311", "SM312"}

FIRST = ("Maya Liam Noah Emma Olivia Ava Sophia Isabella Mia Amelia Harper Evelyn Abigail Emily Ella "
         "Elizabeth Camila Luna Sofia Avery Mila Aria Scarlett Penelope Layla Chloe Victoria Madison "
         "Eleanor Grace Nora Riley Zoey Hannah Hazel Lily Ellie Violet Lillian Zoë Nova Audrey Aaliyah "
         "Ananya Priya Harjot Simran Mohammed Omar Yusuf Ali Hamza Wei Jun Yuki Hiroshi Min-jun Seo-yeon "
         "Kwame Ama Kofi Chidi Ngozi Thérèse Noémie François Élodie Mathéo Jose María Lucía Mateo Diego "
         "Ethan Mason Logan Lucas Jackson Aiden Elijah James Benjamin Oliver Jacob Michael Daniel Henry "
         "Sebastian Jack Owen Samuel Wyatt Leo Julian Levi Isaac Gabriel Anthony Dylan Lincoln Jaxon "
         "Asher Christopher Josiah Andrew Thomas Joshua Ezra Hudson Charles Caleb Isaiah Ryan Nathan "
         "Adrian Christian Maverick Colton Elias Aaron Eli Landon Jonathan Nolan Hunter Cameron Connor "
         "Santiago Jeremiah Ezekiel Angel Roman Easton Miles Robert Jameson Nicholas Greyson Cooper Ian "
         "Carter Axel Jaxson Dominic Leonardo Luca Austin Jordan Adam Xavier Jose Jace Everett Declan "
         "Evan Kayden Parker Wesley Kai Brayden Bryson Weston Jason Emmett Sawyer Silas Bennett Brooks").split()
LAST = ("Chen Wong Li Zhang Wang Liu Singh Kaur Gill Dhillon Sandhu Patel Shah Mehta Iyer Reddy Gupta "
        "Nguyen Tran Pham Le Kim Park Lee Choi Tanaka Sato Suzuki Smith Johnson Williams Brown Jones "
        "Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor "
        "Moore Jackson Martin Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young "
        "Allen King Wright Scott Torres Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
        "Mitchell Carter Roberts Tremblay Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné "
        "Ouellet Pelletier Bélanger Lévesque Bergeron Leblanc Paquette Girard Simard Boucher Caron "
        "Beaulieu Cloutier Dubé Poirier Fournier Lapointe Leclerc Lefebvre Poulin Thibault O'Brien "
        "O'Connor MacDonald MacLeod Campbell Stewart Murray Reid Ross Fraser Hamilton Graham Kowalski "
        "Nowak Wiśniewski Okafor Adeyemi Mensah Boateng Owusu Asante Oduya Abara Haddad Khalil Nasser "
        "Rahman Hussain Khan Ahmed Ali Hassan Mahmoud Farouk D'Souza Fernandes Pereira Silva Santos "
        "Nguyen-Tran De-La-Cruz Van-Der-Berg Novak Horvat Kovač Popescu Ionescu Petrov Ivanov Smirnov").split()
FILLER = ("Great day in class today. Students worked hard on their projects and asked big questions. "
          "Reminder that library books are due on Friday. Thank you families for your support this term. "
          "We explored fractions with pattern blocks and shared our thinking. Spirit week continues "
          "tomorrow with pajama day. Our reading buddies met for the first time and loved it. "
          "Check the class page for the homework sheet and the new spelling list. ").split(". ")
EMOJI = ["🎉", "📚", "🏀", "🦁", "💙", "🙌", "✨", "🇨🇦", "👏", "🔬", "😊", "🏆"]
PLACES = ("Royal Ontario Museum", "Riverside Community Centre", "Centennial Arena", "High Park",
          "Bronte Creek Provincial Park", "Science North", "Crawford Lake Conservation Area")
STREETS = ("Main St", "King Street West", "Oak Ave", "Heron Court", "Lakeshore Rd", "Birch Hollow Cres")


def make_board(workdir: Path, n_students: int, n_posts: int, seed: int = 7) -> tuple[Path, Path, Path, Path]:
    rng = random.Random(seed)
    schools = workdir / "schools.csv"
    schools.write_text("code,name,principal_email,aliases\nS1,Riverside Secondary School,p@board.example,Riverside\n"
                       "S2,Oakwood Public School,q@board.example,Oakwood\n", encoding="utf-8")
    accounts = workdir / "accounts.csv"
    accounts.write_text("platform,handle,kind,school,owner_name,owner_email,approved_by,credential\n"
                        "x,ClassA,classroom,S1,Ada Lee,a.lee@board.example,,env:T1\n"
                        "x,SchoolB,school,S2,Bo Ray,b.ray@board.example,q@board.example,env:T2\n", encoding="utf-8")
    roster = workdir / "roster.csv"
    students = []
    with roster.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student_id", "first_name", "last_name", "preferred_name", "school", "grade",
                    "media_consent", "safety_flag", "handles"])
        for i in range(n_students):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if rng.random() < 0.3:  # double-barrelled surnames make the name space large enough
                last = f"{last}-{rng.choice(LAST)}"
            preferred = rng.choice(FIRST) if rng.random() < 0.05 else ""
            consent = rng.choices(["yes", "no", "unknown"], [85, 10, 5])[0]
            w.writerow([f"B{i:06d}", first, last, preferred, rng.choice(["S1", "S2"]), rng.randint(1, 12),
                        consent, "yes" if rng.random() < 0.01 else "no", ""])
            students.append((first, last))
    items = workdir / "items.jsonl"
    with items.open("w", encoding="utf-8") as fh:
        for i in range(n_posts):
            parts = rng.sample(FILLER, 3)
            roll = rng.random()
            if roll < 0.04:
                f, l = rng.choice(students)
                parts.insert(1, f"Congratulations to {f} {l} on the award")
            elif roll < 0.05:
                parts.insert(1, f"Text me at 905-555-{rng.randint(100, 9999):04d} with questions")
            elif roll < 0.06:
                parts.insert(1, f"Email me at teacher{i}@gmail.com")
            elif roll < 0.07:
                parts.insert(1, f"Drop off at {rng.randint(1, 999)} {rng.choice(STREETS)}")
            elif roll < 0.08:
                parts.insert(1, f"Grade 5 trip to the {rng.choice(PLACES)} on Thursday at 9:30")
            text = ". ".join(p.strip() for p in parts)[:196]
            if rng.random() < 0.5:  # real posts carry emoji (and so are not plain ASCII)
                text += " " + "".join(rng.sample(EMOJI, 2))
            item = {"type": "post", "platform": "x", "account": "ClassA", "id": f"p{i}",
                    "created_at": "2026-05-01T12:00:00Z", "kind": "original", "text": text}
            if rng.random() < 0.1:
                item["media"] = [{"type": "image", "url": f"https://pbs.twimg.com/media/{i}.jpg",
                                  "alt": "Students working at their desks"}]
            if rng.random() < 0.01:
                item["place"] = {"name": "Riverside Secondary School", "lat": 43.4, "lon": -79.7}
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return schools, accounts, roster, items


def privacy_only_config(workdir: Path) -> Path:
    """A settings file whose policy leaves only the privacy text rules on."""
    from auditor.engine import checker_classes

    others = sorted(c.id for c in checker_classes() if c.id not in PRIVACY_TEXT_RULES)
    policy = workdir / "policy.toml"
    policy.write_text("".join(f"[rules.{rid}]\nenabled = false\n" for rid in others), encoding="utf-8")
    config = workdir / "auditor.toml"
    config.write_text(f'[checks]\npolicy_file = "{policy}"\n', encoding="utf-8")
    return config


def auditor_command() -> list[str]:
    script = Path(sys.executable).parent / "auditor"
    return [str(script)] if script.exists() else [shutil.which("auditor") or "auditor"]


def run_check(config: Path, items: Path, roster: Path, schools: Path, accounts: Path, out: Path) -> float:
    cmd = auditor_command() + ["--config", str(config), "check", str(items), "--roster", str(roster),
                               "--schools", str(schools), "--accounts", str(accounts), "--format", "json"]
    start = time.perf_counter()
    with out.open("w") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE, text=True, cwd=REPO)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"auditor check failed ({proc.returncode}): {proc.stderr}")
    return elapsed


def baseline(items: Path, roster: Path) -> tuple[float, float, int, float]:
    """(automaton build seconds, pass seconds, hits, CPU seconds): the least a name matcher does."""
    import ahocorasick

    cpu = time.process_time()
    start = time.perf_counter()
    auto = ahocorasick.Automaton()
    with roster.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for first in {row["first_name"], row["preferred_name"]} - {""}:
                key = f"{first} {row['last_name']}".lower()
                auto.add_word(key, key)
    auto.make_automaton()
    built = time.perf_counter()
    hits = 0
    with items.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            texts = [item.get("text") or ""]
            texts += [m.get("alt") or "" for m in item.get("media") or ()]
            if isinstance(item.get("quoted"), dict):
                texts.append(item["quoted"].get("text") or "")
            for text in texts:
                for _ in auto.iter(text.lower()):
                    hits += 1
    done = time.perf_counter()
    return built - start, done - built, hits, time.process_time() - cpu


def baseline_startup() -> float:
    """Wall time of starting an interpreter that imports what the baseline uses (best of three)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import json, csv, ahocorasick"], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=50_000)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, help="where to generate the data (default: a temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    args = ap.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="privacy-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        schools, accounts, roster, items = make_board(workdir, args.students, args.posts)
        size_mb = items.stat().st_size / 1e6
        print(f"machine: {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (other work on the machine skews timings)")
        print(f"generated {args.students} students, {args.posts} posts ({size_mb:.1f} MB JSON Lines) "
              f"in {time.perf_counter() - t0:.1f} s")
        config = privacy_only_config(workdir)

        out = workdir / "findings.json"
        wall = run_check(config, items, roster, schools, accounts, out)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb = usage.ru_maxrss / 1024
        check_cpu = usage.ru_utime + usage.ru_stime
        findings = json.loads(out.read_text(encoding="utf-8"))
        by_rule: dict[str, int] = {}
        for f in findings:
            rid = f["rule"].split()[0]
            by_rule[rid] = by_rule.get(rid, 0) + 1

        one = workdir / "one.jsonl"
        with items.open(encoding="utf-8") as fh:
            one.write_text(fh.readline(), encoding="utf-8")
        fixed = run_check(config, one, roster, schools, accounts, workdir / "one.json")

        build, scan, hits, base_cpu = baseline(items, roster)
        base_total = build + scan
        startup = baseline_startup()
        print(f"auditor check (rules {', '.join(sorted(PRIVACY_TEXT_RULES))}): {wall:.2f} s wall, "
              f"peak RSS {peak_mb:.0f} MB, {len(findings)} findings {dict(sorted(by_rule.items()))}")
        print(f"  of which fixed cost (same command on 1 post: start-up, roster, automaton): {fixed:.2f} s")
        print(f"  per post after the fixed cost: {(wall - fixed) / args.posts * 1e6:.0f} µs")
        print(f"baseline (json.loads + lower + one pyahocorasick automaton): build {build:.2f} s + "
              f"pass {scan:.2f} s = {base_total:.2f} s ({hits} raw hits)")
        ratio = wall / base_total
        print(f"ratio auditor check / baseline: {ratio:.2f}x (target <= 5x: {'met' if ratio <= 5 else 'NOT MET'}); "
              f"variable part only: {(wall - fixed) / scan:.2f}x the baseline pass")
        print(f"  the baseline runs in this process: it pays no interpreter start-up; a bare `python -c "
              f"'import json, csv, ahocorasick'` takes {startup:.2f} s (ratio counting it in the baseline: "
              f"{wall / (base_total + startup):.2f}x; the target is judged on the ratio above)")
        print(f"CPU time (not skewed by other processes): auditor check {check_cpu:.2f} s, baseline "
              f"{base_cpu:.2f} s, ratio {check_cpu / base_cpu:.2f}x")
        print(f"peak memory: {peak_mb:.0f} MB (target <= 300 MB: {'met' if peak_mb <= 300 else 'NOT MET'})")
    finally:
        if args.keep or args.workdir:
            print(f"data kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
