# syntax=docker/dockerfile:1
# The companion image: `node server/src/server.ts` (Node 24 runs the TypeScript directly) serving
# the page bundle from dist/static. Build: docker build -t <registry>/launchpad:<tag> .

# ---- build: dependencies, the page bundle and its precompressed siblings ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx vite build --logLevel warn \
 && node scripts/compress-static.ts dist/static \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies, the companion's sources and the bundle only ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    LAUNCHPAD_PORT=8080 \
    LAUNCHPAD_STATIC_DIR=/app/dist/static
WORKDIR /app
COPY --from=build --chown=0:0 /app/package.json ./package.json
COPY --from=build --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/contract ./contract
COPY --from=build --chown=0:0 /app/server/src ./server/src
COPY --from=build --chown=0:0 /app/dist/static ./dist/static
# Files stay owned by root and read-only to the process; the chart also mounts the root
# filesystem read-only with an emptyDir at /tmp. uid 1000 is the image's `node` user.
USER 1000:1000
EXPOSE 8080
CMD ["node", "server/src/server.ts"]
