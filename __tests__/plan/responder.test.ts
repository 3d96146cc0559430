import { fakeRandomPassword, startResponder } from "../../scripts/plan/responder";

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

  it("refuses a request whose rules exclude every character", () => {
    expect(() => fakeRandomPassword({ ExcludeUppercase: true, ExcludeLowercase: true, ExcludeNumbers: true, ExcludePunctuation: true })).toThrow("every character class is excluded");
  });
});
