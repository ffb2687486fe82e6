"""gunicorn settings for the web process: `gunicorn -c lst/gunicorn.conf.py lst.wsgi`.

Every value can be changed from the environment (names below). Metrics: each worker writes its
counters to PROMETHEUS_MULTIPROC_DIR, which the master empties at start and which a scrape of any
worker merges; when the variable is not set, a private temporary folder is used, so `/metrics`
is right with several workers out of the box.
"""

import multiprocessing
import os
import tempfile

# Before anything imports prometheus_client (importing `lst` does): the variable chooses its
# storage at import time, and the workers inherit the master's modules.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lst-metrics-web-")

from lst.gunicorn_errors import install as install_json_error_answers
from lst.log_config import default_format, gunicorn_logging_dict

# Requests gunicorn refuses itself (a request line over the limit, malformed headers) answer
# the API's JSON error shape, not gunicorn's HTML page.
install_json_error_answers()

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is killed (the API answers in well under a second;
# heavy work runs in Celery). Workers get the same time to finish in-flight requests on restart.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Off by default: each recycled worker leaves its metric files behind (counters must survive
# it), and a scrape reads them all. Set it (e.g. 5000) if a worker's memory grows.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# Request lines and headers are bounded before Django sees them.
limit_request_line = 4094
limit_request_fields = 100
# Django writes one access line per request (with the request id); gunicorn's would repeat it.
# gunicorn's own messages use the project's format (JSON in production).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = gunicorn_logging_dict(level=loglevel.upper(), fmt=default_format())
# Where workers keep their heartbeat file; in a container point it at a memory file system.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
# Forwarded headers are trusted from these addresses only (the reverse proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Several gunicorn instances may share a machine; none needs the control socket.
control_socket_disable = True


def on_starting(server):  # type: ignore[no-untyped-def]
    from lst.metrics import reset_multiprocess_dir

    reset_multiprocess_dir()


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    from lst.metrics import process_dead

    process_dead(worker.pid)
