# syntax=docker/dockerfile:1
# The bot's image, for linux/amd64 and linux/arm64 alike:
#   docker build -t suno-bot .      (or: docker compose build)
#
# Both stages use Python 3.11.16 on Debian bookworm, pinned by tag and by the digest of
# its multi-platform index (the same digest pulls the right image on either machine),
# so the wheels built in the first stage run in the second. To move to a newer base,
# change the tag and digest of both together.

# --- builder: a wheel for every locked dependency and for the bot ------------------
# The full image has gcc: miniaudio publishes no wheel for linux/arm64, so pip builds
# it here from its source archive.
FROM python:3.11.16-bookworm@sha256:afc841bae86c26359264d0566c2a982e08e473d51796c2b00c24ddf0829ae607 AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /build
# Dependencies first, from the lock file alone: editing the bot's code reuses this layer.
# --require-hashes checks every download against requirements.lock. miniaudio is built
# from source on every machine, not only where it has no wheel, so that the path arm64
# depends on is the one every amd64 build exercises too.
COPY requirements.lock ./
RUN pip wheel --require-hashes --no-deps --no-binary miniaudio \
        --wheel-dir /wheels/deps -r requirements.lock

COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip wheel --no-deps --wheel-dir /wheels/app .

# --- runtime: the slim image, wheels only, no compiler ------------------------------
FROM python:3.11.16-slim-bookworm@sha256:c425d915a89a6dcd3183b1797ad9bd8878caff5a417f6371c8df93c8ea8b727f

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATABASE=/data/bot.sqlite3 \
    BOT_HEALTH_PORT=8081

# The wheels are mounted, not copied, so they never sit in a layer of the image.
# --no-index: nothing is fetched here; the builder already checked every hash.
RUN --mount=type=bind,from=builder,source=/wheels/deps,target=/tmp/deps \
    pip install --no-index --no-deps /tmp/deps/*.whl \
    && pip check \
    && groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /data --shell /usr/sbin/nologin bot \
    && mkdir -p /data \
    && chown bot:bot /data

RUN --mount=type=bind,from=builder,source=/wheels/app,target=/tmp/app \
    pip install --no-index --no-deps /tmp/app/*.whl

# The database (BOT_DATABASE) and config.toml, if you use one, live on this volume; the
# bot runs in it, so /data/config.toml is the ./config.toml it reads.
VOLUME ["/data"]
WORKDIR /data
# By number, so that the host (and a volume's owner) sees the same id: user and group bot.
USER 10001:10001

# 8080: the vendors' callbacks ([callbacks] listen_port); 8081: /healthz and /metrics.
EXPOSE 8080 8081

# The slim image has no curl: the image's own Python asks /healthz, and an answer other
# than 200 (or none within the timeout) makes urlopen raise, so the exit code is 1.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('BOT_HEALTH_PORT', '8081'), timeout=5)"]

# `docker run IMAGE` runs the bot; `docker run IMAGE doctor` (or `backup`) runs that tool.
ENTRYPOINT ["suno-bot"]
CMD ["run"]
