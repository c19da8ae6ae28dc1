"""gunicorn settings for production mode: `make serve`, or `gunicorn -c gunicorn.conf.py wsgi:application`.

Environment: WORKERS (processes, default 2), THREADS (threads per process, default 4), HOST
(default 127.0.0.1), PORT (default 8050), TIMEOUT (seconds, default 60). The access log goes to
stdout, the error log (start, stop, worker restarts, tracebacks) to stderr.

Refuses to start without a fixed SECRET_KEY (production.py says why and how to make one); warns
when DATABASE_URL is SQLite or REDIS_URL is unset.

preload_app: the master builds the app once (Dash, plotly, pandas: some 200 MB) and the workers share
those pages copy-on-write, so N workers cost far less than N times one, start at once, and a broken
configuration fails in the master before any worker forks. Nothing the master opened may be used by
two processes: building the app opens no database or broker connection, and post_fork disposes of
the SQLAlchemy pool anyway (wsgi.after_fork), so each worker opens its own connections. Redis clients
(redis-py) notice the fork themselves and reconnect.
"""

import os

import production

production.check_or_exit()

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WORKERS", "2"))
# Threads: a worker keeps answering the 1-second live polls while one of its threads runs a slow
# callback (like waitress's 8 threads in `make run`).
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))
timeout = int(os.environ.get("TIMEOUT", "60"))  # a worker silent this long is restarted
graceful_timeout = 30  # on TERM: finish the requests under way, at most this long
# Idle keep-alive longer than the live poll (5 s): with 5 s, a poll reused a connection just as the
# server closed it (4 connection errors in 1,100 polls in benchmarks/load.py). Each open page holds a
# connection or two; worker_connections bounds them per worker.
keepalive = int(os.environ.get("KEEPALIVE", "65"))
worker_connections = 1000
preload_app = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
proc_name = "jizhong"
control_socket_disable = True  # no ~/.gunicorn/gunicorn.ctl shared between instances on one machine


def post_fork(server, worker):
    import wsgi

    wsgi.after_fork()
