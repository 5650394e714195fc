// The custom messages behind the cost report and the status bar, shared by the server (server.ts) and the
// VS Code client (client/src/extension.ts). This file imports nothing, so esbuild can inline it into the
// client bundle without pulling any of the analysis in; other editors call the same methods by name.
//
//   nginxRisk/costReport  request       { uri, linkBase? } → CostReportResult | null (null: the document is not analysed)
//   nginxRisk/status      request       { uri } → StatusResult | null
//   nginxRisk/analysed    notification  { uri, version } after every finished analysis, only to a client
//                                       that sends `initializationOptions: { analysedNotification: true }`
//                                       (some clients warn about every notification they do not know)
//   nginxRisk/workspaceTrusted  notification (client → server) the user trusted the workspace
//
// The status request answers from the analyses already made and never hurries a debounce, so a client can
// ask on every nginxRisk/analysed (and when the active editor changes) without re-analysing the text at
// each keystroke; the cost report, asked for by a person, first runs what waits for its debounce.

export const COST_REPORT_REQUEST = "nginxRisk/costReport";
export const STATUS_REQUEST = "nginxRisk/status";
export const ANALYSED_NOTIFICATION = "nginxRisk/analysed";

/**
 * Sent by a client when the user trusts the workspace (VS Code: onDidGrantWorkspaceTrust), after it started
 * the server with `initializationOptions.workspaceTrusted: false`. No parameters.
 */
export const WORKSPACE_TRUSTED_NOTIFICATION = "nginxRisk/workspaceTrusted";

/** What a client puts in `initializationOptions` to receive nginxRisk/analysed. */
export interface InitializationOptions {
  analysedNotification?: boolean;
  /**
   * False in an untrusted workspace (VS Code's Restricted Mode): the server then reads only the workspace
   * folders and ignores the settings that widen that (path mapping targets, nginxRisk.allowRead, size
   * limits), whatever the client sends, until nginxRisk/workspaceTrusted. Absent: trusted.
   */
  workspaceTrusted?: boolean;
  /**
   * The client writes the setting of every nginxRisk/settingChanged into its settings (the VS Code extension
   * does). The server then keeps a nginxRisk.setVersion value only until the next configuration change:
   * from there the client's settings hold it, or whatever the user changed it to since.
   */
  persistsSettings?: boolean;
}

export interface DocumentParams {
  uri: string;
}

/**
 * nginxRisk/costReport's parameters. `linkBase` (a `file:` URI of a folder): the markdown's links to lines
 * of the configuration are written relative to it (`../../etc/nginx/nginx.conf#L17`) instead of as `file:`
 * URIs, for a report saved in that folder and shown in VS Code's markdown preview, which renders no
 * `file:` link but opens relative ones at the line.
 */
export interface CostReportParams extends DocumentParams {
  linkBase?: string;
}

export interface AnalysedParams {
  uri: string;
  /** The document version that was analysed. */
  version: number;
}

/** A place in a file: a URI and 1-based line and column (columns in UTF-16 code units). */
export interface ReportLocation {
  uri: string;
  /** The file for people: relative to the main file's folder when inside it, else absolute. */
  file: string;
  line: number;
  column: number;
}

export interface ReportVersion {
  /** null: unknown (the affected behaviour is assumed, see `assumptions`). */
  version: string | null;
  /** Where it came from: `setting`, `OpenResty 1.21.4.3`, `Dockerfile FROM …`, `unknown`. */
  source: string;
  /** The file that said so (a Dockerfile line, a saved `nginx -V`), when it was found in the workspace. */
  foundAt?: ReportLocation;
}

/** SSL contexts of one module that load the same bundle because of one directive, or that load none. */
export interface ReportGroup {
  /** The rule reporting this group (`lua-ssl-per-location`, …). */
  ruleId: string;
  /** `lua`, `stream-lua`, `proxy`, `grpc`, `uwsgi`, `stream-proxy`, `server` (as the CLI's `data.module`). */
  module: string;
  /** The nginx module for people (`lua-nginx-module`, `ngx_http_proxy_module`, …). */
  moduleName: string;
  /** Why the module creates these contexts on the deployed (or assumed) version. */
  reason: string;
  /** The bundle directive (`lua_ssl_trusted_certificate`, …); null for contexts that load no bundle. */
  directive: string | null;
  /** Where the directive is set (its first instance); null for contexts without a bundle. */
  setAt: ReportLocation | null;
  /**
   * `bytes` and `certificates` are null when the bundle's size is unknown (not read, not a system CA store),
   * and `unknown` says why (as the CLI's `data.bundle.unknown`).
   */
  bundle: {
    path: string;
    bytes: number | null;
    certificates: number | null;
    assumed: boolean;
    unknown?: string;
  } | null;
  contexts: number;
  /** Bundle parses per `nginx -t` and reload (0 without a bundle); null with nginx's bundle cache (each bundle parsed once). */
  parses: number | null;
  /** null when the bundle's size is unknown: nothing is guessed. */
  bytesPerContext: number | null;
  /** `contexts × bytesPerContext`; null when unknown. */
  bytes: number | null;
  /** The first blocks that own such a context (at most `BLOCK_SAMPLE` of report.ts). */
  blocks: { label: string; at: ReportLocation | null }[];
}

export interface RootCostSummary {
  /** The main file. */
  main: ReportLocation;
  /** The main file as nginx names it (`/etc/nginx/nginx.conf` when mapped). */
  nginxPath: string;
  locationConfigurations: number;
  /** The estimate's figures: null when a bundle some context parses has an unknown size (`unknownBundles`). */
  estimatedBytes: number | null;
  reloadPeakBytes: number | null;
  instancePeakBytes: number | null;
  configTestParses: number;
  /** The SSL_CTX part of the estimate; null when unknown. */
  sslBytes: number | null;
  /** The CA bundles whose size is unknown (as nginx names them), each with why: the estimate needs them. */
  unknownBundles: { path: string; reason: string }[];
  memoryBudgetBytes: number | null;
  overBudget: boolean;
  versions: { nginx: ReportVersion; luaNginxModule: ReportVersion; openresty: ReportVersion; openssl: ReportVersion };
  /** nginx ≥ 1.27.2 parses each bundle once. */
  bundleCache: boolean;
  groups: ReportGroup[];
  assumptions: string[];
  notes: string[];
}

export interface CostReportResult {
  markdown: string;
  roots: RootCostSummary[];
}

export interface StatusResult {
  /**
   * `nginx-risk: ~3.22 GiB · peak ~6.42 GiB`, with `(largest of N)` when the file is read by N configurations;
   * `nginx-risk: size unknown · 7 SSL contexts` when a CA bundle's size is unknown.
   */
  text: string;
  /** Plain text, one line per configuration. */
  tooltip: string;
  /** `warning` when a configuration's reload peak exceeds the memory budget. */
  severity: "info" | "warning";
}
