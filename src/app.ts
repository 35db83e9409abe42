import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Config } from "./config.js";
import type { Database } from "./db/connection.js";
import type { Redis } from "ioredis";
import { checkReadiness } from "./cluster/health.js";
import { FALLBACK_MAX_AGE_MS, type InvalidationHub } from "./cluster/invalidation.js";
import type { PasswordHasher } from "./crypto/passwords.js";
import type { SecretBox } from "./crypto/secretbox.js";
import type { TokenSigner } from "./crypto/jwt.js";
import { auditRoutes } from "./features/audit/routes.js";
import { createAuditService } from "./features/audit/service.js";
import { authRoutes } from "./features/auth/routes.js";
import { AuthUser, LoginResponse, TokenResponse } from "./features/auth/schemas.js";
import { createAuthService } from "./features/auth/service.js";
import { organizationRoutes } from "./features/organizations/routes.js";
import { OrganizationSettings } from "./features/organizations/schemas.js";
import { createOrganizationService } from "./features/organizations/service.js";
import { enforceRoute } from "./features/flashback/enforce-routes.js";
import { flashbackRoutes } from "./features/flashback/routes.js";
import { createLimitService } from "./features/limits/service.js";
import { defaultLimitRules } from "./features/limits/policy.js";
import { createLimitCounterStore } from "./features/limits/counter-store.js";
import { mfaRoutes } from "./features/mfa/routes.js";
import { FlashbackError } from "./features/mfa/schemas.js";
import { createMfaService } from "./features/mfa/service.js";
import { passwordRoutes } from "./features/passwords/routes.js";
import { createPasswordService } from "./features/passwords/service.js";
import { createSessionCache } from "./features/sessions/session-cache.js";
import { createSessionService } from "./features/sessions/service.js";
import { createSessionControl } from "./features/sessions/control.js";
import { sessionRoutes } from "./features/sessions/routes.js";
import { invitationRoutes } from "./features/invitations/routes.js";
import { createInvitationService } from "./features/invitations/service.js";
import { userRoutes } from "./features/users/routes.js";
import { createUserService } from "./features/users/service.js";
import { registerAuthGuard } from "./http/auth-guard.js";
import { answerClientError } from "./http/client-error.js";
import { acceptEmptyJsonBody } from "./http/json-body.js";
import { trustProxyOption } from "./http/client-context.js";
import { registerErrorHandling, sendError, toAppError } from "./http/error-handler.js";
import { registerSecurityHeaders } from "./http/security-headers.js";
import { withLogRedaction } from "./http/log-redaction.js";
import { registerRefreshCookie } from "./http/refresh-cookie.js";
import { consoleRoutes } from "./http/console.js";
import { ErrorBody } from "./http/schemas.js";
import { JWKS_ROUTE_SCHEMA, registerDocsUi, registerOpenApi } from "./http/openapi.js";
import { createValidatorCompiler } from "./http/validation.js";
import { createMailDelivery } from "./mail/delivery.js";
import { createOutboxMailer, type Mailer } from "./mail/mailer.js";
import { securityNotice, type NotifySecurityChange } from "./mail/security-notice.js";
import { createSmtpMailer } from "./mail/smtp.js";

export interface AppDeps {
  database: Database;
  config: Config;
  clock?: () => Date;
  box: SecretBox;
  hasher: PasswordHasher;
  signer: TokenSigner;
  /** argon2id hash of a random password, verified for unknown users (timing). */
  dummyHash: string;
  logger?: boolean | object;
  /** Defaults to the outbox in DATA_DIR. */
  mailer?: Mailer;
  /** Scaled out: other instances' changes, heard through LISTEN (src/cluster/). */
  invalidation?: InvalidationHub;
  /** Scaled out: failure counters in Redis, PostgreSQL as fallback. */
  redis?: Redis | null;
  /** Sees every route as it is registered (test/openapi.test.ts checks each is documented). */
  onRoute?: (route: RouteOptions) => void;
}

const SHARED_SCHEMAS = [ErrorBody, FlashbackError, AuthUser, TokenResponse, LoginResponse, OrganizationSettings];

