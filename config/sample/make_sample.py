"""Writes the demo's sample board: Cedar Valley District School Board, entirely fictional.

Run `python config/sample/make_sample.py` to regenerate schools.csv, accounts.csv, roster.csv and
activity/*.jsonl. The generator is deterministic (fixed seed) and records, next to the activity,
`expected.csv`: the categories each planted item is meant to raise, which the functional test
compares with what the pipeline finds. Phone numbers use the fictional 555-01xx range.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOMAIN = "cvdsb.example.ca"

SCHOOLS = [
    ("MCSS", "Millbrook Collegiate Secondary School", f"r.okafor@{DOMAIN}", "MCSS;Millbrook Collegiate;Millbrook CSS"),
    ("FHPS", "Fernhill Public School", f"j.desrosiers@{DOMAIN}", "FHPS;Fernhill"),
    ("OAES", "Osprey Arm Elementary School", f"k.whitfield@{DOMAIN}", "OAES;Osprey Arm"),
]

ACCOUNTS = [
    ("x", "MillbrookCSS", "school", "MCSS", "Rita Okafor", f"r.okafor@{DOMAIN}", f"r.okafor@{DOMAIN}", "env:X_TOKEN_MCSS"),
    ("x", "MCSS_Athletics", "department", "MCSS", "Tom Brennan", f"t.brennan@{DOMAIN}", "", "env:X_TOKEN_MCSS_ATH"),
    ("x", "MrHalvorsenSci", "classroom", "MCSS", "Erik Halvorsen", f"e.halvorsen@{DOMAIN}", "", "env:X_TOKEN_HALVORSEN"),
    ("bluesky", "millbrookdrama.bsky.social", "club", "MCSS", "Priya Nair", f"p.nair@{DOMAIN}", "", "env:BSKY_PW_DRAMA"),
    ("mastodon", "mcss_library@mastodon.example", "department", "MCSS", "Ada Lindqvist", f"a.lindqvist@{DOMAIN}", f"r.okafor@{DOMAIN}", "env:MASTO_TOKEN_LIB"),
    ("instagram", "fernhill.ps", "school", "FHPS", "Julie Desrosiers", f"j.desrosiers@{DOMAIN}", f"j.desrosiers@{DOMAIN}", "env:IG_TOKEN_FHPS"),
    ("instagram", "msokoro.grade2", "classroom", "FHPS", "Grace Okoro", f"g.okoro@{DOMAIN}", "", "env:IG_TOKEN_OKORO"),
    ("x", "FernhillGr5Lee", "classroom", "FHPS", "Daniel Lee", f"d.lee@{DOMAIN}", "", "env:X_TOKEN_LEE"),
    ("youtube", "FernhillMusic", "department", "FHPS", "Sofia Marino", f"s.marino@{DOMAIN}", f"j.desrosiers@{DOMAIN}", "env:YT_KEY"),
    ("blog", "osprey-readers", "classroom", "OAES", "Liam Tremblay", f"l.tremblay@{DOMAIN}", "", ""),
    ("bluesky", "ospreyarm.bsky.social", "school", "OAES", "Karen Whitfield", f"k.whitfield@{DOMAIN}", "", "env:BSKY_PW_OAES"),
    ("mastodon", "mme_bouchard@mastodon.example", "professional", "OAES", "Nathalie Bouchard", f"n.bouchard@{DOMAIN}", "", "env:MASTO_TOKEN_BOUCHARD"),
]

FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Chloé", "Lucas", "Mia", "Arjun", "Zara", "Mateo",
         "Hana", "Kai", "Leila", "Owen", "Ines", "Tariq", "Nora", "Felix", "Aisha", "Jonah", "Sienna", "Ravi"]
LAST = ["Abernathy", "Kowalczyk", "Nakamura", "Osei", "Fitzgerald-Ryan", "Delacroix", "Van der Berg", "Mbeki",
        "Sørensen", "Castellano", "Haddad", "Pereira", "Lindgren", "Achterberg", "Quintero", "Whitcombe"]

# Students the planted items name; fixed so the expectations stay readable.
PLANTED_STUDENTS = [
    # id, first, last, preferred, school, grade, consent, safety, handles
    ("CV1001", "Marisol", "Quintero", "", "MCSS", "11", "yes", "no", "x:mari_q_2027"),
    ("CV1002", "Theodore", "Achterberg", "Teddy", "MCSS", "10", "no", "no", ""),
    ("CV1003", "Zoë", "Lindgren", "", "FHPS", "5", "yes", "no", ""),
    ("CV1004", "Kwame", "Osei", "", "FHPS", "2", "yes", "yes", ""),
    ("CV1005", "Isabela", "Pereira-Santos", "", "OAES", "4", "unknown", "no", "bluesky:isa-ps.bsky.social"),
]

BENIGN = [
    "Reminder: picture retake day is next week. Forms went home in agendas.",
    "Our grade {g} scientists tested which paper towel absorbs the most water today. Great hypotheses!",
    "The library has 40 new graphic novels on the shelf. Come browse at lunch!",
    "Congratulations to our cross-country runners on a strong finish at the regional meet.",
    "Parent-teacher interviews are booked through the school website. See you there!",
    "Thank you to everyone who donated to the food drive: 612 items collected!",
    "Our choir rehearsed the winter concert set today. It sounds wonderful.",
    "Reading buddies met for the first time this week. Big smiles all around.",
    "Math tip of the week: estimate first, then calculate, then check.",
    "The robotics club is looking for volunteer mentors. Email the office if you can help.",
    "Snow day? Check the board website before 6:30 a.m. for bus cancellations.",
    "Students designed bridges out of popsicle sticks. The strongest held 14 kg!",
    "Field notes from our schoolyard bioblitz: 23 species identified so far.",
    "We are proud of our student council for organising the kindness week.",
    "Grade {g} explored fractions with pattern blocks this morning.",
    "Professional development day on Friday: no classes for students.",
    "Our art show opens Thursday evening in the gym. All families welcome.",
    "New bike racks are installed by the north doors. Remember your helmet!",
    "Literacy night was a hit. Thanks to the families who came out.",
    "The orchestra is fundraising for new music stands this spring.",
    "Spirit day tomorrow: wear green and gold!",
    "Coding club built their first games in Scratch this week.",
    "Track and field tryouts start Monday after school on the back field.",
    "Our gardening club planted garlic for next summer's harvest.",
]
BENIGN_FOLLOWS = [
    ("CVDSB_Official", "Cedar Valley DSB", "Official account of the Cedar Valley District School Board"),
    ("OntScienceCentreFan", "Science Outreach", "Hands-on science programs for schools across the province"),
    ("CoachMarcellaR", "Coach Marcella", "Coach · Millbrook CSS senior basketball · parent of two"),
    ("MillbrookPL", "Millbrook Public Library", "Your local library: books, programs and makerspace"),
    ("RegionalArtsCouncil", "Regional Arts Council", "Supporting arts education in our region"),
    ("MrsPatelTeaches", "Mrs. Patel", "Grade 3 teacher · Fernhill PS · lifelong learner"),
    ("MCSS_Alumni", "Millbrook Alumni", "Alumni association · class of 1998 and beyond"),
]

# Planted items: (account index, text or item overrides, expected categories).
PLANTED = [
    (0, {"text": "Huge congratulations to Marisol Quintero, named athlete of the month! 🏆"}, ["student-name"]),
    (2, {"text": "Shout-out to Teddy Achterberg for a brilliant lab report this week."}, ["student-name"]),
    (7, {"text": "Happy birthday #ZoeLindgren from all of us in room 14! 🎉"}, ["student-name"]),
    (6, {"text": "Look at our amazing readers today!",
         "media": [{"type": "image", "url": "https://scontent.cdninstagram.com/v/p1.jpg",
                    "alt": "Kwame Osei reading to the class"}]}, ["student-name"]),
    (0, {"text": "Bus leaves for the science fair finals at the Millbrook Exhibition Centre, 145 Harrow Road, "
                 "on Friday at 8:15 a.m. Students meet at the front doors."}, ["location"]),
    (3, {"text": "Rehearsal photos from tonight!",
         "place": {"name": "Millbrook Community Theatre", "lat": 44.213, "lon": -79.882}}, ["location"]),
    (7, {"text": "Questions about the field trip form? Text me on my cell at 905-555-0143."}, ["contact-info"]),
    (1, {"text": "Volunteers for the tournament can reach me at tommy.brennan77@gmail.com"}, ["contact-info"]),
    (1, {"text": "Nothing beats a cold beer on the patio after a long week of coaching 🍺🍺"}, ["substances"]),
    (3, {"kind": "repost", "text": "This rehearsal schedule is absolute sh1t, who made this",
         "author": {"handle": "randomtheatrekid.bsky.social", "name": "rtk"}}, ["explicit"]),
    (4, {"text": "Everyone get out and vote Conservative on election day! Our library budget depends on it."},
     ["political"]),
    (11, {"text": "Venez prier avec nous dimanche à l'église Saint-Jude, tous sont les bienvenus pour la messe!"},
     ["religious"]),
    (2, {"text": "Selling my old road bike, great condition, $300 OBO. Message me!"}, ["personal-content"]),
    (8, {"text": "For my weekend gigs and personal stuff follow me at @sofia.sings.live on Instagram"},
     ["personal-content"]),
]
PLANTED_FOLLOWS = [
    (0, {"handle": "mari_q_2027", "name": "Mari", "bio": "volleyball · music"}, ["student-follow"]),
    (10, {"handle": "isa-ps.bsky.social", "name": "isa", "bio": ""}, ["student-follow"]),
    (2, {"handle": "jaydenplays09", "name": "Jayden", "bio": "grade 10 at Millbrook Collegiate 🏀 class of 2029"},
     ["student-follow"]),
]
# Endorsements: a like of someone else's post carrying a student's name.
PLANTED_LIKES = [
    (5, {"text": "So proud of my niece Isabela Pereira-Santos at the Fernhill spelling bee!",
         "author": {"handle": "auntie_rosa", "name": "Rosa"}}, ["student-name"]),
]
# Near-misses that must stay quiet.
HARD_NEGATIVES = [
    (0, {"text": "Great job Marisol on the school record!"}),
    (2, {"text": "Today's health class covered the risks of vaping and how to say no. Great questions!"}),
    (4, {"text": "Our grade 10 civics class held a mock election today. Turnout: 94%!"}),
    (11, {"text": "Joyeux Diwali et bonne fête à toutes les familles qui célèbrent!"}),
    (9, {"text": "Questions? Email me at l.tremblay@" + DOMAIN + " any time."}),
    (7, {"text": "We read a story by Robert Munsch today. The students loved it."}),
]


def platform_item_id(platform: str, n: int) -> str:
    return f"{platform}:demo-{n:05d}"


def url_for(platform: str, handle: str, n: int) -> str:
    return {
        "x": f"https://x.com/{handle}/status/{1800000000000 + n}",
        "bluesky": f"https://bsky.app/profile/{handle}/post/demo{n}",
        "mastodon": f"https://{handle.split('@')[-1]}/@{handle.split('@')[0]}/{110000 + n}",
        "instagram": f"https://www.instagram.com/p/DEMO{n}/",
        "youtube": f"https://www.youtube.com/watch?v=demo{n:05d}",
        "blog": f"https://blogs.{DOMAIN}/{handle}/{n}",
    }[platform]


def main() -> None:
    rnd = random.Random(20261128)
    with (HERE / "schools.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "principal_email", "aliases"])
        w.writerows(SCHOOLS)
    with (HERE / "accounts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["platform", "handle", "kind", "school", "owner_name", "owner_email", "approved_by", "credential"])
        w.writerows(ACCOUNTS)
    with (HERE / "roster.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student_id", "first_name", "last_name", "preferred_name", "school", "grade",
                    "media_consent", "safety_flag", "handles"])
        w.writerows(PLANTED_STUDENTS)
        for i in range(55):
            school = SCHOOLS[i % 3][0]
            grade = str(rnd.randint(9, 12) if school == "MCSS" else rnd.randint(1, 8))
            consent = rnd.choice(["yes"] * 6 + ["no", "unknown"])
            w.writerow([f"CV2{i:03d}", rnd.choice(FIRST), rnd.choice(LAST), "", school, grade, consent,
                        "yes" if i % 23 == 0 else "no", ""])

    start = datetime(2026, 9, 2, 13, 0, tzinfo=timezone.utc)
    items, expected, n = [], [], 0

    def add(acc_idx: int, item: dict, cats: list[str]) -> None:
        nonlocal n
        n += 1
        platform, handle = ACCOUNTS[acc_idx][0], ACCOUNTS[acc_idx][1]
        when = start + timedelta(hours=n * 7 + rnd.randint(0, 5), minutes=rnd.randint(0, 59))
        base = {"platform": platform, "account": handle, "id": platform_item_id(platform, n),
                "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
        item = {**base, **item}
        items.append(item)
        expected.append((item["id"], ";".join(cats)))

    plan = ([("post", p) for p in PLANTED] + [("follow", p) for p in PLANTED_FOLLOWS]
            + [("like", p) for p in PLANTED_LIKES] + [("neg", p) for p in HARD_NEGATIVES])
    benign_slots = 260
    slots = ["benign"] * benign_slots + plan
    rnd.shuffle(slots)
    for slot in slots:
        if slot == "benign":
            acc = rnd.randrange(len(ACCOUNTS))
            if rnd.random() < 0.12:
                handle, name, bio = rnd.choice(BENIGN_FOLLOWS)
                add(acc, {"type": "follow", "target": {"id": str(rnd.randint(10**8, 10**9)), "handle": handle,
                                                       "name": name, "bio": bio}}, [])
                continue
            text = rnd.choice(BENIGN).format(g=rnd.randint(1, 8))
            platform, handle = ACCOUNTS[acc][0], ACCOUNTS[acc][1]
            add(acc, {"type": "post", "kind": "original", "text": text, "url": url_for(platform, handle, n + 1),
                      "visibility": "public"}, [])
            continue
        kind, (acc, fields, *rest) = slot
        cats = rest[0] if rest else []
        platform, handle = ACCOUNTS[acc][0], ACCOUNTS[acc][1]
        if kind in ("post", "neg"):
            add(acc, {"type": "post", "kind": "original", "url": url_for(platform, handle, n + 1),
                      "visibility": "public", **fields}, cats)
        elif kind == "follow":
            add(acc, {"type": "follow", "target": {"id": str(rnd.randint(10**8, 10**9)), **fields}}, cats)
        elif kind == "like":
            post = {"type": "post", "platform": platform, "id": f"{platform}:other-{n}", "kind": "original", **fields}
            add(acc, {"type": "like", "post": post}, cats)
    for i, (platform, handle, kind, _school, owner, *_rest) in enumerate(ACCOUNTS):
        add(i, {"type": "profile", "name": f"{owner} ({kind} account)", "bio": "Official professional account",
                "url": url_for(platform, handle, 0)}, [])

    act = HERE / "activity"
    act.mkdir(exist_ok=True)
    for f in act.glob("*.jsonl"):
        f.unlink()
    by_platform: dict[str, list[dict]] = {}
    for it in items:
        by_platform.setdefault(it["platform"], []).append(it)
    for platform, its in sorted(by_platform.items()):
        with (act / f"{platform}.jsonl").open("w", encoding="utf-8") as fh:
            for it in its:
                fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    with (HERE / "expected.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["item_id", "categories"])
        w.writerows(expected)
    print(f"wrote {len(items)} items for {len(ACCOUNTS)} accounts in {act}")


if __name__ == "__main__":
    main()
