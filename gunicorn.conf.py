"""gunicorn settings: `gunicorn -c gunicorn.conf.py 'app:create_app()'`."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# The app writes one JSON line per request itself.
accesslog = None
errorlog = "-"
# Long URLs and headers reach the app, which answers 414/431 in the contract's JSON above its
# own limits (core/inputs.py); gunicorn's own limits would answer with an HTML page. 0 = a
# request line up to 1 MB; header fields up to 64 KB.
limit_request_line = 0
limit_request_field_size = 64 * 1024
