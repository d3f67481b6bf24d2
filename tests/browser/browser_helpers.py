"""Helpers for browser tests (imported as `browser_helpers`)."""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG of what the browser shows to test-output/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
