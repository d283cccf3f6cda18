# Firebell: a small, non-root image. Build: docker build -t firebell .
# Run: docker run --env-file .env -p 3000:3000 firebell   (docs/deploy.md)
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY storage storage
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    FIREBELL_PID_FILE=/tmp/firebell.pid
RUN useradd --system --uid 10001 --create-home --home-dir /app --shell /usr/sbin/nologin firebell
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
USER 10001
EXPOSE 3000
# /healthz answers 200 when the database answers, 503 while degraded or shutting down.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '3000')}/healthz\", timeout=2).status != 200)"]
# SIGTERM drains: in-flight work finishes within FIREBELL_SHUTDOWN_GRACE_SECONDS, claims are given back.
STOPSIGNAL SIGTERM
ENTRYPOINT ["firebell"]
CMD ["run"]
