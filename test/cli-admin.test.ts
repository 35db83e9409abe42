import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase } from "./helpers/harness.js";
import { outbox } from "./helpers/admin.js";
import { bearer, login, registerOrg } from "./helpers/api.js";
import { enrolTotp } from "./helpers/mfa.js";
import { gatehouse } from "./helpers/cli.js";


describeEachDatabase("gatehouse admin reset-mfa", (h) => {
  test("a locked-out sole admin gets back in through the host CLI", async () => {
    const org = await registerOrg(h);
    await enrolTotp(h, org.accessToken);
    await h.inject({ method: "PATCH", url: "/api/v1/organization/settings", headers: bearer(org.accessToken), payload: { mfaRequired: true } });
    const result = await h.whileStopped(() => gatehouse(h.childEnv(), "admin", "reset-mfa", "--org", org.slug, "--email", org.email));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /MFA reset for/);
    const next = (await login(h, org.slug, org.email, org.password)).json();
    assert.equal(next.mfaSetupRequired, true, "enforcement sends the admin through enrolment again");
    const audit = await h.runtime.database.db.selectFrom("audit_logs").selectAll()
      .where("event_type", "=", "MFA_RESET").where("resource_id", "=", org.userId).execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_type, "SYSTEM");
    // The CLI exits right after its action; the notice it handed over still left.
    const notices = outbox(h).filter((m) => m.to === org.email && /^An administrator removed your /.test(m.subject));
    assert.equal(notices.length, 1);
  });

  test("unknown users exit 1, missing flags exit 2", async () => {
    const org = await registerOrg(h);
    const [missing, usage] = await h.whileStopped(async () => [
      await gatehouse(h.childEnv(), "admin", "reset-mfa", "--org", org.slug, "--email", "nobody@x.test"),
      await gatehouse(h.childEnv(), "admin", "reset-mfa", "--org", org.slug),
    ]);
    assert.equal(missing!.code, 1);
    assert.match(missing!.stderr, /no user/);
    assert.equal(usage!.code, 2);
  });
}, { persistent: true });
