"""TikTok and Instagram take no post of text alone: a draft for them says what to post it
with, in the interactive walk and in an answers-file run, and the example overlays only
put a statement on TikTok where a video is planned."""

from __future__ import annotations

import contextlib
from pathlib import Path

from answering import (
    UNHAPPY_PATH,
    answers_for,
    events,
    incidents,
    library,
    start_default,
    write_yaml,
)
from crisisplay.check.platforms import NEEDS_MEDIA, media_note
from running import Crisisplay

ROOT = Path(__file__).resolve().parent.parent
DOWN, ENTER = "\x1b[B", "\r"


def test_the_networks_that_need_a_picture_or_a_video_say_so_in_the_playbooks_language() -> None:
    from crisisplay.i18n import speaking

    assert {"tiktok", "instagram"} == NEEDS_MEDIA
    for platform in ("x", "bluesky", "threads", "facebook", "linkedin"):
        assert media_note(platform) is None
    assert media_note("tiktok") == (
        "TikTok: post this as a video or an image with this text as its caption; "
        "text alone can't be posted."
    )
    assert "Instagram: post this as an image or a video" in str(media_note("instagram"))
    with speaking("es"):
        assert "TikTok: publícalo como vídeo o imagen" in str(media_note("tiktok"))


def test_an_answers_file_run_says_which_drafts_need_media(crisisplay: Crisisplay) -> None:
    resolved = library(crisisplay.home).load("bean-there")
    answers = answers_for(
        resolved,
        {**UNHAPPY_PATH, "apologise-spokesperson": "No"},
        incident={"playbook": "bean-there"},
    )
    path = write_yaml(crisisplay.home.parent / "answers.yaml", answers)
    code, _, err = crisisplay("start", "--answers", str(path))
    assert code == 0, err
    # the apology is the spokesperson's video on TikTok; every written statement is an
    # image with a caption on Instagram; nothing else goes to TikTok
    assert "Step 'apologise-draft': TikTok: post this as a video or an image" in err
    assert "Step 'hold-draft': Instagram: post this as an image or a video" in err
    assert "Step 'hold-draft': TikTok" not in err
    assert "Step 'close-draft': TikTok" not in err
    [incident] = incidents(crisisplay.home)
    drafts = {
        e["data"]["step"]: e["data"]
        for e in events(crisisplay.home, incident)
        if e["type"] == "step" and e["data"].get("texts")
    }
    assert set(drafts["apologise-draft"]["texts"]) == {"x", "instagram", "facebook", "tiktok"}
    for step, data in drafts.items():
        assert "tiktok" not in data["texts"] or step == "apologise-draft"
        for text in data["texts"].values():
            assert text.endswith("\n— The Bean There team"), (step, text)
    # the safety answer opens the holding statement on every network
    for text in drafts["hold-draft"]["texts"].values():
        assert text.startswith("Customers say the cold brew made them ill."), text


def test_the_interactive_draft_shows_instagram_needs_an_image(
    tmp_path: Path, capsys: object
) -> None:
    from crisisplay.frontends.interactive import Interrupted
    from crisisplay.home import Home
    from crisisplay.playbook.library import Library
    from test_interactive import UNHAPPY, keys_for_walk

    lib = Library(Home(tmp_path / "home", "env"))
    resolved = lib.load("default")
    path = [s for s in answers_for(resolved, UNHAPPY) if s != "incident"]
    upto_draft = path.index("hold-draft")  # every step before the draft, then the draft
    opening = "Acme" + ENTER + "Outage" + ENTER + DOWN * 2 + ENTER + "now" + ENTER + "app" + ENTER
    with contextlib.suppress(Interrupted):  # Ctrl-C once the draft is on the screen
        start_default(
            opening + keys_for_walk(resolved, UNHAPPY, stop_after=upto_draft) + "\x03", lib
        )
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "Instagram: post this as an image or a video with this text as its caption" in out
    assert "instagram: caption" in out
    assert "Facebook: post this" not in out
