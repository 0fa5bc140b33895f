"""The demo business unit `seed_demo` loads, all in one place: who the children's partnership is
(`partnership`), what it has published (`publications`) and what its agencies are doing about it
(`tracker`), the case log behind its reviews (`cases`) and the learning events that carried it
to practice (`reach`); then the business unit's safeguarding adults board and community safety
partnership, each in its own section of the site (`boards`). Every part is idempotent: a second run changes nothing it already made."""

from django.utils import timezone

from . import boards, partnership, publications, tracker
from .cases import build_case_log
from .reach import seed_learning_reach


def seed(password="demo-password", today=None):
    today = today or timezone.localdate()
    agencies = partnership.agencies()
    themes = partnership.themes()
    users = partnership.users(password, agencies)
    partnership.settings()
    reviews = publications.reviews(today, agencies, themes)
    publications.briefings(today, reviews, themes)
    tracker.seed(today=today, users=users)
    demo = {
        "today": today,
        "agencies": agencies,
        "themes": themes,
        "users": users,
        "reviews": reviews,
    }
    # Further demo parts go here, one call each, in the order they depend on one another: each
    # takes `demo` (the partnership loaded so far) and must be idempotent.
    build_case_log(today=today)
    seed_learning_reach(today)
    others = boards.seed_partnerships(today, agencies, themes, users, password)
    demo["partnerships"] = others["partnerships"]
    demo["users"] = {**users, **others["users"]}
    return demo
