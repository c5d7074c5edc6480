"""SM302-SM305: geotags, EXIF GPS, street addresses and postal codes, where students will be."""

from __future__ import annotations

import pytest
from PIL import Image
from skimage import data

import auditor.images as images
from auditor.checkers.location import ImageGpsExif, PostGeotag, StreetAddress, StudentWhereabouts
from tests.auditor.checkers.privacy_context import post, privacy_context


def run(checker, item):
    return list(checker().check(item, privacy_context()))


def test_geotag_on_own_and_endorsed_posts():
    [own] = run(PostGeotag, post("Garden day", place={"name": "Oak Park", "lat": 43.1, "lon": -79.2}))
    assert own.via is None and own.spans[0].text == "Oak Park" and own.spans[0].field == "place.name"
    [quoted] = run(PostGeotag, post("Nice", kind="quote", quoted={"text": "x", "place": {"lat": 43.1, "lon": -79.2}}))
    assert quoted.via == "quote" and quoted.explanation["coordinates"] is True
    assert run(PostGeotag, post("No place", place=None)) == []


def _jpeg_with_gps(path, lat=(43, 24, 30), lon=(79, 42, 15.5), lat_ref="N", lon_ref="W"):
    exif = Image.Exif()
    exif[0x8825] = {1: lat_ref, 2: lat, 3: lon_ref, 4: lon}
    Image.fromarray(data.coffee()).save(path, "JPEG", exif=exif)
    return str(path)


def test_exif_gps_in_a_local_image(tmp_path):
    images.clear_cache()
    path = _jpeg_with_gps(tmp_path / "garden.jpg")
    item = post("Our garden 🌱", media=[{"type": "image", "url": "https://pbs.twimg.com/a.jpg", "path": path}])
    [f] = run(ImageGpsExif, item)
    assert f.explanation["lat"] == pytest.approx(43.4083, abs=1e-3)
    assert f.explanation["lon"] == pytest.approx(-79.7043, abs=1e-3)
    assert f.severity == "high" and f.category == "location"


def test_exif_without_gps_or_unreadable_file_is_not_a_finding(tmp_path):
    plain = tmp_path / "plain.jpg"
    Image.fromarray(data.coffee()).save(plain, "JPEG")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not an image")
    zero = _jpeg_with_gps(tmp_path / "zero.jpg", lat=(0, 0, 0), lon=(0, 0, 0))
    for p in (plain, junk, zero):
        item = post("x", media=[{"type": "image", "url": "https://pbs.twimg.com/a.jpg", "path": str(p)}])
        assert run(ImageGpsExif, item) == [], p


@pytest.mark.parametrize("text,quoted", [
    ("Drop off at 27 Birch Hollow Cres. by Friday", "27 Birch Hollow Cres."),
    ("Send forms to 1450 Upper Middle Rd., Oakville", "1450 Upper Middle Rd."),
    ("Meet at 55 Queen St. W at 8", "55 Queen St. W"),
    ("Garage sale: 14 Heron Court", "14 Heron Court"),
    ("Address: 1200 Oak Ave, Springfield", "1200 Oak Ave"),
    ("Unit 4-120 King Street East", "4-120 King Street East"),
    ("Rendez-vous au 45, rue Principale", "45, rue Principale"),
    ("Postal code L6M 3G3 please", "L6M 3G3"),
    ("Springfield, IL 62704", "IL 62704"),
    ("drop it off at 12 main street tonight", "12 main street"),
    ("Meet at 15 St. Clair Ave W", "15 St. Clair Ave W"),
])
def test_addresses_and_postal_codes(text, quoted):
    found = run(StreetAddress, post(text))
    assert quoted in [f.spans[0].text for f in found]


@pytest.mark.parametrize("text", [
    "Results are posted outside room 214.",
    "Team 4827 won 3 Awards today",
    "We collected 1200 cans in 3 weeks!",
    "Our class read 45 Great Books this year.",
    "Call 905-555-0100",
    "12 Main course options at lunch",  # 'Main' not followed by a street word
    "Zip it, 12345 times!",
    "We bought a 4 wheel drive",
    "We collected 850 Food Drive items!",
    "Our team won 3 First Place ribbons",
    "Terry Fox 5 Km Walk on Friday",
])
def test_not_addresses(text):
    assert run(StreetAddress, post(text)) == []


@pytest.mark.parametrize("text", [
    "Grade 6 heads to the Royal Ontario Museum tomorrow at 9:15!",
    "Field trip to High Park on Friday, pack a lunch.",
    "Reminder: Wednesday's game is at Centennial Arena, 4:30 start. Go team!",
    "Our Grade 3s are at Springbank Farm today!",
    "Grade 4 trip to the Royal Tyrrell Museum today. We were so excited, buses leave at 9:15!",
    "Trip day is Friday! We'll be at the Grand River Conservation Area all day, class.",
    "Les élèves vont au Musée de la Nature demain à 9 h.",
    "Bus for the junior girls leaves Sat., May 9 at 7:30 for the Lakeside Aquatic Centre.",
    "Grade 4 trip to Bronte Creek Provincial Park on 5/14!",
    "Grade 8 grad trip: Canada's Wonderland, Friday June 20, buses at 7:45.",
    "Field trip to Ottawa tomorrow, Grade 6! Pack a lunch.",
    "We leave for Quebec City on Monday, grade 8s!",
    "Volunteers needed for our trip to Science North on May 3!",
    # a past-tense word in a plan: the plan is still coming
    "Our class raised $400 for the trip to the Ontario Science Centre on Friday!",
    "Skaters: we practised hard all week, we'll be at Centennial Arena today at 4!",
    "Junior boys won at Fenwick Arena today, next game is at Kinsmen Arena tomorrow at 6",
    "Game moved to Centennial Arena Friday at 6, team bus leaves at 5",
    "Cross-country runners are heading to Centennial Park today, meet at the bus at 9",
    # a family word that is a school event, with a student word of its own
    "Grade 2 family picnic at Centennial Park Friday at noon!",
    "Le tournoi a lieu au Centre sportif Desjardins aujourd'hui, bonne chance à l'équipe!",  # 'a lieu'
    "Les élèves sont invités au Musée de la Nature aujourd'hui, départ à 9 h",
])
def test_whereabouts(text):
    [f] = run(StudentWhereabouts, post(text))
    assert len(f.spans) == 2 and all(text[s.start:s.end] == s.text for s in f.spans)


