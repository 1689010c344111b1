"""Browser journeys: Debian's Chromium, driven by Playwright, against the live server.
The fixtures (browser, page, screenshot) are in tests/conftest.py, shared by every journey."""
