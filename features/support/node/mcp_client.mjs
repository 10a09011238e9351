// The MCP TypeScript SDK's own client, driven by rewind's scenarios one JSON line at a time.
//
// The first line on stdin names the server: {"command", "args", "env", "cwd"} to start it
// over stdio, or {"url", "token"} for streamable HTTP with a bearer token. The client then
// connects and lists the tools, as agents built on this SDK do (listing is what makes it
// check every later result against the tool's output schema), and prints
// {"connected": true, "tools": [...]}. Each further line is {"call": name, "arguments": {...}}
// or {"calls": [[name, arguments], ...]} (sent at once); each is answered by one line:
// {"result": <CallToolResult>} or {"thrown": {"name", "code", "message"}} when the client
// raised instead of returning a result (a protocol error, or a result it refused).
// End of input closes the client.

import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

function transportFor(server) {
  if (server.command) {
    return new StdioClientTransport({
      command: server.command,
      args: server.args ?? [],
      env: server.env,
      cwd: server.cwd,
      stderr: "inherit",
    });
  }
  return new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: { Authorization: `Bearer ${server.token}` } },
  });
}

async function outcome(client, name, args) {
  try {
    return { result: await client.callTool({ name, arguments: args }) };
  } catch (error) {
    return { thrown: { name: error.name, code: error.code ?? null, message: error.message } };
  }
}

async function main() {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const input = lines[Symbol.asyncIterator]();
  const first = await input.next();
  if (first.done) return;
  const client = new Client({ name: "rewind-scenarios", version: "1.0.0" });
  await client.connect(transportFor(JSON.parse(first.value)));
  const { tools } = await client.listTools();
  say({ connected: true, tools });
  for (let line = await input.next(); !line.done; line = await input.next()) {
    const request = JSON.parse(line.value);
    if (request.calls) {
      const results = await Promise.all(
        request.calls.map(([name, args]) => outcome(client, name, args)),
      );
      say({ results });
    } else {
      say(await outcome(client, request.call, request.arguments ?? {}));
    }
  }
  await client.close();
}

main().catch((error) => {
  process.stderr.write(`mcp_client.mjs: ${error.stack ?? error}\n`);
  process.exit(1);
});
