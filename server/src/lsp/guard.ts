// Every handler the server registers goes through here (`guardConnection`): a malformed message never
// reaches it, and what it throws never reaches the client.
//
// vscode-jsonrpc answers a request whose handler throws with `Request <method> failed with message:
// <exception text>` (InternalError): the text of whatever broke, say `Cannot read properties of undefined
// (reading 'uri')`, or a message naming a file. And it does not look at params at all: a hover without a
// position reaches the handler. So:
// - `checkingStrategy` looks at every message before it is dispatched: a request whose params do not have
//   the shape the LSP gives them (the fields the server reads: a textDocument with a string uri, positions
//   and ranges of integers from 0 to 2^31 - 1, …) is answered with InvalidParams, saying which field,
//   never what it held; a malformed notification is dropped (and logged);
// - `guardConnection` wraps every handler registered through the connection's own `on…` methods: one that
//   throws anyway is answered with InternalError and a fixed text, and the exception (with its stack)
//   goes to the server log (the client's output channel, or stderr). `workspace.onDidChangeWorkspaceFolders`
//   is not wrapped (its params are checked, and it reads nothing else).

import {
  ErrorCodes,
  ResponseError,
  type Connection,
  type MessageStrategy,
  type RequestMessage,
} from "vscode-languageserver/node";

/** A check of a message's params: the problem (a field and what it must be), or null. */
type Check = (params: unknown) => string | null;

const MAX_UINTEGER = 2 ** 31 - 1;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isUinteger = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_UINTEGER;

function field(o: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, name) ? o[name] : undefined;
}

function position(v: unknown, where: string): string | null {
  if (!isObject(v)) return `${where} must be a position {line, character}`;
  if (!isUinteger(field(v, "line"))) return `${where}.line must be an integer from 0 to ${MAX_UINTEGER}`;
  if (!isUinteger(field(v, "character"))) return `${where}.character must be an integer from 0 to ${MAX_UINTEGER}`;
  return null;
}

function range(v: unknown, where: string): string | null {
  if (!isObject(v)) return `${where} must be a range {start, end}`;
  return position(field(v, "start"), `${where}.start`) ?? position(field(v, "end"), `${where}.end`);
}

function textDocument(p: Record<string, unknown>): string | null {
  const doc = field(p, "textDocument");
  if (!isObject(doc) || typeof field(doc, "uri") !== "string")
    return "params.textDocument must be {uri} with a string uri";
  return null;
}

/** `check` over params that must be an object. */
const object =
  (check: (p: Record<string, unknown>) => string | null): Check =>
  (params) =>
    isObject(params) ? check(params) : "params must be an object";

const documentParams = object(textDocument);
const positionParams = object((p) => textDocument(p) ?? position(field(p, "position"), "params.position"));
const rangeParams = object((p) => textDocument(p) ?? range(field(p, "range"), "params.range"));

function formattingOptions(p: Record<string, unknown>): string | null {
  const o = field(p, "options");
  if (!isObject(o)) return "params.options must be formatting options {tabSize, insertSpaces}";
  const tab = field(o, "tabSize");
  if (!isUinteger(tab) || (tab as number) < 1)
    return `params.options.tabSize must be an integer from 1 to ${MAX_UINTEGER}`;
  if (typeof field(o, "insertSpaces") !== "boolean") return "params.options.insertSpaces must be true or false";
  return null;
}

const codeActionParams = object((p) => {
  const problem = textDocument(p) ?? range(field(p, "range"), "params.range");
  if (problem) return problem;
  const context = field(p, "context");
  if (!isObject(context) || !Array.isArray(field(context, "diagnostics")))
    return "params.context must be {diagnostics} with an array of diagnostics";
  for (const d of field(context, "diagnostics") as unknown[]) {
    if (!isObject(d)) return "params.context.diagnostics must hold diagnostics";
    const r = range(field(d, "range"), "params.context.diagnostics[].range");
    if (r) return r;
    if (typeof field(d, "message") !== "string") return "params.context.diagnostics[].message must be a string";
  }
  const only = field(context, "only");
  if (only !== undefined && only !== null && !(Array.isArray(only) && only.every((k) => typeof k === "string")))
    return "params.context.only must be an array of strings";
  return null;
});

const textDocumentItem = (p: Record<string, unknown>): string | null => {
  const doc = field(p, "textDocument");
  if (
    !isObject(doc) ||
    typeof field(doc, "uri") !== "string" ||
    typeof field(doc, "languageId") !== "string" ||
    typeof field(doc, "version") !== "number" ||
    typeof field(doc, "text") !== "string"
  )
    return "params.textDocument must be {uri, languageId, version, text}";
  return null;
};

const didChangeParams = object((p) => {
  const doc = field(p, "textDocument");
  if (!isObject(doc) || typeof field(doc, "uri") !== "string" || typeof field(doc, "version") !== "number")
    return "params.textDocument must be {uri, version}";
  const changes = field(p, "contentChanges");
  if (!Array.isArray(changes)) return "params.contentChanges must be an array";
  for (const c of changes) {
    if (!isObject(c) || typeof field(c, "text") !== "string") return "params.contentChanges[] must be {text, range?}";
    if (field(c, "range") !== undefined) {
      const r = range(field(c, "range"), "params.contentChanges[].range");
      if (r) return r;
    }
  }
  return null;
});

