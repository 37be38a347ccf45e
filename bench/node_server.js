// Node.js Socket.IO 4.8 peer for bench/fanout.py --peer node.
//
// The same surface as bench/bare_server.py, with nothing around Socket.IO:
//   * namespace /staff; the connect `auth` payload must be {token: <--token>};
//     every client joins one room;
//   * POST /api/v1/sos (any JSON body) -> emits one `ticket.created`, shaped like
//     a hub ticket and padded to --payload-bytes of JSON, to that room, then
//     answers 201 {id, number, status, thread_url};
//   * GET /healthz -> 200 {status: "ok"}.
// Socket.IO's defaults otherwise (websocket via `ws`, no per-message deflate,
// ping every 25 s). Socket.IO encodes an emit to a room once and writes the
// same frame to every socket.
//
// Run: node bench/node_server.js --port 8766 [--token bench] [--payload-bytes 700]
"use strict";

const http = require("http");
const crypto = require("crypto");
const { Server } = require("socket.io");

const ROOM = "tenant:bench";
const NAMESPACE = "/staff";

function parseArgs(argv) {
  const out = { host: "127.0.0.1", port: 8766, token: "bench", payloadBytes: 700 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === "--host") out.host = v;
    else if (k === "--port") out.port = Number(v);
    else if (k === "--token") out.token = v;
    else if (k === "--payload-bytes") out.payloadBytes = Number(v);
    else throw new Error(`unknown option ${k}`);
  }
  return out;
}

function makeTicket(number, text, seq, publicUrl, payloadBytes) {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00");
  const ticket = {
    id: crypto.randomUUID().replaceAll("-", ""),
    number,
    status: "new",
    text,
    language: "en",
    translations: {},
    anonymous: true,
    contact: null,
    point: { code: "bench1", label: "Bench" },
    kiosk: null,
    department: null,
    category: null,
    assignee: null,
    created_at: now,
    updated_at: now,
    first_response_at: null,
    resolved_at: null,
    thread_url: `${publicUrl}/t/${crypto.randomUUID().replaceAll("-", "")}`,
    seq,
  };
  // pad so that the JSON payload is about payloadBytes long (as bare_server.py does)
  const size = Buffer.byteLength(JSON.stringify(ticket));
  if (payloadBytes && size < payloadBytes) {
    const pad = payloadBytes - size - ',"description":""'.length;
    ticket.description = "x".repeat(Math.max(0, pad));
  }
  return ticket;
}

function respond(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!["127.0.0.1", "localhost", "::1"].includes(args.host)) {
    console.error("node_server: refusing to listen anywhere but loopback");
    process.exit(2);
  }
  const publicUrl = `http://${args.host}:${args.port}`;
  let number = 0;
  let seq = 0;

  const server = http.createServer((req, res) => {
    if (req.url === "/healthz" && req.method === "GET") {
      respond(res, 200, { status: "ok", store: "none", redis: "off" });
      return;
    }
    if (req.url === "/api/v1/sos" && req.method === "POST") {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        let text;
        try {
          const data = JSON.parse(Buffer.concat(chunks).toString() || "{}");
          text = String(data.text ?? "").slice(0, 2000);
        } catch {
          respond(res, 400, { error: { code: "invalid", message: "bad json" } });
          return;
        }
        number += 1;
        seq += 1;
        const ticket = makeTicket(number, text, seq, publicUrl, args.payloadBytes);
        io.of(NAMESPACE).to(ROOM).emit("ticket.created", ticket);
        respond(res, 201, {
          id: ticket.id,
          number: ticket.number,
          status: "new",
          thread_url: ticket.thread_url,
        });
      });
      return;
    }
    // Socket.IO answers /socket.io/ itself before this handler runs
    respond(res, 404, { error: { code: "not_found", message: req.url } });
  });

  const io = new Server(server, { serveClient: false });
  io.of(NAMESPACE).use((socket, next) => {
    const auth = socket.handshake.auth;
    if (!auth || auth.token !== args.token) next(new Error("unauthorized"));
    else next();
  });
  io.of(NAMESPACE).on("connection", (socket) => {
    socket.join(ROOM);
  });

  server.listen({ host: args.host, port: args.port, backlog: 4096 }, () => {
    console.error(`node_server: socket.io listening on ${publicUrl}`);
  });
  const stop = () => {
    io.close();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main();
