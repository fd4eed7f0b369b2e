"""The micro-credential form's ESCO skill picker from the keyboard alone, in a real browser:
Enter in the search box searches (it does not save the form, and what was typed stays), the
matches are reached with Tab and added with Enter, a chosen skill is removed with the keyboard,
and Enter in another field then saves. axe-core checks the form at 1280 and 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import PASSWORD, Api, start_server

pytestmark = pytest.mark.e2e


def _active(page: object) -> dict[str, str]:
    """The focused element: its id, its text and the id of the list holding it."""
    return page.evaluate(  # type: ignore[attr-defined,no-any-return]
        """() => {
          const el = document.activeElement;
          const list = el && el.closest('ul');
          return {id: el ? el.id : '', text: el ? el.innerText : '',
                  list: list ? list.id : '', tag: el ? el.tagName : ''};
        }"""
    )


def _tab_to(page: object, list_id: str, key: str = "Tab", most: int = 8) -> dict[str, str]:
    """Press ``key`` until a button inside ``#list_id`` has the focus."""
    for _ in range(most):
        page.keyboard.press(key)  # type: ignore[attr-defined]
        found = _active(page)
        if found["list"] == list_id and found["tag"] == "BUTTON":
            return found
    raise AssertionError(f"{key} never reached a button in #{list_id}: {_active(page)}")


def test_the_skill_picker_works_from_the_keyboard(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        admin = api.register("keys", "Keyboard Academy")
        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("#organisation", "keys")
            page.fill("#email", "admin@keys.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{base}/admin/achievements/new")
            page.fill("#a-name", "Charts for people")
            page.fill("#a-criteria", "Build a dashboard a stranger can read.")

            # Enter in the search box searches; nothing is saved and nothing typed is lost
            page.focus("#skill-q")
            page.keyboard.type("data visualisation")
            page.keyboard.press("Enter")
            page.wait_for_selector("#skill-matches li")
            assert page.url == f"{base}/admin/achievements/new"
            assert page.input_value("#a-name") == "Charts for people"
            assert page.input_value("#a-criteria") == "Build a dashboard a stranger can read."
            assert page.input_value("#skill-q") == "data visualisation"
            listed = api.http.get("/api/v1/achievements", headers=admin).json()
            assert (listed["items"] if isinstance(listed, dict) else listed) == []
            # the focus is back in the search box, and Tab reaches the matches
            assert _active(page)["id"] == "skill-q"
            added = _tab_to(page, "skill-matches")
            label = added["text"].removeprefix("Add").strip()
            assert label, added
            assert_accessible(page, "the skill picker with matches")
            page.keyboard.press("Enter")
            page.wait_for_selector("#chosen-skills")
            assert label in page.locator("#chosen-skills").inner_text()
            assert page.input_value("#a-name") == "Charts for people"

            # a chosen skill is removed from the keyboard (its button is before the search box)
            assert _active(page)["id"] == "skill-q"
            removing = _tab_to(page, "chosen-skills", key="Shift+Tab")
            assert label in removing["text"], removing
            page.keyboard.press("Enter")
            page.wait_for_selector("#chosen-skills", state="detached")  # script or re-render
            assert page.locator("#chosen-skills").count() == 0
            assert "No skill chosen yet" in page.locator("#skills").inner_text()
            assert page.input_value("#a-name") == "Charts for people"

            # search again with new words, add one, then Enter in the name field saves
            page.fill("#skill-q", "python programming")
            page.focus("#skill-q")
            page.keyboard.press("Enter")
            page.wait_for_selector("#skill-matches li")
            _tab_to(page, "skill-matches")
            page.keyboard.press("Enter")
            page.wait_for_selector("#chosen-skills")
            assert_accessible(page, "the skill picker with a chosen skill")
            page.focus("#a-name")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/admin/achievements?saved=*")
            row = page.locator("#achievements li").first
            assert "Charts for people" in row.inner_text() and "1 skill" in row.inner_text()
    finally:
        server.stop()
