import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { notFound } from "../errors.js";

export async function projectRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    "/api/v1/project",
    { schema: { summary: "The project of the calling key, and the key's role", tags: ["projects"] } },
    async (request) => {
      const p = requireRole(request, "ingest");
      const project = await ctx.store.getProject(p.projectId);
      if (!project) throw notFound("project");
      return {
        id: project.id,
        name: project.name,
        created_at: project.createdAt,
        key: { id: p.keyId, role: p.role },
      };
    },
  );
}
