"""tests/ocr: the `slow` marker (whole scanned documents; still run in CI)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes a minute or more (OCR of whole scanned documents)")
