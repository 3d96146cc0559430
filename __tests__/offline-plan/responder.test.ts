import * as http from "node:http";
import { fakeRandomPassword, startResponder } from "../../src/offline-plan/responder";

/** One POST on the given keep-alive agent: its status and whether it went over a socket used before. */
function post(url: string, agent: http.Agent, target: string): Promise<{ status: number; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { "x-amz-target": target, "content-type": "application/x-amz-json-1.1" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, reusedSocket: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end(JSON.stringify({ PasswordLength: 16 }));
  });
}

// A real HTTP server on loopback, called the way the AWS SDK calls it.
describe("offline plan responder", () => {
  it("answers GetRandomPassword within the request's rules and refuses (and records) every other call", async () => {
    const r = await startResponder();
    try {
      const ok = await fetch(r.url, {
        method: "POST",
        headers: { "x-amz-target": "secretsmanager.GetRandomPassword", "content-type": "application/x-amz-json-1.1" },
        body: JSON.stringify({ PasswordLength: 32, ExcludeCharacters: "/@\"' \\", RequireEachIncludedType: true }),
      });
      expect(ok.status).toBe(200);
      const pw = ((await ok.json()) as { RandomPassword: string }).RandomPassword;
      expect(pw).toHaveLength(32);
      expect(pw).not.toMatch(/[/@"' \\]/);
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[0-9]/);
      const refused = await fetch(r.url, {
        method: "POST",
        headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-2/ec2/aws4_request, SignedHeaders=host", "content-type": "application/x-www-form-urlencoded" },
        body: "Action=DescribeVpcs&Version=2016-11-15",
      });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("ec2 DescribeVpcs refused");
      expect(r.calls).toEqual([
        { call: "secretsmanager.GetRandomPassword", answered: true },
        { call: "ec2 DescribeVpcs", answered: false },
      ]);
    } finally {
      await r.close();
    }
  });

  it("answers GetSecretValue (the ephemeral read-back of the database password) with a JSON login of the version asked for", async () => {
    const r = await startResponder();
    try {
      const res = await fetch(r.url, {
        method: "POST",
        headers: { "x-amz-target": "secretsmanager.GetSecretValue", "content-type": "application/x-amz-json-1.1" },
        body: JSON.stringify({ SecretId: "arn:aws:secretsmanager:us-east-2:123456789012:secret:drweb-prod/db/master-AbCdEf", VersionId: "v-1" }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { VersionId: string; SecretString: string };
      expect(body.VersionId).toBe("v-1");
      expect(JSON.parse(body.SecretString).password).toHaveLength(32);
      expect(r.calls).toEqual([{ call: "secretsmanager.GetSecretValue", answered: true }]);
    } finally {
      await r.close();
    }
  });

  // The provider's Go transport keeps idle connections for 90 s and sends
  // the next POST on one; a server that closed it after node's default 5 s
  // made that request fail with "connection reset by peer" under load (seen
  // in an Aurora plan). Waits past node's default (5 s, closed at ~6 s on node 20).
  it("keeps an idle keep-alive connection open past node's default 5 s, so a reused connection is never reset", async () => {
    const r = await startResponder();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await post(r.url, agent, "secretsmanager.GetRandomPassword")).toEqual({ status: 200, reusedSocket: false });
      await new Promise((done) => setTimeout(done, 7_000));
      expect(await post(r.url, agent, "secretsmanager.GetRandomPassword")).toEqual({ status: 200, reusedSocket: true });
    } finally {
      agent.destroy();
      await r.close();
    }
  }, 20_000);

  it("refuses a request whose rules exclude every character", () => {
    expect(() => fakeRandomPassword({ ExcludeUppercase: true, ExcludeLowercase: true, ExcludeNumbers: true, ExcludePunctuation: true })).toThrow("every character class is excluded");
  });
});
