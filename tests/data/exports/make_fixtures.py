"""Writes the export fixtures in this folder: one small real-format export per platform, and the
malformed variants the importers must refuse.

    .venv/bin/python tests/data/exports/make_fixtures.py [OUT_DIR]

Every fixture carries non-ASCII text, a photo with EXIF GPS where the format holds photos, and a
boost/retweet/repost where the platform has them; the tests assert on these exact contents.
"""

from __future__ import annotations

import io
import sys
import tarfile
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from connectors.exports import car_writer as cw  # noqa: E402
from connectors.exports import writers as w  # noqa: E402

HERE = Path(__file__).resolve().parent
T0 = datetime(2024, 3, 4, 15, 30, 0, tzinfo=timezone.utc)
GPS = (43.4675, -79.6877)
BSKY_DID = "did:plc:w4xbfzo7kqfes5zb7r6qv3rw"
OTHER_DID = "did:plc:ragtjsm2j2vknwkz3zp4oxrd"


def x_archive(out: Path) -> Path:
    photo = w.jpeg(*GPS)
    long_text = ("Our robotics team spent the whole weekend at the provincial finals, and I want to thank "
                 "every parent volunteer who drove, cooked and cheered. " * 3).strip()
    tweets = [
        w.x_tweet(1001, "Félicitations à l'équipe de robotique 🤖 — great work at regionals!", T0),
        w.x_tweet(1002, "Field trip to the conservation area today", T0 + timedelta(hours=1),
                  media=[("FgPhoto1.jpg", "photo")]),
        w.x_tweet(1003, "@parentcouncil Thanks, see you Thursday & bring snacks", T0 + timedelta(hours=2),
                  reply_to=("990", "parentcouncil")),
        w.x_tweet(1004, "RT @newsdesk: Storm warning tonight: buses cancelled tomorrow", T0 + timedelta(hours=3)),
        w.x_tweet(1005, "RT @mathfacts: π day is coming", T0 + timedelta(hours=4),
                  retweeted=w.x_tweet(777, "π day is coming — 3.14159 reasons to celebrate", T0) | {
                      "user": {"screen_name": "mathfacts", "name": "Math Facts"}}),
        w.x_tweet(1006, "Worth reading https://t.co/q1", T0 + timedelta(hours=5),
                  urls=[("https://t.co/q1", "https://twitter.com/otherteacher/status/999")]),
        w.x_tweet(1007, "Setting up for the science fair", T0 + timedelta(hours=6), coordinates=GPS),
        w.x_tweet(1008, long_text[:270] + "… https://t.co/long1", T0 + timedelta(hours=7)),
        w.x_tweet(1009, "Clip from the concert", T0 + timedelta(hours=8), media=[("concert.mp4", "video")]),
    ]
    likes = [{"tweetId": "5001", "fullText": "Bonne fête nationale! ⚜️", "expandedUrl": "https://twitter.com/i/web/status/5001"},
             {"tweetId": "5002", "fullText": "Reading week starts Monday", "expandedUrl": "https://twitter.com/i/web/status/5002"}]
    return w.write_x_archive(
        out / "x_archive.zip",
        account={"email": "teacher@example.org", "createdVia": "web", "username": "lakeview_math",
                 "accountId": "4242", "createdAt": "2019-08-30T12:00:00.000Z", "accountDisplayName": "Mme Lévesque"},
        profile={"description": {"bio": "Grade 9 math at Lakeview SS. Café &amp; calculus.",
                                 "website": "https://lakeview.example.org/math", "location": "Mississauga"},
                 "avatarMediaUrl": "https://pbs.twimg.com/profile_images/1/a.jpg"},
        tweets=tweets, notes=[w.x_note("n1", long_text, T0 + timedelta(hours=7))], likes=likes,
        following=["111", "222", "333"], media={"1002-FgPhoto1.jpg": photo, "1009-concert.mp4": b"\x00" * 64},
    )