@pytest.mark.parametrize("text", [
    "Our Grade 3s visited Springbank Farm today. What a day!",     # past
    "Grade 5 trip to the Royal Tyrrell Museum today. The kids loved the dinosaur lab!",  # a same-day recap
    "Sortie au Musée des Beaux-Arts aujourd'hui. Les élèves ont adoré, quelle journée!",  # recap, in French
    "Last week's trip to the Science Centre was a hit!",            # past
    "I'm presenting at the Math Teachers Conference on Saturday.",   # no students
    "We went to Toronto last week with the Grade 8s.",              # past, city
    "All buses in the Kestrel Bay area are cancelled today, students stay home.",  # region
    "See you at Riverside on Monday, grade 9s!",                     # the school's own name
    "Join us at the mosque this Friday, students welcome.",          # no named place
    "Our students wrote to pen pals in Yellowknife. Next week we mail the letters.",  # city
    "Students: vote for Maya on Friday for class president!",        # a person, not a place
    "Field trip forms are due Monday.",                                # no place
    "Family trip to Cancun! Back Monday, be good for the sub.",          # nobody but the teacher
    "Photos from yesterday's trip to the Toronto Zoo! Grade 2 loved it.",  # past
    "Thanks to the Lions Club for funding our field trip on Friday!",    # a thank-you, not a destination
    "Grade 8s are fundraising for their Ottawa trip next month.",       # no destination named
    "Tomorrow is the last day for students to order yearbooks at Jostens.com",  # a web address
    "Our Grade 3s will present at Monday's assembly",                  # a day, not a place
    # a same-day recap told with a past-tense verb, regular or irregular
    "Grade 5 hiked the ridge trail at Mono Cliffs Provincial Park today, so proud of them!",
    "Junior runners swam through the mud at Kinsmen Park this morning. Champions!",
    "Skated our hearts out at Centennial Arena today, grade 4s!",
    "The kids splashed through the tide pools at Kestrel Bay Conservation Area today 🦀",
    "Les élèves de 4e année ont patiné au Centre Rideau aujourd'hui, bravo!",  # passé composé
    "Nos élèves sont allés au Musée canadien de la nature ce matin!",
    # the poster's own family or holiday: "the kids" are the poster's own
    "Family holiday trip to Banff with the kids and my husband, back to class Jan 6!",
    "Off to Cuba with my kids and the in-laws for March Break, home Sunday ☀️",
    "Our family road trip to Walt Disney World with the boys and grandma, back Monday!",
])
def test_not_whereabouts(text):
    assert run(StudentWhereabouts, post(text)) == []


def test_whereabouts_in_endorsed_content_carries_via():
    like = {"type": "like", "platform": "x", "account": "MsLeeGr4", "id": "l1",
            "post": {"text": "Grade 5 trip: we'll be at the Westfield Heritage Village Thursday at 10 am"}}
    [f] = run(StudentWhereabouts, like)
    assert f.via == "like" and f.spans[0].field == "post.text"


def test_a_student_whose_surname_is_a_venue_word_is_not_a_place():
    from auditor.checkers.base import CheckContext
    from auditor.registry import Student

    ctx = CheckContext(students=[Student("X1", "Luna", "Hall", "", "S", "5", "yes", False)])
    text = "Spirit week continues tomorrow, students. Luna Hall won the award!"
    assert list(StudentWhereabouts().check(post(text), ctx)) == []
    # The same words with a real venue in the plan are still found.
    [f] = StudentWhereabouts().check(post(text + " Then the class is at Riverside Arena on Friday at 9."), ctx)
    assert f.spans[0].text == "Riverside Arena"


@pytest.mark.parametrize("text", [
    # a school's own name: students are there every day
    "Orange Shirt assembly at Maple Hollow CI this morning, led by our student council",
    "Remembrance Day ceremony at Lakeview Public School tomorrow at 10:45, the choir will sing",
    # a country or province in passing
    "Demain, les élèves de 9e année discutent des élections au Canada et au Québec",
])
def test_school_names_and_regions_are_not_whereabouts(text):
    assert run(StudentWhereabouts, post(text)) == []


@pytest.mark.parametrize("text", [
    # another school, where the team is taken
    "Senior girls volleyball plays at Maple Hollow CI on Thursday at 4:00, bus leaves at 3:15",
    "Gr. 8 trip to Pinecrest Secondary School tomorrow for the robotics tournament",
])
def test_a_team_taken_to_another_school_is_still_whereabouts(text):
    assert run(StudentWhereabouts, post(text))


def test_a_school_named_before_the_day_is_still_a_school():
    assert run(StudentWhereabouts, post("Pride flag raising at Maple Hollow CI Thursday at 9, led by our GSA")) == []
    assert run(StudentWhereabouts, post("Senior boys play at Maple Hollow CI Thursday at 4:00, go Hawks!"))
