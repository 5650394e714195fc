// Fixes for proxy-ssl-per-location (nginx < 1.23.1): every location whose proxy_pass (grpc_pass,
// uwsgi_pass) uses TLS *or has variables* gets its own SSL_CTX and, with verification on, parses the
// bundle (semantics.md §4). A pass whose scheme is written plainly (`proxy_pass http://$host`) never
// speaks TLS, so it does not need the bundle: moving `*_ssl_trusted_certificate` and `*_ssl_verify*` into
// the locations whose pass may use TLS stops those parses. Or: nginx ≥ 1.23.1 is deployed.
// docs/rules/proxy-ssl-per-location.md

import { effective, type ConfigContext, type ConfigModel } from "../model";
import { upstreamSslPlan, type UpstreamModule } from "../model/ssl-contexts";
import { costReport } from "../cost/report";
import { compareVersions } from "../cost/versions";
import type { Finding, RuleOptions } from "../rules/types";
import { bundleSiteOf, moveBundleFix } from "./move";
import { deployedVersionFix } from "./setting";
import type { Fix, RefusedFix } from "./types";

const RULE_ID = "proxy-ssl-per-location";
const PASS: Record<UpstreamModule, string> = { proxy: "proxy_pass", grpc: "grpc_pass", uwsgi: "uwsgi_pass" };
/** The TLS scheme of each module's pass. */
const TLS: Record<UpstreamModule, RegExp> = { proxy: /^https:\/\//i, grpc: /^grpcs:\/\//i, uwsgi: /^suwsgi:\/\//i };
const HOSTS: ConfigContext["kind"][] = ["server", "location"];

/** The block's own pass, or for `if` / `limit_except` its location's. */
function passOf(m: UpstreamModule, c: ConfigContext): string | null {
  for (let p: ConfigContext | null = c; p; p = p.kind === "if" || p.kind === "limit_except" ? p.parent : null) {
    const own = p.own.get(PASS[m]);
    if (own && own.length > 0) return own[own.length - 1].directive.args[0]?.value ?? "";
  }
  return null;
}

/** A pass that may speak TLS at run time: a TLS scheme, or a scheme (or a whole URL) from a variable. */
export function mayUseTls(m: UpstreamModule, pass: string): boolean {
  if (TLS[m].test(pass)) return true;
  const i = pass.indexOf("://");
  return (i === -1 ? pass : pass.slice(0, i)).includes("$");
}

/** Whether a block's upstream TLS uses the value of `name` in effect there (ngx_http_proxy_set_ssl). */
function usesUpstreamSsl(m: UpstreamModule, c: ConfigContext, name: string): boolean {
  const pass = passOf(m, c);
  if (pass === null || !mayUseTls(m, pass)) return false;
  if (name === `${m}_ssl_verify`) return true;
  // The bundle, depth and CRL are loaded only when verification is on there.
  return effective(c, `${m}_ssl_verify`)?.sites.at(-1)?.directive.args[0]?.value.toLowerCase() === "on";
}

export function proxySslFixes(model: ConfigModel, finding: Finding, options: RuleOptions): (Fix | RefusedFix)[] {
  const report = costReport(model, options);
  const b = bundleSiteOf(report, RULE_ID, finding);
  if (!b || !b.source.perLocation) return [];
  const m = b.source.module as UpstreamModule;
  if (!(m in PASS)) return [];
  const out: (Fix | RefusedFix)[] = [];
  const move = moveBundleFix(model, finding, b, options, {
    movedWith: [`${m}_ssl_verify`, `${m}_ssl_verify_depth`, `${m}_ssl_crl`],
    hosts: HOSTS,
    needs: (c) => {
      const pass = passOf(m, c);
      return pass !== null && mayUseTls(m, pass);
    },
    uses: (c, name) => usesUpstreamSsl(m, c, name),
    loads: (mm) => upstreamSslPlan(mm, m, true).loads,
    need:
      m === "proxy"
        ? ["may proxy to https", "may proxy to https"]
        : [`may use TLS (${PASS[m]})`, `may use TLS (${PASS[m]})`],
  });
  if (move) out.push(move);
  const setting =
    b.loads.length < 2
      ? null
      : deployedVersionFix(
          finding,
          report.versions.nginx,
          (v) => compareVersions(v, "1.23.1") < 0,
          { key: "versions.nginx", value: "1.23.1", flag: "--nginx-version 1.23.1" },
          "Keep it: nginx ≥ 1.23.1 is deployed, which shares one SSL context per level (set nginxRisk.versions.nginx)",
        );
  if (setting) out.push(setting);
  return out;
}