def mastodon_archive(out: Path) -> Path:
    base, user = "https://mastodon.example", "lakeview_science"
    folder = out / "mastodon"
    folder.mkdir(exist_ok=True)
    photo_path = "/media_attachments/files/111/222/333/original/5f1c2a.jpg"
    acts = [
        w.mastodon_note(base, user, 1, "<p>Bienvenue à la semaine des sciences! 🔬</p><p>Line two</p>", T0),
        w.mastodon_note(base, user, 2, '<p>Our results: <a href="https://lakeview.example.org/fair">'
                        '<span class="invisible">https://</span>lakeview.example.org/fair</a></p>',
                        T0 + timedelta(hours=1)),
        w.mastodon_note(base, user, 3, "<p>Pond study this morning</p>", T0 + timedelta(hours=2),
                        attachments=[w.mastodon_attachment(photo_path, "Students’ nets at the pond edge")]),
        w.mastodon_note(base, user, 4, "<p>@colleague agreed!</p>", T0 + timedelta(hours=3),
                        reply_to="https://other.example/users/colleague/statuses/77"),
        w.mastodon_note(base, user, 5, "<p>Spoilers for the quiz</p>", T0 + timedelta(hours=4),
                        summary="quiz answers", visibility="followers"),
        w.mastodon_boost(base, user, 6, "https://other.example/users/newsroom/statuses/88", T0 + timedelta(hours=5)),
    ]
    w.write_mastodon_archive(
        folder / "archive.tar.gz",
        actor=w.mastodon_actor(base, user, "Lakeview Science", "<p>Science at Lakeview — «curiosité»</p>",
                               [("Website", '<a href="https://lakeview.example.org">lakeview.example.org</a>')]),
        activities=acts, likes=["https://other.example/users/newsroom/statuses/90",
                                "https://mastodon.example/users/pal/statuses/91"],
        media={photo_path: w.jpeg(*GPS)}, total=len(acts),
    )
    w.write_following_csv(folder / "following_accounts.csv", ["colleague@other.example", "newsroom@other.example"])
    return folder / "archive.tar.gz"


