"""Writes the demo's sample data exports, in each platform's real export format.

    python config/sample/make_exports.py

One export per format, each for an account of the sample board (accounts.csv), so `auditor demo`
imports them as a teacher would (`auditor import PLATFORM:HANDLE FILE`, listed in
exports/manifest.csv):

- x_MrHalvorsenSci.zip            X archive of x:MrHalvorsenSci
- mastodon_mme_bouchard.tar.gz    Mastodon archive of mastodon:mme_bouchard@mastodon.example
  (+ following_accounts.csv beside it)
- bluesky_ospreyarm.car           Bluesky repository (CAR v1, real MST) of bluesky:ospreyarm.bsky.social
- instagram_fernhill.ps.zip       Instagram JSON export of instagram:fernhill.ps

Most items are ordinary school news; a few break the procedure on purpose, and
exports/expected.csv lists the categories each is meant to raise (the rest must stay quiet):
a student's full name from the sample roster, a GPS-tagged photo, a personal e-mail address, a
retweet of profanity. Deterministic: fixed texts and dates, so a rerun changes no item id.
"""

from __future__ import annotations

import csv
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from connectors.exports import car_writer as cw  # noqa: E402
from connectors.exports import writers as w  # noqa: E402

OUT = HERE / "exports"
T0 = datetime(2026, 9, 8, 13, 0, tzinfo=timezone.utc)
MILLBROOK_GPS = (44.2147, -79.8812)   # a yard near the (fictional) Millbrook school
FERNHILL_GPS = (43.5183, -79.8774)
OSPREY_DID = "did:plc:o5preyarmelementaryschoo"
MASTODON = "https://mastodon.example"


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def x_export(expected: list[tuple[str, str]]) -> Path:
    benign = [
        "Lab safety quiz tomorrow. Goggles on, hair tied back, no exceptions!",
        "Grade 11 chemistry: today we balanced equations with coloured beads.",
        "Reminder: science fair proposals are due Friday in room 212.",
        "Our physics class measured g with a pendulum: 9.79 m/s², close!",
        "Thank you to the parent council for funding the new microscopes.",
        "Biology field notes: 17 bird species counted around the school pond.",
        "Homework help runs Tuesdays and Thursdays at lunch in the library.",
        "Earth science: the rock cycle, explained with crayons and a hot plate.",
        "Congratulations to the grade 12 class on great results in the chemistry olympiad.",
        "Our science club visited the planetarium. Next stop: the observatory night.",
        "Midterm review sheets are posted on the class site.",
        "Happy World Ocean Day! We tested the salinity of three water samples.",
    ]
    tweets = [w.x_tweet(1830000000000000000 + i, text, at(i)) for i, text in enumerate(benign)]
    n = 1830000000000000100
    tweets.append(w.x_tweet(n, "Huge congratulations to Felix Haddad, provincial science olympiad gold medallist!",
                            at(13)))
    expected.append((f"x:{n}", "student-name"))
    tweets.append(w.x_tweet(n + 1, "Our lab garden is thriving this week", at(14),
                            media=[("GardenLab01.jpg", "photo")]))
    expected.append((f"x:{n + 1}", "location"))
    tweets.append(w.x_tweet(n + 2, "RT @rant_account_42: this new bell schedule is absolute bullshit", at(15)))
    expected.append((f"x:{n + 2}", "explicit"))
    tweets.append(w.x_tweet(n + 3, "RT @CVDSB_Official: Board offices are closed Monday for Thanksgiving.", at(16)))
    tweets.append(w.x_tweet(n + 4, "@CoachMarcellaR Thanks for lending the stopwatches!", at(17),
                            reply_to=("1829999999999999999", "CoachMarcellaR")))
    planted = {e[0] for e in expected}
    expected += [(f"x:{tw['id_str']}", "") for tw in tweets if f"x:{tw['id_str']}" not in planted]
    likes = [{"tweetId": "1829000000000000001", "fullText": "Science outreach week starts Monday across the region!",
              "expandedUrl": "https://twitter.com/i/web/status/1829000000000000001"}]
    path = OUT / "x_MrHalvorsenSci.zip"
    w.write_x_archive(
        path,
        account={"username": "MrHalvorsenSci", "accountId": "1500000000000000042", "createdVia": "web",
                 "createdAt": "2021-08-30T12:00:00.000Z", "accountDisplayName": "Mr. Halvorsen",
                 "email": "e.halvorsen@cvdsb.example.ca"},
        profile={"description": {"bio": "Science teacher at Millbrook CSS. Chemistry, physics and curiosity.",
                                 "website": "https://mcss.cvdsb.example.ca/science", "location": ""}},
        tweets=tweets, likes=likes, following=["1600000000000000001", "1600000000000000002"],
        media={f"{n + 1}-GardenLab01.jpg": w.jpeg(*MILLBROOK_GPS, color=(70, 150, 80))},
    )
    return path


