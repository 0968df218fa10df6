# syntax=docker/dockerfile:1
#
# clinicapp — production image.
#
# One gunicorn process per container (gthread worker, 32 threads): Flask-SocketIO
# keeps per-client state in process memory, so every request of one Socket.IO
# session must reach the same process (sticky sessions). Scale by running more
# containers behind nginx (`ip_hash`), not by raising --workers.
#
# The same image also runs the one-shot `migrate` job and the outbox `worker`
# (see docker-compose.yml).

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    FLASK_APP=wsgi

# Unprivileged runtime user (fixed uid/gid so volume ownership is predictable).
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
# requirements.txt is fully pinned; all wheels used (psycopg2-binary etc.) are
# prebuilt, so no compiler is needed in the image.
COPY requirements.txt ./
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install --upgrade pip \
 && pip install -r requirements.txt

# Application code. Owned by root and read-only for the app user: the process
# can write only to /app/instance (uploads etc.).
COPY clinicapp/ ./clinicapp/
COPY templates/ ./templates/
COPY static/ ./static/
COPY migrations/ ./migrations/
COPY wsgi.py ./

# Precompile bytecode (the runtime user cannot write __pycache__ next to the code)
# and compile Flask-Babel catalogs if the project ships .po files.
RUN python -m compileall -q clinicapp wsgi.py migrations \
 && if find clinicapp -path '*/LC_MESSAGES/*.po' | grep -q .; then \
        for d in $(find clinicapp -type d -name translations); do pybabel compile -f -d "$d"; done; \
    fi \
 && mkdir -p /app/instance/uploads \
 && chown -R app:app /app/instance

# No VOLUME instruction on purpose (it would leave an anonymous volume behind for
# every `migrate`/`worker` run). docker-compose.yml mounts a named volume on
# /app/instance/uploads; Docker initialises an empty named volume from the image
# on first use, so it inherits the app:app ownership set above.

USER app

EXPOSE 8000

# No curl in slim images: probe with the standard library. urlopen raises on
# connection errors and on HTTP status >= 400, so the exit code is non-zero then.
# X-Forwarded-Proto makes the probe look like a request that came through nginx
# over https (ProxyFix trusts it), so an "always https" redirect cannot fail it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:8000/api/health', headers={'X-Forwarded-Proto': 'https'}), timeout=4)"]

# Settings live in clinicapp/gunicorn_conf.py: one gthread process with 32 threads
# (see the note at the top), the request limits, no access log (its line would hold
# the query string: tokens), and a worker that answers over-long URLs and headers
# (414, 431) in the app's JSON error shape.
CMD ["gunicorn", "--config", "python:clinicapp.gunicorn_conf", "wsgi:app"]
