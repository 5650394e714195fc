// Writes dist/nginx-risk.schema.json, the JSON schema of .nginx-risk.json (workspace/project-config.ts),
// from the rules the product has (rules/rule-settings.ts, rules/catalogue.ts, bundled here by esbuild): VS
// Code offers their ids and levels while the file is typed (package.json contributes.jsonValidation). Part
// of `npm run build`: the list of rules is never written twice.
// usage: node scripts/write-schema.mjs

import { buildSync } from "esbuild";
import { mkdirSync, writeFileSync } from "fs";
import path from "path";
import { fileURLToPath } from "url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(REPO, "dist", "nginx-risk.schema.json");

/** The rule ids and titles, from the sources. */
function rules() {
  const built = buildSync({
    stdin: {
      contents: `export { knownRules } from "./server/src/rules/rule-settings"; export { catalogueEntry } from "./server/src/rules/catalogue";`,
      resolveDir: REPO,
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "cjs",
    write: false,
  });
  const module = { exports: {} };
  new Function("module", "exports", "require", built.outputFiles[0].text)(module, module.exports, () => ({}));
  return module.exports;
}

const { knownRules, catalogueEntry } = rules();

export function schemaText() {
  const level = {
    enum: ["off", "error", "warning", "info", "hint"],
    description: "off: the rule reports nothing; otherwise the severity of its findings",
  };
  const rule = (id) => {
    const title = catalogueEntry(id)?.title;
    return {
      description: `${title ? `${title}. ` : ""}See docs/rules/${id}.md.`,
      oneOf: [
        level,
        {
          type: "object",
          additionalProperties: false,
          properties: {
            level,
            options: { type: "object", description: "the rule's own options (its page lists them)" },
          },
        },
      ],
    };
  };
  const version = { type: "string", pattern: "^\\d+(\\.\\d+)*$" };
  const schema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "nginx-risk project configuration (.nginx-risk.json)",
    description:
      "Read by the nginx-risk CLI and language server from the analysed files' folder upward (docs/configuration.md). The editor's nginxRisk settings and the CLI's options override it.",
    type: "object",
    additionalProperties: false,
    properties: {
      $schema: { type: "string" },
      rules: {
        type: "object",
        description: "Rules switched off or given another severity, and their options, by rule id",
        additionalProperties: false,
        properties: Object.fromEntries(
          knownRules()
            .filter((id) => id !== "syntax")
            .map((id) => [id, rule(id)]),
        ),
      },
      versions: {
        type: "object",
        description: "The deployed versions (as --nginx-version and the nginxRisk.versions settings)",
        additionalProperties: false,
        properties: {
          nginx: { ...version, description: "e.g. 1.22.1" },
          luaNginxModule: { ...version, description: "e.g. 0.10.25" },
          openresty: { ...version, description: "e.g. 1.21.4.3 (implies its nginx and lua-nginx-module)" },
          openssl: { ...version, description: "e.g. 3.0.11" },
        },
      },
      pathMappings: {
        type: "object",
        description:
          'Where the files nginx reads under an absolute path are: "/etc/nginx": "deploy/nginx". Targets are relative to this file\'s folder and must stay inside it.',
        propertyNames: { pattern: "^/" },
        additionalProperties: { type: "string", minLength: 1 },
      },
      memoryBudgetMiB: {
        type: "number",
        minimum: 0,
        description: "Memory the configuration may use; SSL-cost findings above it are errors (0: no budget)",
      },
      strict: { type: "boolean", description: "Unknown directives are errors" },
    },
  };
  return JSON.stringify(schema, null, 2) + "\n";
}

mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, schemaText());
