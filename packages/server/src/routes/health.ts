import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";

export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    "/healthz",
    {
      schema: {
        summary: "Liveness: the process answers",
        tags: ["operations"],
        security: [],
        response: { 200: { type: "object", properties: { status: { type: "string" } } } },
      },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        summary: "Readiness: the store answers and the process is not shutting down",
        tags: ["operations"],
        security: [],
      },
    },
    async (_request, reply) => {
      if (ctx.lifecycle.closing) return reply.code(503).send({ status: "shutting_down" });
      try {
        await ctx.store.ping();
        return { status: "ready", store: ctx.store.dialect };
      } catch (err) {
        return reply
          .code(503)
          .send({ status: "store_unavailable", store: ctx.store.dialect, message: (err as Error).message });
      }
    },
  );

  app.get(
    "/metrics",
    { schema: { summary: "Prometheus metrics of this process", tags: ["operations"], security: [] } },
    async (_request, reply) =>
      reply.type("text/plain; version=0.0.4; charset=utf-8").send(ctx.metrics.render()),
  );
}
