"""The browser the page tests use really runs: a page's console error and its uncaught exception are seen."""

from tests.headless_chromium import chromium_browser, open_page  # noqa: F401  (chromium_browser: a fixture)


def test_console_errors_and_uncaught_exceptions_are_collected(chromium_browser, tmp_path):  # noqa: F811
    page_file = tmp_path / "page.html"
    page_file.write_text(
        "<html><head><title>probe</title></head><body><h1 id='h'>probe</h1>"
        "<script>console.error('seen'); setTimeout(() => { throw new Error('thrown'); }, 0);</script>"
        "</body></html>"
    )
    loaded = open_page(chromium_browser, page_file.as_uri())
    loaded.page.wait_for_timeout(100)
    assert loaded.page.title() == "probe"
    assert loaded.console_errors[0] == "seen"
    assert any("thrown" in error for error in loaded.console_errors[1:])
    shot = loaded.screenshot(tmp_path / "probe.png", "#h")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
