# syntax=docker/dockerfile:1
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot /data

# The database, and config.toml if you use one, live on this volume; the bot
# runs in it, so /data/config.toml is its optional ./config.toml.
VOLUME ["/data"]
WORKDIR /data
USER bot
CMD ["python", "-m", "bot"]
