# Image for the iTC journey-engine worker (and the `itc` CLI).
# Build: docker build -t itc-journey-engine:local .   (docker compose builds it for you)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Unprivileged runtime user with a fixed UID/GID (useful for volume permissions).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app

# The project (filtered by .dockerignore) and a regular, non-editable install of it:
# dependencies plus the `itc` console script, into the system site-packages.
COPY . /app
# Byte-compile the sources the worker imports from /app: the workflow sandbox loads each
# workflow module again per run, and with no .pyc (PYTHONDONTWRITEBYTECODE) it recompiles them.
RUN pip install --no-cache-dir . \
    && rm -rf /app/build /app/*.egg-info \
    && python -m compileall -q /app \
    && mkdir -p /app/.itc-data \
    && chown app:app /app/.itc-data

USER app

# Logs as JSON lines for the container log driver; local data (if any) in a writable dir.
ENV LOG_FORMAT=json \
    ITC_DATA_DIR=/app/.itc-data

# The worker handles SIGTERM itself (graceful shutdown); exec form keeps it as the process
# that receives the signal.
STOPSIGNAL SIGTERM
CMD ["itc-worker"]
