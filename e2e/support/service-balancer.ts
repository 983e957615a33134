/**
 * The e2e stand-in for the companion's Kubernetes Service when the chart runs several replicas:
 * the hub's service URL (and so configurable-http-proxy's route for `/services/launchpad/`) points
 * at this port, and each TCP connection made to it is handed, round-robin, to one of the replicas
 * that are its endpoints, then bytes are copied both ways until either side closes.
 *
 * What it stands in for: kube-proxy balancing a ClusterIP Service per connection (iptables or
 * IPVS mode pick one endpoint per connection, never per request: a keep-alive connection, or a
 * build stream, stays on the replica it reached), and the Service's endpoints following the
 * replicas' pods (`setEndpoints`: a rolling update adds the new pod once it is ready and removes
 * the old one when it starts terminating). When a replica dies, the connections it served close
 * as its sockets do (the kernel resets or ends them), and so do their copies here.
 *
 * What it does not do: readiness probes (the stack changes the endpoints itself; a replica whose
 * port refuses a connection is skipped for that connection and the next one is tried, where
 * kube-proxy would still pick a pod that died until its endpoint is marked not ready),
 * session affinity, NAT (replicas see connections from this process, not the proxy), or any
 * HTTP: it never reads what it copies.
 */
import { once } from "node:events";
import {
  createConnection,
  createServer,
  type AddressInfo,
  type Server,
  type Socket,
} from "node:net";

export interface Endpoint {
  /** The replica's name (its pod name), as the connection table reports it. */
  name: string;
  port: number;
}

export interface BalancedConnection {
  endpoint: string;
  open: boolean;
}

export class ServiceBalancer {
  private server: Server | undefined;
  private endpoints: Endpoint[] = [];
  private next = 0;
  private readonly sockets = new Set<Socket>();
  /** Every connection handed to a replica, in order (the stack's log of where traffic went). */
  readonly connections: BalancedConnection[] = [];

  private readonly host = "127.0.0.1";

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.endpoints = [...endpoints];
  }

  async listen(port: number): Promise<void> {
    const server = createServer((client) => this.accept(client));
    server.listen(port, this.host);
    await once(server, "listening");
    this.server = server;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
  }

  private accept(client: Socket): void {
    this.track(client);
    client.pause();
    client.on("error", () => client.destroy());
    // One pass over the endpoints, starting at the next in turn; refused ones are skipped.
    const candidates = this.endpoints.length;
    const start = this.next++;
    const attempt = (tried: number): void => {
      if (client.destroyed) return;
      if (tried >= candidates) {
        client.destroy(); // no endpoint: a connection refused, as to a Service without endpoints
        return;
      }
      const endpoint = this.endpoints[(start + tried) % candidates];
      if (!endpoint) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: this.host, port: endpoint.port });
      this.track(upstream);
      let connected = false;
      upstream.once("connect", () => {
        connected = true;
        const record: BalancedConnection = { endpoint: endpoint.name, open: true };
        this.connections.push(record);
        upstream.once("close", () => (record.open = false));
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on("error", () => {
        if (!connected) return attempt(tried + 1);
        // A replica that died: its connections end as the kernel ended them (reset).
        client.resetAndDestroy();
      });
      client.once("close", () => upstream.destroy());
    };
    attempt(0);
  }
}