const initializeParams = object((p) => {
  if (!isObject(field(p, "capabilities"))) return "params.capabilities must be an object";
  const pid = field(p, "processId");
  if (pid !== null && pid !== undefined && !isUinteger(pid)) return "params.processId must be an integer or null";
  const folders = field(p, "workspaceFolders");
  if (folders !== null && folders !== undefined) {
    if (!Array.isArray(folders)) return "params.workspaceFolders must be an array or null";
    for (const f of folders)
      if (!isObject(f) || typeof field(f, "uri") !== "string") return "params.workspaceFolders[] must be {uri, name}";
  }
  for (const name of ["rootUri", "rootPath"]) {
    const v = field(p, name);
    if (v !== null && v !== undefined && typeof v !== "string") return `params.${name} must be a string or null`;
  }
  return null;
});

/** The params of the requests the server answers, by method (the others get no check). */
const REQUEST_CHECKS: Record<string, Check> = {
  initialize: initializeParams,
  "textDocument/hover": positionParams,
  "textDocument/completion": positionParams,
  "completionItem/resolve": object((p) =>
    typeof field(p, "label") === "string" ? null : "params.label must be a string",
  ),
  "textDocument/codeLens": documentParams,
  "textDocument/formatting": object((p) => textDocument(p) ?? formattingOptions(p)),
  "textDocument/rangeFormatting": object((p) => rangeParams(p) ?? formattingOptions(p)),
  "textDocument/codeAction": codeActionParams,
  "workspace/executeCommand": object((p) => {
    if (typeof field(p, "command") !== "string") return "params.command must be a string";
    const args = field(p, "arguments");
    return args === undefined || Array.isArray(args) ? null : "params.arguments must be an array";
  }),
  "textDocument/documentSymbol": documentParams,
  "textDocument/foldingRange": documentParams,
  "textDocument/documentLink": documentParams,
  "textDocument/definition": positionParams,
  "textDocument/references": object((p) => {
    const problem = positionParams(p);
    if (problem) return problem;
    const context = field(p, "context");
    return isObject(context) && typeof field(context, "includeDeclaration") === "boolean"
      ? null
      : "params.context must be {includeDeclaration}";
  }),
  "workspace/symbol": object((p) => (typeof field(p, "query") === "string" ? null : "params.query must be a string")),
  "textDocument/diagnostic": object((p) => {
    const problem = textDocument(p);
    if (problem) return problem;
    const previous = field(p, "previousResultId");
    return previous === undefined || previous === null || typeof previous === "string"
      ? null
      : "params.previousResultId must be a string";
  }),
  "workspace/diagnostic": object((p) => {
    const list = field(p, "previousResultIds");
    if (!Array.isArray(list)) return "params.previousResultIds must be an array";
    for (const r of list)
      if (!isObject(r) || typeof field(r, "uri") !== "string" || typeof field(r, "value") !== "string")
        return "params.previousResultIds[] must be {uri, value} with strings";
    return null;
  }),
};

/** The params of the notifications the server reads, by method. */
const NOTIFICATION_CHECKS: Record<string, Check> = {
  "workspace/didChangeConfiguration": object(() => null),
  "workspace/didChangeWatchedFiles": object((p) => {
    const changes = field(p, "changes");
    if (!Array.isArray(changes)) return "params.changes must be an array";
    for (const c of changes)
      if (!isObject(c) || typeof field(c, "uri") !== "string") return "params.changes[] must be {uri, type}";
    return null;
  }),
  "workspace/didChangeWorkspaceFolders": object((p) => {
    const event = field(p, "event");
    if (!isObject(event)) return "params.event must be {added, removed}";
    for (const side of ["added", "removed"]) {
      const list = field(event, side);
      if (!Array.isArray(list) || !list.every((f) => isObject(f) && typeof field(f, "uri") === "string"))
        return `params.event.${side} must be an array of {uri, name}`;
    }
    return null;
  }),
  "textDocument/didOpen": object(textDocumentItem),
  "textDocument/didChange": didChangeParams,
  "textDocument/didClose": documentParams,
  "textDocument/didSave": documentParams,
  "textDocument/willSave": documentParams,
};