def bluesky_car(out: Path) -> Path:
    img = w.jpeg(*GPS)
    t = lambda h: (T0 + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # noqa: E731
    own_post = f"at://{BSKY_DID}/app.bsky.feed.post/3kabc0000001a"
    records = [
        ("app.bsky.actor.profile", "self", {"$type": "app.bsky.actor.profile", "displayName": "Lakeview Art",
                                            "description": "Art room news — Été 2024"}),
        ("app.bsky.feed.post", "3kabc0000001a", {"$type": "app.bsky.feed.post", "text": "Vernissage ce soir! 🎨",
                                                  "createdAt": t(0), "langs": ["fr"]}),
        ("app.bsky.feed.post", "3kabc0000002a", {
            "$type": "app.bsky.feed.post", "text": "Gallery wall", "createdAt": t(1),
            "embed": {"$type": "app.bsky.embed.images",
                      "images": [{"alt": "Paintings on the hallway wall", "image": cw.blob_ref(img, "image/jpeg"),
                                  "aspectRatio": {"width": 96, "height": 64}}]}}),
        ("app.bsky.feed.post", "3kabc0000003a", {
            "$type": "app.bsky.feed.post", "text": "Agreed", "createdAt": t(2),
            "reply": {"root": {"uri": f"at://{OTHER_DID}/app.bsky.feed.post/3zzz", "cid": "bafyreia"},
                      "parent": {"uri": f"at://{OTHER_DID}/app.bsky.feed.post/3zzz", "cid": "bafyreia"}}}),
        ("app.bsky.feed.post", "3kabc0000004a", {
            "$type": "app.bsky.feed.post", "text": "Reminder:", "createdAt": t(3),
            "embed": {"$type": "app.bsky.embed.record", "record": {"uri": own_post, "cid": "bafyreib"}}}),
        ("app.bsky.feed.post", "3kabc0000005a", {
            "$type": "app.bsky.feed.post", "text": "Look at this", "createdAt": t(4),
            "embed": {"$type": "app.bsky.embed.recordWithMedia",
                      "record": {"$type": "app.bsky.embed.record",
                                 "record": {"uri": f"at://{OTHER_DID}/app.bsky.feed.post/3yyy", "cid": "bafyreic"}},
                      "media": {"$type": "app.bsky.embed.images",
                                "images": [{"alt": "", "image": cw.blob_ref(b"second", "image/png")}]}}}),
        ("app.bsky.feed.repost", "3kabc0000006a", {"$type": "app.bsky.feed.repost", "createdAt": t(5),
                                                   "subject": {"uri": own_post, "cid": "bafyreid"}}),
        ("app.bsky.feed.repost", "3kabc0000007a", {"$type": "app.bsky.feed.repost", "createdAt": t(6),
                                                   "subject": {"uri": f"at://{OTHER_DID}/app.bsky.feed.post/3xxx",
                                                               "cid": "bafyreie"}}),
        ("app.bsky.feed.like", "3kabc0000008a", {"$type": "app.bsky.feed.like", "createdAt": t(7),
                                                 "subject": {"uri": f"at://{OTHER_DID}/app.bsky.feed.post/3www",
                                                             "cid": "bafyreif"}}),
        ("app.bsky.graph.follow", "3kabc0000009a", {"$type": "app.bsky.graph.follow", "createdAt": t(8),
                                                    "subject": OTHER_DID}),
        ("app.bsky.graph.block", "3kabc000000aa", {"$type": "app.bsky.graph.block", "createdAt": t(9),
                                                   "subject": "did:plc:blockedsomeone0000000000"}),
    ]
    # Enough plain posts for a tree of several layers.
    for i in range(60):
        records.append(("app.bsky.feed.post", cw.tid(1_700_000_000_000_000 + i * 1_000_000),
                        {"$type": "app.bsky.feed.post", "text": f"Daily sketch #{i}", "createdAt": t(10 + i)}))
    path = out / "bluesky_repo.car"
    cw.write_car(path, BSKY_DID, records, rev=cw.tid(1_710_000_000_000_000))
    return path


def instagram_zip(out: Path) -> Path:
    photo = w.jpeg(*GPS)
    ts = 1717430400
    files = {
        "your_instagram_activity/media/posts_1.json": [
            w.instagram_post("Été à Montréal ☀️ with the art club", ts, ["media/posts/202406/17900001.jpg"], gps=GPS),
            w.instagram_post("Carrousel: expo", ts + 60, ["media/posts/202406/17900002.jpg",
                                                          "media/posts/202406/17900003.mp4"]),
        ],
        "connections/followers_and_following/following.json": w.instagram_list(
            "relationships_following", [("zoé.artiste", "https://www.instagram.com/zoé.artiste", ts),
                                        ("museum_of_art", "https://www.instagram.com/museum_of_art", ts)]),
        "your_instagram_activity/likes/liked_posts.json": w.instagram_list(
            "likes_media_likes", [("museum_of_art", "https://www.instagram.com/p/C1abc/", ts)]),
        "personal_information/personal_information/personal_information.json": w.instagram_profile(
            "lakeview_art", "Lakeview Art Club", "Arts visuels — école Lakeview", "https://lakeview.example.org/art"),
    }
    media = {"media/posts/202406/17900001.jpg": photo, "media/posts/202406/17900002.jpg": w.jpeg(),
             "media/posts/202406/17900003.mp4": b"\x00" * 32}
    return w.write_meta_zip(out / "instagram.zip", files, media)


def facebook_zip(out: Path) -> Path:
    ts = 1717430400
    files = {
        "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json": [
            {"timestamp": ts, "data": [{"post": "Journée portes ouvertes — merci à tous!"}],
             "title": "Lakeview Parent Council updated their status."},
            {"timestamp": ts + 60, "data": [{"post": "Bake sale at the gym"}],
             "attachments": [{"data": [
                 {"media": {"uri": "your_facebook_activity/posts/media/Album_1/4411.jpg", "creation_timestamp": ts,
                            "title": "", "description": "Table of cookies"}},
                 {"place": {"name": "Lakeview Secondary School",
                            "coordinate": {"latitude": GPS[0], "longitude": GPS[1]}}}]}]},
            {"timestamp": ts + 120, "data": [{"post": "Félicitations à Renée Roy, élève de l’année!"}]},
        ],
        "your_facebook_activity/comments_and_reactions/likes_and_reactions_1.json": [
            {"timestamp": ts, "data": [{"reaction": {"reaction": "LIKE", "actor": "Lakeview Parent Council"}}],
             "title": "Lakeview Parent Council likes Renée Roy's post."}],
        "connections/followers_and_following/who_you_follow.json": {
            "following_v3": [{"name": "Renée Roy", "timestamp": ts}]},
        "personal_information/profile_information/profile_information.json": {
            "profile_v2": {"name": {"full_name": "Lakeview Parent Council"}, "intro_bio": {"value": "Bénévoles"},
                           "profile_uri": "https://www.facebook.com/lakeviewpc"}},
    }
    return w.write_meta_zip(out / "facebook.zip", files,
                            {"your_facebook_activity/posts/media/Album_1/4411.jpg": w.jpeg(*GPS)})


def malformed(out: Path, x_zip: Path, mastodon_tgz: Path, car: Path) -> None:
    bad = out / "malformed"
    bad.mkdir(exist_ok=True)
    data = x_zip.read_bytes()
    (bad / "truncated.zip").write_bytes(data[: len(data) * 2 // 3])
    data = mastodon_tgz.read_bytes()
    (bad / "truncated.tar.gz").write_bytes(data[: len(data) // 2])
    data = car.read_bytes()
    (bad / "truncated.car").write_bytes(data[: len(data) - 300])

    def zip_with(name: str, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> None:
        with zipfile.ZipFile(bad / name, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, payload in members:
                if isinstance(info, str):
                    info = w.zinfo(info)
                zf.writestr(info, payload)

    tweets = b"window.YTD.tweets.part0 = []"
    zip_with("zip_slip.zip", [("data/tweets.js", tweets), ("../../outside.txt", b"escaped")])
    zip_with("zip_absolute.zip", [("data/tweets.js", tweets), ("/tmp/absolute.txt", b"escaped")])
    link = zipfile.ZipInfo("data/tweets_media/link.jpg", w.FIXED_TIME)
    link.create_system = 3
    link.external_attr = (0o120777 << 16)
    zip_with("zip_symlink.zip", [("data/tweets.js", tweets), (link, b"/etc/passwd")])
    # 40 MB of zeros deflates to ~40 KB: a ratio no real export has.
    zip_with("zip_bomb.zip", [("data/tweets.js", tweets), ("data/tweets_media/1-big.jpg", bytes(40 * 1024 * 1024))])
    zip_with("not_x.zip", [("hello.txt", b"just a zip")])

    def tar_with(name: str, members: list[tarfile.TarInfo | tuple[str, bytes]]) -> None:
        with tarfile.open(bad / name, "w:gz") as tar:
            for m in members:
                if isinstance(m, tarfile.TarInfo):
                    tar.addfile(m)
                    continue
                info = tarfile.TarInfo(m[0])
                info.size, info.mtime = len(m[1]), w.FIXED_EPOCH
                tar.addfile(info, io.BytesIO(m[1]))

    outbox = b'{"type":"OrderedCollection","orderedItems":[]}'
    sym = tarfile.TarInfo("media_attachments/files/evil.jpg")
    sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
    tar_with("tar_symlink.tar.gz", [("outbox.json", outbox), sym])
    hard = tarfile.TarInfo("media_attachments/files/hard.jpg")
    hard.type, hard.linkname = tarfile.LNKTYPE, "../../etc/passwd"
    tar_with("tar_hardlink.tar.gz", [("outbox.json", outbox), hard])
    dev = tarfile.TarInfo("media_attachments/files/dev")
    dev.type, dev.devmajor, dev.devminor = tarfile.CHRTYPE, 1, 3
    tar_with("tar_device.tar.gz", [("outbox.json", outbox), dev])
    tar_with("tar_slip.tar.gz", [("outbox.json", outbox), ("../../outside.json", b"{}")])
    (bad / "not_an_export.txt").write_text("Account,Nothing\nthis is a text file\n", encoding="utf-8")


def main(out: Path = HERE) -> None:
    out.mkdir(parents=True, exist_ok=True)
    x = x_archive(out)
    m = mastodon_archive(out)
    c = bluesky_car(out)
    instagram_zip(out)
    facebook_zip(out)
    malformed(out, x, m, c)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
