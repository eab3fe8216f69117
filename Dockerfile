# The hotline's image: one image for both Procfile entry points (web and worker).
# Every secret comes from the environment at run time; none is baked in.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOTLINE_ENV=production \
    HOTLINE_CONTENT_DIR=/app \
    HOTLINE_DATA_DIR=/tmp/hotline \
    PORT=8000

RUN groupadd --system --gid 10001 hotline \
    && useradd --system --uid 10001 --gid hotline --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin hotline

WORKDIR /app
COPY pyproject.toml README.md Procfile ./
COPY bot ./bot
COPY flows ./flows
COPY locales ./locales
RUN pip install --no-cache-dir . && chown -R hotline:hotline /app/flows /app/locales

USER 10001:10001
EXPOSE 8000

# The web's health: /healthz answers 200 when Redis answers. The worker overrides it (compose).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4).status != 200)"]

# The Procfile's web line (gunicorn binds 0.0.0.0:$PORT when PORT is set).
CMD ["sh", "-c", "exec gunicorn -k gthread -w ${WEB_CONCURRENCY:-2} --threads 4 --timeout 10 --preload --access-logformat '%(t)s \"%(m)s %(U)s\" %(s)s %(L)ss' 'bot:create_app()'"]
