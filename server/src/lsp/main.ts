// Entry point of the language server (dist/server.js, bin `nginx-risk-language-server`). The transport
// comes from the command line as vscode-languageclient passes it: --stdio, --node-ipc or --socket=N.
import { ProposedFeatures, createConnection, type Connection } from "vscode-languageserver/node";
import { checkingStrategy, guardConnection } from "./guard";
import { startServer } from "./server";

// Malformed messages are answered (InvalidParams) or dropped before any handler sees them, and handler
// failures are logged, never sent as answers (guard.ts).
const log = (message: string): void => connection.console.error(message);
const connection: Connection = createConnection(ProposedFeatures.all, { messageStrategy: checkingStrategy(log) });

// A bug in one analysis must not take the editor's diagnostics down with it: log and keep serving.
// (Analysis paths catch their own errors; these are the ones that escaped.)
process.on("uncaughtException", (err) => connection.console.error(`uncaught exception: ${err.stack ?? err.message}`));
process.on("unhandledRejection", (reason) =>
  connection.console.error(
    `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
  ),
);

startServer(guardConnection(connection, log), { watchClient: true });