/** The composition root: repos → services → routes. Does not listen. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { database, config } = deps;
  const clock = deps.clock ?? (() => new Date());
  const db = database.db;

  const app = Fastify({
    logger: withLogRedaction(deps.logger ?? false),
    bodyLimit: 64 * 1024,
    // Behind a load balancer: TRUST_PROXY names it, so request.ip (per-IP limits, audit) is the client's.
    trustProxy: trustProxyOption(config.trustProxy),
    return503OnClosing: true,
    // Malformed URLs are answered in the contract's error body, not Fastify's.
    frameworkErrors: (error, request, reply) => sendError(request, reply, toAppError(error)),
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (deps.onRoute) app.addHook("onRoute", deps.onRoute);
  app.setValidatorCompiler(createValidatorCompiler(() => SHARED_SCHEMAS));
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  registerErrorHandling(app);
  registerSecurityHeaders(app, { publicUrl: config.publicUrl });
  // JSON only: anything else is refused with 415 rather than parsed as text.
  app.removeContentTypeParser(["text/plain"]);

  // A body-less POST (logout, Flashback's self-reset) validates as an empty object.
  app.addHook("preValidation", async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
  app.addHook("onSend", async (request, reply) => {
    if (request.url.startsWith("/api/") || request.url.startsWith("/mfa")) reply.header("cache-control", "no-store");
  });

  await registerOpenApi(app);
  await registerDocsUi(app);

  const mailer = deps.mailer ?? (config.smtpUrl
    ? createSmtpMailer(config.smtpUrl, { from: `Gatehouse <no-reply@${new URL(config.publicUrl).hostname}>` })
    : createOutboxMailer(config.dataDir, (msg) => app.log.info(msg)));
  const mail = createMailDelivery(mailer, app.log);
  // A mail handed over before close still leaves (the CLI closes right after its one action).
  app.addHook("onClose", () => mail.drain());
  const notify: NotifySecurityChange = (user, org, change, ctx) => mail.deliver(securityNotice(change, user.email, org, clock(), ctx.ip));

  // PGlite: this process is the only writer, so caches are exact. PostgreSQL has other writers, whose
  // changes arrive by NOTIFY; entries age out as a backstop (src/cluster/invalidation.ts).
  const cacheMaxAgeMs = database.kind === "pglite" ? Infinity : deps.invalidation?.maxAgeMs ?? FALLBACK_MAX_AGE_MS;
  const sessionCache = createSessionCache({ maxAgeMs: cacheMaxAgeMs });
  const sessions = createSessionService({ db, config, clock, signer: deps.signer, cache: sessionCache });
  const limits = createLimitService({
    db,
    clock,
    rules: defaultLimitRules(config.limitAccountFailures, config.limitIpFailures, config.limitRegistrations),
    store: createLimitCounterStore({ db, redis: deps.redis ?? null, log: app.log }),
  });
  const organizations = createOrganizationService({ db, clock, maxAgeMs: cacheMaxAgeMs });
  const auth = createAuthService({ db, config, clock, hasher: deps.hasher, sessions, limits, dummyHash: deps.dummyHash, organizations });
  deps.invalidation?.subscribe((event) => {
    if (event.kind === "session") sessionCache.invalidateSessions([event.id]);
    else if (event.kind === "user") sessionCache.invalidateUser(event.id);
    else if (event.kind === "organization") organizations.forget(event.id);
    else if (event.kind === "all") {
      sessionCache.clear();
      organizations.forgetAll();
    }
  });
  const users = createUserService({ db, clock, sessions });
  const invitations = createInvitationService({ db, config, clock, hasher: deps.hasher, mail, auth });
  const sessionControl = createSessionControl({ db, sessions });
  const audit = createAuditService({ db });
  const mfa = createMfaService({ db, clock, box: deps.box, auth, sessions, limits, notify });
  const passwords = createPasswordService({ db, config, clock, hasher: deps.hasher, sessions, auth, limits, mail, notify, log: app.log });
  registerAuthGuard(app, { db, sessions, clock });
  acceptEmptyJsonBody(app);
  await registerRefreshCookie(app, { refreshTokenTtl: config.refreshTokenTtl });
  // The host CLI (src/cli/) drives the same services as the routes.
  app.decorate("services", { auth, sessions, organizations, mfa, passwords, audit, mail });

  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const { ready, body } = await checkReadiness({ db, listening: deps.invalidation?.listening, redis: deps.redis });
    return reply.code(ready ? 200 : 503).send(body);
  });
  app.get("/.well-known/jwks.json", { schema: JWKS_ROUTE_SCHEMA }, async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return deps.signer.jwks();
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (api) => {
      await api.register(authRoutes, { auth, sessions });
      await api.register(organizationRoutes, { organizations });
      await api.register(userRoutes, { users, invitations, publicUrl: config.publicUrl });
      await api.register(invitationRoutes, { invitations });
      await api.register(sessionRoutes, { sessionControl });
      await api.register(auditRoutes, { audit });
      await api.register(passwordRoutes, { passwords });
      await api.register(mfaRoutes, { mfa, organizations });
      await api.register(enforceRoute, { organizations });
    },
    { prefix: "/api/v1" },
  );
  // Flashback's dialect lives at the root.
  await app.register(enforceRoute, { organizations });
  await app.register(flashbackRoutes, { mfa });
  // The web console (dist/web) at `/`, with the SPA fallback for its own paths.
  await app.register(consoleRoutes, { signup: config.signup });

  return app;
}

declare module "fastify" {
  interface FastifyInstance {
    services: {
      auth: import("./features/auth/service.js").AuthService;
      sessions: import("./features/sessions/service.js").SessionService;
      organizations: import("./features/organizations/service.js").OrganizationService;
      mfa: import("./features/mfa/service.js").MfaService;
      passwords: import("./features/passwords/service.js").PasswordService;
      audit: import("./features/audit/service.js").AuditService;
      mail: import("./mail/delivery.js").MailDelivery;
    };
  }
}