def mastodon_export(expected: list[tuple[str, str]]) -> Path:
    user = "mme_bouchard"
    notes = [
        "<p>Bonne rentrée à toutes et à tous! Les cahiers sont prêts.</p>",
        "<p>Cette semaine en 3e année: les fractions avec des blocs.</p>",
        "<p>Merci aux familles pour les dons à la banque alimentaire.</p>",
        "<p>Our reading corner has 40 new French picture books. Merci!</p>",
        "<p>La dictée de vendredi portera sur les mots de la semaine.</p>",
        "<p>Journée pédagogique lundi: pas de classe pour les élèves.</p>",
        "<p>Sortie au musée jeudi dernier: quelle belle journée d’apprentissage!</p>",
    ]
    acts = [w.mastodon_note(MASTODON, user, 113000000000000000 + i, html, at(i)) for i, html in enumerate(notes)]
    sid = 113000000000000100
    acts.append(w.mastodon_note(MASTODON, user, sid, "<p>Pour toute question sur le voyage, écrivez-moi à "
                                "nathalie.bouchard.perso@gmail.com ce soir.</p>", at(9)))
    acts.append(w.mastodon_note(MASTODON, user, sid + 1, "<p>Nos bricolages d’automne</p>", at(10), attachments=[
        w.mastodon_attachment("/media_attachments/files/113/000/000/original/a1b2c3.jpg",
                              "Feuilles d’érable collées sur du carton")]))
    acts.append(w.mastodon_boost(MASTODON, user, sid + 2, "https://mastodon.example/users/cvdsb/statuses/4242", at(11)))
    for a in acts:
        obj = a["object"]
        sid_uri = obj["id"] if isinstance(obj, dict) else a["id"].removesuffix("/activity")
        cats = "contact-info" if sid_uri.endswith(str(sid)) else ""
        expected.append((f"mastodon:{sid_uri}", cats))
    folder = OUT
    path = folder / "mastodon_mme_bouchard.tar.gz"
    w.write_mastodon_archive(
        path, actor=w.mastodon_actor(MASTODON, user, "Mme Bouchard", "<p>Enseignante de 3e année, école Osprey Arm.</p>"),
        activities=acts, likes=["https://mastodon.example/users/cvdsb/statuses/4240"],
        media={"/media_attachments/files/113/000/000/original/a1b2c3.jpg": w.jpeg(color=(200, 120, 40))},
        total=len(acts),
    )
    w.write_following_csv(folder / "following_accounts.csv", ["cvdsb@mastodon.example", "bibliotheque@mastodon.example"])
    return path


