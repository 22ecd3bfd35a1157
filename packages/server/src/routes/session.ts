import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { notFound } from "../errors.js";

/** Dashboard sign-in and sign-out: a session cookie for an admin key or the operator's password. */
export async function sessionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const describe = async (
    projectId: string,
    csrfToken: string | null,
    expiresAt: number | null,
    keyId: string,
  ) => {
    const project = await ctx.store.getProject(projectId);
    if (!project) throw notFound("project");
    return {
      project: { id: project.id, name: project.name },
      role: "admin",
      key_id: keyId,
      csrf_token: csrfToken,
      expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
      password_sign_in: ctx.config.dashboard?.password != null,
    };
  };

  app.post<{ Body: { api_key?: string; password?: string } }>(
    "/api/v1/session",
    {
      schema: {
        summary:
          "Dashboard sign-in with an admin API key or the operator's password: sets an HttpOnly, SameSite=Strict session cookie",
        tags: ["dashboard"],
        security: [],
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            api_key: { type: "string", maxLength: 200 },
            password: { type: "string", maxLength: 1000 },
          },
        },
      },
    },
    async (request, reply) => {
      const s = await ctx.sessions.signIn(request, reply, request.body);
      return describe(s.projectId, s.csrfToken, s.expiresAt, s.keyId ?? "dashboard-password");
    },
  );

  app.get(
    "/api/v1/session",
    { schema: { summary: "The signed-in project, role and the session's CSRF token", tags: ["dashboard"] } },
    async (request) => {
      const p = requireRole(request, "admin");
      return describe(p.projectId, p.session?.csrfToken ?? null, p.session?.expiresAt ?? null, p.keyId);
    },
  );

  app.delete(
    "/api/v1/session",
    { schema: { summary: "Sign out: ends the session and clears the cookie", tags: ["dashboard"] } },
    async (request, reply) => {
      await ctx.sessions.signOut(request, reply);
      return { signed_out: true };
    },
  );
}
