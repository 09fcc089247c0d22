# btrouter: one image for the API (`btrouter serve`) and the workers (`btrouter worker`).
#
#   docker build -t btrouter .
#   docker run --rm -p 8080:8080 -v btrouter-data:/data btrouter     # embedded mode (SQLite)
#   docker run --rm --env-file worker.env btrouter worker             # a worker, where worker.env
#     sets BTR__STORE__KIND=postgres, BTR__STORE__URL, BTR__QUEUE__KIND=redis, BTR__QUEUE__URL
#
# docker-compose.yml runs the distributed mode (API, workers, PostgreSQL, Redis, the
# Backtesting.py service); README.md "Scaling out" explains it.
#
# Stages: `build` compiles the binary (Release, no tests or benchmarks), `dashboard` builds
# web/dist with Debian's node and npm, and the final stage holds only the runtime libraries, the
# binary, the dashboard and the default configuration, and runs as an unprivileged user.
#
# Container defaults are set through the environment (BTR__SECTION__KEY), which takes precedence
# over a configuration file: the API listens on 0.0.0.0:8080, a worker's /livez and /metrics on
# 0.0.0.0:9090, state lives in /data (a volume) and the dashboard is served from the image.
# Override them with `-e BTR__...`; every other key can be set either way (mount a file over
# /etc/btrouter/btrouter.conf, or pass BTR__* variables).

# ---- build: the btrouter binary --------------------------------------------------------------
FROM debian:12 AS build
ARG DEBIAN_FRONTEND=noninteractive
# The toolchain and the -dev packages of the libraries CMakeLists.txt finds (scripts/setup lists
# them with the test tools, which are not needed here).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      nlohmann-json3-dev libspdlog-dev zlib1g-dev libssl-dev libsqlite3-dev \
      libcurl4-openssl-dev libpq-dev libhiredis-dev libboost-dev libboost-system-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DBTR_BUILD_TESTS=OFF -DBTR_BUILD_BENCHMARKS=OFF \
 && cmake --build build --target btrouter -j "$(nproc)" \
 && strip build/btrouter

# ---- dashboard: web/dist ---------------------------------------------------------------------
FROM debian:12 AS dashboard
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src/web
COPY web/ ./
# `npm ci` of the pinned packages (package-lock.json), then web/dist.
RUN ./build

# ---- runtime ---------------------------------------------------------------------------------
FROM debian:12-slim
ARG DEBIAN_FRONTEND=noninteractive
# Shared libraries the binary links (libstdc++ and libc are in the base image), CA certificates
# for HTTPS engines (qc_cloud), and curl for health checks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpq5 libhiredis0.14 libsqlite3-0 libcurl4 libssl3 zlib1g \
      libspdlog1.10 libfmt9 libboost-system1.74.0 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# The unprivileged user the processes run as (numeric below, so runAsNonRoot checks can see it).
RUN groupadd --system --gid 10001 btrouter \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin btrouter \
 && mkdir -p /data \
 && chown 10001:10001 /data

COPY --from=build /src/build/btrouter /usr/local/bin/btrouter
COPY --from=dashboard /src/web/dist /usr/share/btrouter/web/dist
COPY config/btrouter.conf /etc/btrouter/btrouter.conf
# Fails the image build when a shared library is missing from the list above.
RUN if ldd /usr/local/bin/btrouter | grep -F 'not found'; then exit 1; fi \
 && btrouter version

ENV BTR__SERVER__LISTEN=0.0.0.0:8080 \
    BTR__SERVER__DATA_DIR=/data \
    BTR__SERVER__DASHBOARD_DIR=/usr/share/btrouter/web/dist \
    BTR__WORKER__LISTEN=0.0.0.0:9090
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["btrouter"]
CMD ["serve", "--config", "/etc/btrouter/btrouter.conf"]
