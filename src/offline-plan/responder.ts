/**
 * The only "AWS" the offline plan talks to: a loopback HTTP server that every
 * service endpoint of the provider points at. It answers exactly two calls,
 * the ones Terraform's ephemeral resources make (Terraform 1.11's test
 * framework cannot override ephemeral resources):
 * secretsmanager:GetRandomPassword (aws_secretsmanager_random_password) and
 * secretsmanager:GetSecretValue (aws_secretsmanager_secret_version, the
 * database's password read back from the secret version the stack wrote;
 * answered with a fake JSON login of that secret and version). Every other
 * request is refused with an error and recorded, and the plan fails on it:
 * the stacks are planned with every data source overridden, so nothing else
 * should ever ask.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  /** e.g. "secretsmanager.GetRandomPassword", "ec2 DescribeVpcs", "POST /2013-04-01/hostedzone". */
  readonly call: string;
  readonly answered: boolean;
}

export interface Responder {
  readonly url: string;
  readonly calls: RecordedCall[];
  close(): Promise<void>;
}

/** Characters Secrets Manager counts as punctuation (GetRandomPassword API reference). */
const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/**
 * A password that satisfies a GetRandomPassword request's rules
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html):
 * deterministic, since nothing reads it (it is written only to write-only arguments).
 */
export function fakeRandomPassword(req: Record<string, unknown>): string {
  const length = typeof req.PasswordLength === "number" ? req.PasswordLength : 32;
  const excluded = new Set(String(req.ExcludeCharacters ?? ""));
  const pools = [
    req.ExcludeUppercase ? "" : "ABCDEFGHJKLMNPQRSTUVWXYZ",
    req.ExcludeLowercase ? "" : "abcdefghijkmnopqrstuvwxyz",
    req.ExcludeNumbers ? "" : "23456789",
    req.ExcludePunctuation ? "" : PUNCTUATION,
    req.IncludeSpace ? " " : "",
  ]
    .map((p) => [...p].filter((c) => !excluded.has(c)).join(""))
    .filter(Boolean);
  if (pools.length === 0) throw new Error("GetRandomPassword: every character class is excluded");
  let out = "";
  for (let i = 0; out.length < length; i++) {
    const pool = pools[i % pools.length];
    out += pool[Math.floor(i / pools.length) % pool.length];
  }
  return out;
}

/** Which AWS call a request is, from its X-Amz-Target (JSON protocols), Action (query protocols) or path (REST). */
export function describe(req: http.IncomingMessage, body: string): string {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target;
  const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "?";
  const action = /(?:^|&)Action=([^&]+)/.exec(body)?.[1];
  return action ? `${scope} ${action}` : `${scope} ${req.method} ${req.url}`;
}

/** An answer of an optional extra handler (src/offline-plan/data-api.ts): status, content type and body. */
export interface ExtraAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}
/** Answers more calls than the two above (undefined: not this handler's call). */
export type ExtraHandler = (call: string, req: http.IncomingMessage, body: string) => ExtraAnswer | undefined;

/**
 * Starts a responder on 127.0.0.1 (a port the kernel picks). `extra`
 * answers further calls: the plain `terraform plan` of the pipeline's plan
 * step (src/offline-plan/ci-plan.ts), which cannot override data sources,
 * needs their reads answered with the fake account's values.
 */
export function startResponder(extra?: ExtraHandler): Promise<Responder> {
  const calls: RecordedCall[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const call = describe(req, body);
      const answered = extra?.(call, req, body);
      if (answered) {
        calls.push({ call, answered: answered.status === 200 });
        res.writeHead(answered.status, { "content-type": answered.contentType, "content-length": Buffer.byteLength(answered.text) });
        res.end(answered.text);
        return;
      }
      let status = 400;
      let payload: Record<string, unknown> = {
        __type: "OfflinePlanRefused",
        message: `offline plan: ${call} refused; only secretsmanager.GetRandomPassword and secretsmanager.GetSecretValue are answered (src/offline-plan/responder.ts)`,
      };
      if (call === "secretsmanager.GetSecretValue") {
        const req = JSON.parse(body || "{}") as { SecretId?: string; VersionId?: string };
        payload = {
          ARN: req.SecretId,
          Name: req.SecretId,
          VersionId: req.VersionId ?? "00000000-0000-4000-8000-000000000000",
          SecretString: JSON.stringify({ username: "offline-plan", password: fakeRandomPassword({ PasswordLength: 32 }) }),
          VersionStages: ["AWSCURRENT"],
          CreatedDate: 0,
        };
        status = 200;
      }
      if (call === "secretsmanager.GetRandomPassword") {
        try {
          payload = { RandomPassword: fakeRandomPassword(JSON.parse(body || "{}")) };
          status = 200;
        } catch (e) {
          payload = { __type: "InvalidParameterException", message: (e as Error).message };
        }
      }
      calls.push({ call, answered: status === 200 });
      const text = JSON.stringify(payload);
      res.writeHead(status, {
        "content-type": "application/x-amz-json-1.1",
        "content-length": Buffer.byteLength(text),
        ...(status === 200 ? {} : { "x-amzn-errortype": String(payload.__type) }),
      });
      res.end(text);
    });
  });
  // Idle keep-alive connections stay open until the responder closes. With
  // node's default keepAliveTimeout (5 s) the server closes an idle
  // connection while the provider's Go transport (IdleConnTimeout 90 s) may
  // be sending the next request on it: the request dies with "connection
  // reset by peer" and Go does not resend a POST it may have written (the
  // AWS JSON and query protocols are POSTs; the test provider blocks set
  // max_retries = 1). Seen under load (load average ~28) on an Aurora plan
  // whose two ephemeral reads were more than 5 s apart. 0 disables the
  // timeout (node docs, server.keepAliveTimeout); server.close() still ends
  // every idle connection (node >= 19 closes idle connections on close).
  server.keepAliveTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        calls,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
