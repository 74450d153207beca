# Mirrors the README: install, migrate (bot.py runs `alembic upgrade heads`), start.
# Shipped content (data/: quiz packs, copy) is part of the image, so every upgrade serves the
# new content; runtime state (the SQLite file) lives on its own volume, /var/lib/mutuals.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////var/lib/mutuals/mutuals.db

RUN useradd --create-home --uid 10001 mutuals \
    && mkdir -p /var/lib/mutuals && chown mutuals:mutuals /var/lib/mutuals
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .

COPY --chown=root:root . .

USER mutuals
VOLUME ["/var/lib/mutuals"]
CMD ["python", "bot.py"]
