import pytest

from crawler.localweb import LocalWeb


@pytest.fixture
def serve():
    """Start a LocalWeb for the given sites; stopped when the test ends."""
    webs = []

    def start(sites):
        web = LocalWeb(sites).start()
        webs.append(web)
        return web

    yield start
    for web in webs:
        web.stop()
