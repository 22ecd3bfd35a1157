import swagger from "@fastify/swagger";
import { loadCedar } from "@trusera/core";
import { Ajv, type Options as AjvOptions } from "ajv";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from "fastify";
import type { AppContext } from "./app-context.js";
import { ApiError } from "./errors.js";
import { registerJsonParser } from "./http/json-body.js";
import { otlpRoutes } from "./otel/otlp-routes.js";
import { agentRoutes } from "./routes/agents.js";
import { alertRoutes } from "./routes/alerts.js";
import { compatRoutes } from "./routes/compat.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { decisionRoutes } from "./routes/decisions.js";
import { eventRoutes } from "./routes/events.js";
import { fleetRoutes } from "./routes/fleet.js";
import { healthRoutes } from "./routes/health.js";
import { keyRoutes } from "./routes/keys.js";
import { liveRoutes } from "./routes/live.js";
import { policyRoutes } from "./routes/policies.js";
import { projectRoutes } from "./routes/project.js";
import { receiptRoutes } from "./routes/receipts.js";
import { sessionRoutes } from "./routes/session.js";
import { suggestionRoutes } from "./routes/suggestions.js";

const AJV_BASE: AjvOptions = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };

/**
 * Bodies are validated exactly: a string where a number belongs is a 400, not silently converted.
 * Query strings and headers are text by nature, so they are coerced to the declared types.
 */
function validatorCompiler() {
  const exact = new Ajv({ ...AJV_BASE, coerceTypes: false });
  const coercing = new Ajv({ ...AJV_BASE, coerceTypes: "array" });
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === "body" ? exact : coercing).compile(schema);
}

function errorBody(code: string, message: string, details?: unknown[]) {
  return { error: details ? { code, message, details } : { code, message } };
}

/** Maps every failure to a JSON error with a stable code; a 5xx never leaks internals. */
function errorHandler(
  this: FastifyInstance,
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (err instanceof ApiError) {
    return reply.code(err.statusCode).send(errorBody(err.code, err.message, err.details));
  }
  if (err.validation) {
    const details = err.validation.map((v) => ({
      path: `${err.validationContext ?? ""}${v.instancePath || ""}`,
      message: v.message,
    }));
    return reply
      .code(400)
      .send(
        errorBody(
          "invalid_request",
          `invalid ${err.validationContext ?? "request"}: ${details[0]?.path} ${details[0]?.message}`,
          details,
        ),
      );
  }
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return reply
        .code(413)
        .send(
          errorBody(
            "payload_too_large",
            `request body is larger than the limit of ${this.initialConfig.bodyLimit} bytes`,
          ),
        );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return reply
        .code(415)
        .send(errorBody("unsupported_media_type", "send JSON with Content-Type: application/json"));
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return reply.code(400).send(errorBody("malformed_json", "request body is empty; send a JSON object"));
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return reply
        .code(400)
        .send(errorBody("malformed_json", `request body is not valid JSON: ${err.message}`));
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return reply
      .code(400)
      .send(errorBody("malformed_json", `request body is not valid JSON: ${err.message}`));
  }
  // Postgres refuses text it cannot store (a NUL character): the input's fault, not the server's.
  const pgCode = (err as { code?: string }).code;
  if (pgCode === "22021" || pgCode === "22P05") {
    return reply.code(400).send(errorBody("invalid_request", "text must not contain NUL characters"));
  }
  const status = err.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err }, "request failed");
    return reply
      .code(500)
      .send(errorBody("internal_error", "the server failed to handle this request; see its log"));
  }
  return reply.code(status).send(errorBody("bad_request", err.message));
}

/** Builds the HTTP application around a store. Listening is the caller's business (see `startServer`). */
export async function buildApp(
  ctx: AppContext,
  logger: FastifyServerOptions["logger"] = false,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: ctx.config.bodyLimit,
    logController: new LogController({ disableRequestLogging: !ctx.config.logRequests }),
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  // Loaded before the first request, so that policy compilation can stay synchronous (see policy-compiler.ts).
  await loadCedar();
  app.setValidatorCompiler(validatorCompiler());
  // The API speaks JSON only: a text body is a 415 that says so, not a confusing "body must be object".
  app.removeContentTypeParser("text/plain");
  registerJsonParser(app);
  app.setErrorHandler(errorHandler);
  ctx.bus.onError = (err) => app.log.error({ err }, "event listener failed");
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody("not_found", `no route for ${request.method} ${request.url.split("?")[0]}`)),
  );
  app.decorateRequest("principal", null);
  app.addHook("onRequest", async (request) => {
    if (!(request.url.startsWith("/api/v1/") || request.url.startsWith("/v1/"))) return;
    const path = request.url.split("?")[0];
    if (path === "/api/v1/session" && request.method === "POST") return;
    // A bearer key wins; without one, a dashboard session cookie (with its CSRF checks) may do.
    if (request.headers.authorization === undefined) {
      const viaSession = await ctx.sessions.authenticate(request);
      if (viaSession) {
        request.principal = viaSession;
        return;
      }
    }
    request.principal = await ctx.auth.authenticate(request);
  });
  // Server-sent event streams never end by themselves: end them before the server waits for requests.
  app.addHook("preClose", async () => ctx.streams.closeAll());
  app.addHook("onResponse", async (request, reply) => {
    ctx.metrics.requestDuration.observe(reply.elapsedTime / 1000, {
      method: request.method,
      // The route pattern, never the raw URL: ids in paths would make a series per id.
      route: request.routeOptions.url ?? "unmatched",
      status_code: String(reply.statusCode),
    });
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "Trusera server API",
        version: "0.1.0",
        description:
          "Self-hosted Trusera platform. Every /api/v1 and /v1 route needs Authorization: Bearer tsk_...; " +
          "errors are {error:{code,message,details?}} with a stable code.",
      },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "tsk_... API key" } },
      },
      security: [{ bearer: [] }],
    },
  });
  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  for (const routes of [
    healthRoutes,
    projectRoutes,
    keyRoutes,
    agentRoutes,
    eventRoutes,
    compatRoutes,
    otlpRoutes,
    fleetRoutes,
    suggestionRoutes,
    policyRoutes,
    decisionRoutes,
    sessionRoutes,
    liveRoutes,
    alertRoutes,
    receiptRoutes,
    dashboardRoutes,
  ]) {
    await app.register(async (scope) => routes(scope, ctx));
  }
  return app;
}
