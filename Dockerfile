# Mirrors the README: install, migrate (bot.py runs `alembic upgrade heads`), start.
# Shipped content (data/: quiz packs, copy) is part of the image, so every upgrade serves the
# new content; runtime state (the SQLite file) lives on its own volume, /var/lib/mutuals.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////var/lib/mutuals/mutuals.db \
    HEALTH_PORT=8080 HEALTH_HOST=0.0.0.0

# Fonts for the images (welcome card, heatmap): Latin, Japanese and Korean, and colour emoji,
# so a name in any script the fam writes in renders (services/imaging/fonts.py finds them).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       fontconfig fonts-dejavu-core fonts-noto-cjk fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 mutuals \
    && mkdir -p /var/lib/mutuals && chown mutuals:mutuals /var/lib/mutuals
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .

COPY --chown=root:root . .
# compiled gettext catalogs (locales/*/LC_MESSAGES/*.mo) are part of the install
RUN for po in locales/*/LC_MESSAGES/*.po; do \
      [ -e "$po" ] || continue; \
      dir=$(dirname "$po"); domain=$(basename "$po" .po); \
      pybabel compile -f -i "$po" -o "$dir/$domain.mo"; \
    done

USER mutuals
VOLUME ["/var/lib/mutuals"]
EXPOSE 8080
# 200 from /healthz: gateway connected, database reachable, schedules sweeping, outbox on time
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['HEALTH_PORT']}/healthz\", timeout=4)"]
CMD ["python", "bot.py"]
