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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real Redis server for the session (tests/redisserver.py)."""
    from tests.redisserver import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The URL of the session's Redis server, emptied for this test."""
    redis_server.flush()
    return redis_server.url
