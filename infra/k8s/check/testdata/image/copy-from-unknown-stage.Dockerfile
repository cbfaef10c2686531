# The product's image, reduced: a build stage, a Node 24 run stage as the node user.
FROM node:24-slim AS build
WORKDIR /src
COPY release.txt ./
RUN npm ci --ignore-scripts && mkdir /release

FROM node:24-slim
WORKDIR /app
ENV NODE_OPTIONS=--max-semi-space-size=64
COPY --from=builder --chown=node:node /release /app
ARG SERVICE=embedded
ENV SERVICE=${SERVICE}
USER node
EXPOSE 3000-3004 3101/tcp
HEALTHCHECK --interval=10s CMD ["node", "/app/healthcheck.mjs"]
CMD ["sh", "-c", "exec node services/$SERVICE/dist/main.js"]
