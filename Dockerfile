# Mirrors the README: install, migrate (bot.py runs `alembic upgrade heads`), start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////app/data/mutuals.db

RUN useradd --create-home --uid 10001 mutuals
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .

COPY --chown=mutuals:mutuals . .
RUN mkdir -p /app/data && chown mutuals:mutuals /app/data

USER mutuals
VOLUME ["/app/data"]
CMD ["python", "bot.py"]
