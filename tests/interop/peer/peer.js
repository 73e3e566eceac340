// Entry point of the interop peer: an independent ActivityPub server built on
// Fedify, listening on 127.0.0.1 over plain http.  It prints one JSON line to
// stdout once it accepts connections: {"event":"ready","port":...,...}.
//
//   node peer.js [--port 0] [--actors bob,carol] [--log-level warning]

import { AsyncLocalStorage } from "node:async_hooks";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { configure } from "@logtape/logtape";
import { handleControl } from "./control.js";
import { createPeerFederation, signatureSchemeOf } from "./federation.js";
import { PeerState } from "./state.js";

const { values: options } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    actors: { type: "string", default: "bob" },
    "log-level": { type: "string", default: "warning" },
  },
});

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: {
    stderr: (record) => {
      const message = record.message.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join("");
      process.stderr.write(`${new Date(record.timestamp).toISOString()} ${record.level} ${record.category.join(".")}: ${message}\n`);
    },
  },
  loggers: [
    { category: "fedify", sinks: ["stderr"], lowestLevel: options["log-level"] },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});

const actorNames = options.actors.split(",").map((name) => name.trim()).filter(Boolean);
const state = new PeerState(actorNames);
let federation = null;
let origin = null;

async function toWebRequest(incoming) {
  const chunks = [];
  for await (const chunk of incoming) chunks.push(chunk);
  const headers = new Headers();
  for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
    headers.append(incoming.rawHeaders[i], incoming.rawHeaders[i + 1]);
  }
  const hasBody = !["GET", "HEAD"].includes(incoming.method);
  return new Request(new URL(incoming.url, origin), {
    method: incoming.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
}

function parseJsonOrNull(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function handle(request, afterResponse) {
  if (new URL(request.url).pathname.startsWith("/_control/")) {
    return handleControl(state, federation, request);
  }
  const body = request.method === "POST" ? parseJsonOrNull(await request.clone().text()) : null;
  return federation.fetch(request, {
    contextData: { signatureScheme: signatureSchemeOf(request.headers), body, afterResponse },
    onNotFound: () => new Response("Not Found", { status: 404 }),
    onNotAcceptable: () => new Response("Not Acceptable", { status: 406 }),
  });
}

const server = createServer(async (incoming, outgoing) => {
  try {
    const afterResponse = []; // work that must wait until the response is sent
    const response = await handle(await toWebRequest(incoming), afterResponse);
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()), () => {
      for (const task of afterResponse) task();
    });
  } catch (error) {
    process.stderr.write(`request ${incoming.method} ${incoming.url} failed: ${error?.stack ?? error}\n`);
    if (!outgoing.headersSent) outgoing.writeHead(500, { "content-type": "text/plain" });
    outgoing.end("internal error");
  }
});

server.listen(Number(options.port), "127.0.0.1", () => {
  const { port } = server.address();
  origin = `http://127.0.0.1:${port}`;
  federation = createPeerFederation(state, origin);
  const actors = actorNames.map((name) => ({ name, id: `${origin}/users/${name}`, handle: `${name}@127.0.0.1:${port}` }));
  process.stdout.write(`${JSON.stringify({ event: "ready", port, origin, actors })}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
