# The one image of the app: `web` (gunicorn), `worker` and `migrate` in docker-compose.yml run it
# with different commands. Debian 12 (bookworm) like the development machines.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Copied by name rather than `COPY . .`: the work tree holds .venv/ and .dev/ (with a local
# secret key), which must never end up in an image.
COPY pyproject.toml ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY integrations ./integrations
COPY web ./web
COPY devstack ./devstack

# Only the runtime dependencies: the [local] and [test] extras are the development stand-ins.
RUN pip install . gunicorn==27.0.1 \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tradepact

USER tradepact
EXPOSE 5000

CMD ["gunicorn", "--bind", "0.0.0.0:5000", "--workers", "2", "--threads", "4", "--access-logfile", "-", "web:create_app()"]
