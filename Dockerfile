# casewatch: the daemon, with its case pages, /healthz, /readyz and /metrics on port 8080.
#   docker build -t casewatch .
#   docker run -e CASEWATCH_HTTP_TOKEN -p 8080:8080 -v casewatch-data:/data \
#     -v ./casewatch.toml:/config/casewatch.toml:ro casewatch
#   docker run --rm casewatch demo      (the seed articles, no network and no config needed)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies first, from pyproject.toml alone: a change to the code leaves this layer cached.
# The image's own pip is enough, even one before 23.3 (which drops the extras dependencies
# ask for): pyproject declares lxml_html_clean, jusText's lxml[html_clean], itself.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('requirements.txt', 'w').write(chr(10).join(deps))" \
 && pip install --no-cache-dir -r requirements.txt

COPY README.md ./
COPY monitor/ monitor/
COPY feeds/ feeds/
COPY alerts/ alerts/
COPY seeds/ seeds/
# The sources go once installed: in /app they would shadow the installed package for
# `python -m monitor` (which has no monitor.seeds there).
RUN pip install --no-cache-dir --no-deps . \
 && rm -rf monitor feeds alerts seeds build ./*.egg-info \
 && useradd --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin casewatch \
 && mkdir -p /data /config \
 && chown casewatch:casewatch /data

# The config is mounted at /config/casewatch.toml; the database lives in the /data volume.
# CASEWATCH_HTTP overrides [service] http: inside a container, listen on every interface;
# the case pages there need a token (CASEWATCH_HTTP_TOKEN), the probes do not.
ENV CASEWATCH_CONFIG=/config/casewatch.toml \
    CASEWATCH_HTTP=0.0.0.0:8080

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('CASEWATCH_HTTP', '').rpartition(':')[2] or '8080'; urllib.request.urlopen('http://127.0.0.1:' + port + '/healthz', timeout=4)"]

# The daemon handles SIGTERM itself (also as PID 1) and exits 0 within its 5 s stop grace.
ENTRYPOINT ["casewatch"]
CMD ["run"]