/** The method of each registration the server uses, for the log and the answer when a handler throws. */
const REGISTRATIONS: Record<string, { method: string; request: boolean }> = {
  onInitialize: { method: "initialize", request: true },
  onShutdown: { method: "shutdown", request: true },
  onHover: { method: "textDocument/hover", request: true },
  onCompletion: { method: "textDocument/completion", request: true },
  onCompletionResolve: { method: "completionItem/resolve", request: true },
  onCodeLens: { method: "textDocument/codeLens", request: true },
  onDocumentFormatting: { method: "textDocument/formatting", request: true },
  onDocumentRangeFormatting: { method: "textDocument/rangeFormatting", request: true },
  onCodeAction: { method: "textDocument/codeAction", request: true },
  onExecuteCommand: { method: "workspace/executeCommand", request: true },
  onDocumentSymbol: { method: "textDocument/documentSymbol", request: true },
  onFoldingRanges: { method: "textDocument/foldingRange", request: true },
  onDocumentLinks: { method: "textDocument/documentLink", request: true },
  onDefinition: { method: "textDocument/definition", request: true },
  onReferences: { method: "textDocument/references", request: true },
  onWorkspaceSymbol: { method: "workspace/symbol", request: true },
  onInitialized: { method: "initialized", request: false },
  onExit: { method: "exit", request: false },
  onDidChangeConfiguration: { method: "workspace/didChangeConfiguration", request: false },
  onDidChangeWatchedFiles: { method: "workspace/didChangeWatchedFiles", request: false },
  onDidOpenTextDocument: { method: "textDocument/didOpen", request: false },
  onDidChangeTextDocument: { method: "textDocument/didChange", request: false },
  onDidCloseTextDocument: { method: "textDocument/didClose", request: false },
  onDidSaveTextDocument: { method: "textDocument/didSave", request: false },
  onWillSaveTextDocument: { method: "textDocument/willSave", request: false },
  onWillSaveTextDocumentWaitUntil: { method: "textDocument/willSaveWaitUntil", request: true },
};

/** Where a request with malformed params is sent instead, to be answered with InvalidParams. */
const REJECTED = "nginxRisk/$rejected";

/**
 * Checks every incoming message before vscode-jsonrpc dispatches it (a ConnectionOptions.messageStrategy,
 * so before the library's own handlers too: its `initialize` reads params.capabilities unchecked). A
 * request with malformed params is turned into a request of REJECTED with the same id, which
 * `guardConnection` answers with InvalidParams; a malformed notification is dropped (and logged).
 */
export function checkingStrategy(log: (message: string) => void): MessageStrategy {
  return {
    handleMessage(message, next) {
      const m = message as { id?: unknown; method?: unknown; params?: unknown };
      if (typeof m.method !== "string") return next(message);
      const isRequest = m.id !== undefined && m.id !== null;
      const check = isRequest ? REQUEST_CHECKS[m.method] : NOTIFICATION_CHECKS[m.method];
      const problem = check ? check(m.params) : null;
      if (!problem) return next(message);
      if (!isRequest) {
        safely(log, `ignored a malformed ${m.method} notification: ${problem}`);
        return undefined;
      }
      const rejected: RequestMessage = {
        jsonrpc: "2.0",
        id: m.id as number | string,
        method: REJECTED,
        params: { problem: `${m.method}: ${problem}` },
      };
      return next(rejected);
    },
  };
}

function safely(log: (message: string) => void, message: string): void {
  try {
    log(message);
  } catch {
    // The log itself is gone (the client closed the pipe): nothing left to tell.
  }
}

/** The text an unexpected failure is answered with: the method, nothing of the failure. */
export function internalErrorText(method: string): string {
  return `nginx-risk could not answer ${method}: an internal error (written to the server log)`;
}

/**
 * The connection with every handler registered through it wrapped: what a handler throws is logged with
 * `log` and answered (requests) with a fixed text. Answers the requests `checkingStrategy` rejected.
 */
export function guardConnection(connection: Connection, log: (message: string) => void): Connection {
  connection.onRequest(REJECTED, (params: { problem?: unknown }) => {
    throw new ResponseError(ErrorCodes.InvalidParams, String(params?.problem));
  });
  const describe = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

  const wrap =
    (method: string, request: boolean, handler: (...args: unknown[]) => unknown) =>
    (...args: unknown[]): unknown => {
      const failed = (err: unknown): undefined => {
        if (request && err instanceof ResponseError) throw err;
        safely(log, `${method} failed: ${describe(err)}`);
        if (request) throw new ResponseError(ErrorCodes.InternalError, internalErrorText(method));
        return undefined;
      };
      try {
        const result = handler(...args);
        return result instanceof Promise ? result.catch(failed) : result;
      } catch (err) {
        return failed(err);
      }
    };

  return new Proxy(connection, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string" || typeof value !== "function") return value;
      const register = value as (...args: unknown[]) => unknown;
      const known = REGISTRATIONS[prop];
      if (known)
        return (handler: (...args: unknown[]) => unknown) =>
          register.call(target, wrap(known.method, known.request, handler));
      if (prop === "onRequest" || prop === "onNotification") {
        // Custom methods (nginxRisk/…): they check their own params; failures are caught here all the same.
        return (type: unknown, handler?: (...args: unknown[]) => unknown) => {
          if (typeof type === "function") return register.call(target, type);
          const method = typeof type === "string" ? type : String((type as { method?: unknown })?.method);
          return register.call(target, type, wrap(method, prop === "onRequest", handler!));
        };
      }
      return register.bind(target);
    },
  });
}
