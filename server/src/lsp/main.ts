// Entry point of the language server (dist/server.js, bin `nginx-risk-language-server`). The transport
// comes from the command line as vscode-languageclient passes it: --stdio, --node-ipc or --socket=N.
import { ProposedFeatures, createConnection } from "vscode-languageserver/node";
import { startServer } from "./server";

const connection = createConnection(ProposedFeatures.all);

// A bug in one analysis must not take the editor's diagnostics down with it: log and keep serving.
// (Analysis paths catch their own errors; these are the ones that escaped.)
process.on("uncaughtException", (err) => connection.console.error(`uncaught exception: ${err.stack ?? err.message}`));
process.on("unhandledRejection", (reason) =>
  connection.console.error(
    `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
  ),
);

startServer(connection, { watchClient: true });
