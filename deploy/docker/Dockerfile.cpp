# Builds ink-worker, ink-backend and ink; one image, the command picks the program.
FROM debian:12 AS build
WORKDIR /src
COPY main/scripts/install-deps.sh main/scripts/
RUN apt-get update && main/scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY main/ main/
COPY shared/ shared/
WORKDIR /src/main
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DINK_BENCH=OFF \
 && cmake --build build -j"$(nproc)" --target ink-worker ink-backend ink

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libssl3 libpq5 libhiredis0.14 libspdlog1.10 libfmt9 ca-certificates \
 && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/unchanging-ink ink
COPY --from=build /src/main/build/src/app/ink-worker /src/main/build/src/app/ink-backend /src/main/build/src/app/ink /usr/local/bin/
USER ink
CMD ["ink-backend"]