def bluesky_export(expected: list[tuple[str, str]]) -> Path:
    texts = [
        "Welcome back, Osprey Arm families! Doors open at 8:30.",
        "Our kindergarten garden grew 12 pumpkins this year 🎃",
        "Book fair all week in the library. Every purchase supports our classroom libraries.",
        "Terry Fox Run on Friday: thank you to everyone who pledged!",
        "Picture day is October 3. Forms went home today.",
        "Our grade 4 classes are learning to code with micro:bits.",
        "Thank you to our crossing guards for keeping everyone safe.",
    ]
    records = [("app.bsky.actor.profile", "self", {"$type": "app.bsky.actor.profile", "displayName": "Osprey Arm ES",
                                                   "description": "Osprey Arm Elementary School, Cedar Valley DSB"})]
    for i, text in enumerate(texts):
        rkey = cw.tid(int(at(i).timestamp() * 1_000_000))
        records.append(("app.bsky.feed.post", rkey, {"$type": "app.bsky.feed.post", "text": text,
                                                     "createdAt": at(i).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                                     "langs": ["en"]}))
        expected.append((f"bluesky:at://{OSPREY_DID}/app.bsky.feed.post/{rkey}", ""))
    rkey = cw.tid(int(at(8).timestamp() * 1_000_000))
    records.append(("app.bsky.feed.post", rkey, {
        "$type": "app.bsky.feed.post", "text": "Our reading champion of the month!",
        "createdAt": at(8).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "embed": {"$type": "app.bsky.embed.images", "images": [
            {"alt": "Owen Fitzgerald-Ryan holding his reading award",
             "image": cw.blob_ref(b"demo-award-photo", "image/jpeg")}]}}))
    expected.append((f"bluesky:at://{OSPREY_DID}/app.bsky.feed.post/{rkey}", "student-name"))
    first_post = records[1][1]
    repost = cw.tid(int(at(9).timestamp() * 1_000_000))
    records.append(("app.bsky.feed.repost", repost, {
        "$type": "app.bsky.feed.repost", "createdAt": at(9).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "subject": {"uri": f"at://{OSPREY_DID}/app.bsky.feed.post/{first_post}",
                    "cid": "bafyreihfgpbwdbflv4yjqhqzk4xrc3dvb4smbfwrde6pruyy6jbpmc5xwi"}}))
    expected.append((f"bluesky:at://{OSPREY_DID}/app.bsky.feed.repost/{repost}", ""))
    follow = cw.tid(int(at(10).timestamp() * 1_000_000))
    records.append(("app.bsky.graph.follow", follow, {"$type": "app.bsky.graph.follow",
                                                      "createdAt": at(10).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                                      "subject": "did:plc:cvdsbofficialboardaccoun"}))
    expected.append((f"bluesky:at://{OSPREY_DID}/app.bsky.graph.follow/{follow}", ""))
    path = OUT / "bluesky_ospreyarm.car"
    cw.write_car(path, OSPREY_DID, records, rev=cw.tid(int(at(11).timestamp() * 1_000_000)))
    return path


def instagram_export(expected: list[tuple[str, str]]) -> Path:
    base = int(at(0).timestamp())
    captions = [
        "Journée portes ouvertes à Fernhill: merci d’être venus si nombreux!",
        "Our primary choir warming up for the fall concert 🎶",
        "Grade 1 explored shapes on the playground today.",
        "Fall colours in our outdoor classroom 🍁",
        "Pizza lunch Friday, thank you to our school council!",
    ]
    posts, media = [], {}
    for i, cap in enumerate(captions):
        uri = f"media/posts/202609/1790000000000000{i}.jpg"
        posts.append(w.instagram_post(cap, base + i * 86400, [uri]))
        media[uri] = w.jpeg(color=(120 + i * 20, 160, 200))
        expected.append((f"instagram:{uri}", ""))
    uri = "media/posts/202609/17900000000000099.jpg"
    posts.append(w.instagram_post("Sortie au verger: les pommes sont prêtes!", base + 8 * 86400, [uri]))
    media[uri] = w.jpeg(*FERNHILL_GPS, color=(180, 60, 50))
    expected.append((f"instagram:{uri}", "location"))
    files = {
        "your_instagram_activity/media/posts_1.json": posts,
        "connections/followers_and_following/following.json": w.instagram_list(
            "relationships_following", [("cvdsb_official", "https://www.instagram.com/cvdsb_official", base)]),
        "your_instagram_activity/likes/liked_posts.json": w.instagram_list(
            "likes_media_likes", [("cvdsb_official", "https://www.instagram.com/p/DemoPost1/", base)]),
        "personal_information/personal_information/personal_information.json": w.instagram_profile(
            "fernhill.ps", "Fernhill Public School", "École Fernhill · Cedar Valley DSB"),
    }
    path = OUT / "instagram_fernhill.ps.zip"
    w.write_meta_zip(path, files, media)
    return path


def main() -> None:
    OUT.mkdir(exist_ok=True)
    expected: list[tuple[str, str]] = []
    manifest = [
        ("x:MrHalvorsenSci", x_export(expected)),
        ("mastodon:mme_bouchard@mastodon.example", mastodon_export(expected)),
        ("bluesky:ospreyarm.bsky.social", bluesky_export(expected)),
        ("instagram:fernhill.ps", instagram_export(expected)),
    ]
    with (OUT / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["account", "file"])
        out.writerows((acct, p.name) for acct, p in manifest)
    with (OUT / "expected.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["item_id", "categories"])
        out.writerows(expected)


if __name__ == "__main__":
    main()
