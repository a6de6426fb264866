/**
 * The emulator's HTTP(S) server and its in-process handle.
 */
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { rootLogger } from "../util/log.ts";
import { serveApi } from "./api-route.ts";
import { handleInspection } from "./inspection.ts";
import type { EmulatorOptions } from "./options.ts";
import { EmulatorState } from "./state.ts";

export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:43117` (no trailing slash). */
  url: string;
  port: number;
  /** Direct access to stores, logs, stats and faults. */
  state: EmulatorState;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const log = rootLogger.child({ scope: "emulator" });

function listener(state: EmulatorState) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://emulator");
    const work = url.pathname.startsWith("/_emulator/")
      ? handleInspection(request, response, url, state)
      : serveApi(request, response, url, state);
    work.catch((error: unknown) => {
      log.error("emulator.request_failed", { path: url.pathname, error });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
}

/**
 * Starts a Mixpanel-compatible emulator.
 *
 * @example
 *   const emulator = await startEmulator({ projects: [{ token: "t" }] });
 *   // point a client at emulator.url, then:
 *   await emulator.close();
 */
export async function startEmulator(
  options: EmulatorOptions = {},
): Promise<Emulator> {
  const state = new EmulatorState(options);
  const handle = listener(state);
  const server: Server = options.tls
    ? createHttpsServer(options.tls, handle)
    : createHttpServer(handle);
  server.on("clientError", (_error, socket) => socket.destroy());

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls ? "https" : "http";
  const shownHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `${scheme}://${shownHost}:${port}`,
    port,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
