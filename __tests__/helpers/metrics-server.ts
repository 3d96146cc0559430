import * as http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP server exposing Prometheus text-format metrics whose
 * values a test changes: stands in for a metrics endpoint (an app instance,
 * the CloudWatch exporter) in tests that run the real Prometheus.
 */
export class MetricsServer {
  /** Lines of the exposition after the `# TYPE` lines, e.g. 'drweb_db_role{region="us-east-2"} 1'. */
  lines: string[] = [];
  private readonly server: http.Server;

  constructor(private readonly types: Record<string, "gauge" | "counter"> = {}) {
    this.server = http.createServer((_req, res) => {
      const body = [...Object.entries(this.types).map(([n, t]) => `# TYPE ${n} ${t}`), ...this.lines, ""].join("\n");
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(body);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
