"""gunicorn settings for the `web` process (`gunicorn --config python:doc_reader.gunicorn_conf ...`).

Workers come from WEB_CONCURRENCY (gunicorn reads it itself); the bind address
from the command line. Heroku stops dynos with SIGTERM and a 30 s grace period,
so in-flight calls get 25 s to finish.
"""

from typing import Any

from doc_reader.http_app import ensure_safe_bind
from doc_reader.logs import gunicorn_logconfig
from doc_reader.settings import get_settings

worker_class = "uvicorn_worker.UvicornWorker"
graceful_timeout = 25
timeout = 60
keepalive = 75  # longer than the Heroku router's idle timeout, so it never reuses a closed socket
forwarded_allow_ips = "*"
# JSON lines on stderr for gunicorn's, uvicorn's and doc-reader's loggers; the gate logs each request itself.
_settings = get_settings()
logconfig_dict = gunicorn_logconfig(_settings.log_level, _settings.log_format)
accesslog = None
# No runtime control socket: it is not needed on a dyno, and parallel servers would share one path.
control_socket_disable = True


def on_starting(server: Any) -> None:
    """Refuse to start on a public address without authentication."""
    for address in server.cfg.address:
        if isinstance(address, tuple):
            ensure_safe_bind(str(address[0]), _settings)
