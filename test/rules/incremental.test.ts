// The analysis of a keystroke reuses what it can (workspace/file-index.ts per parsed file and per unchanged
// block, the statement shapes and per-block findings of rules/directive-checks.ts, the classification counts
// per block, the model's lazily built parts) and must give exactly what a from-scratch analysis gives.
// Random edits over corpus configurations, after every edit: the findings of the analysis that kept its
// caches (the parse cache across edits, each edit applied by ParseCache.update as the server applies a
// didChange: unchanged files keep their trees, and the incremental parse keeps every node outside the
// re-parsed statements, moved in place) equal those of a fresh load with a fresh parse of every file and
// forgotten statement shapes.

import { strict as assert } from "assert";
import { parse } from "../../server/src/parse/parser";
import { runChecks, type Finding } from "../../server/src/rules";
import { buildModel, sitesByName, sitesWhere, type DirectiveSite } from "../../server/src/model";
import { forgetStatementShapes } from "../../server/src/rules/directive-checks";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { NodeFileSource, OverlayFileSource, ParseCache } from "../../server/src/workspace/files";
import { classifyOpenedFile } from "../../server/src/workspace/classify";
import { includesIn, type IncludeInFile } from "../../server/src/workspace/file-index";
import { pickedConfigurations } from "../support/corpus-variants";
import { needShared } from "../support/shared";
import { randomBelow, randomEdit } from "../support/random";

const SNIPPETS = [
  ";",
  "}",
  "{",
  "\n",
  "#",
  " x",
  "\n    include extra/*.conf;\n",
  "\nlocation /z { return 204; }\n",
  // Rule reuseport-config-test keeps its listens per block: a server with one, and a main-level setting.
  "\nserver { listen 8443 reuseport; }\n",
  "\nworker_processes 2;\n",
  // The model walks for one name only the blocks that may hold it (model/names-under.ts, per block): the
  // names a keystroke's analysis asks for, typed into blocks whose answer was remembered.
  "\nproxy_pass https://backend;\n",
  "\ngrpc_pass grpcs://backend;\n",
  "\nlua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;\n",
  "\ncontent_by_lua_block { ngx.say(1) }\n",
  "\nmodsecurity on;\n",
  "\nload_module modules/ngx_http_lua_module.so;\n",
  // Rule variable keeps per block the names a block defines and uses (facts, compacted when kept) and judges
  // them per http {}: a name used in one block and defined in another, by `set` or a named capture, and an
  // include that cannot be read (no name is unknown in its block then).
  "\nreturn 200 $zz_var;\n",
  "\nset $zz_var 1;\n",
  "\nlocation ~ ^/(?<zz_var>.*)$ { return 200 $zz_var$uri; }\n",
  "\ninclude /nonexistent/zz.conf;\n",
  // Rule side-effects keeps per block the passes to one implicit upstream (compacted), the upstream names, the
  // listens and the server heads, and judges them after the walk: a pass to a name an upstream of another
  // block has (`backend`, above) or not, an upstream of that name, a server without listen, a listen by name.
  "\nproxy_pass http://zz.example.com/x;\n",
  "\nupstream backend { server zz.example.com:8080; }\n",
  "\nserver { server_name zz; }\n",
  "\nlisten zz.example.com:8081;\n",
  // Rule file keeps per block the log and temp-folder names (compacted per name) and looks at them after the walk.
  "\naccess_log /etc/nginx/zz/a.log;\n",
  "\nproxy_temp_path /etc/nginx/zz;\n",
  // The upstream group of issue 15 keeps per block its passes (with their URLs), try_files and whether the
  // block clears the Connection header for keepalive itself (upstream-common.ts, blockSummary).
  "\nproxy_http_version 1.1;\n",
  '\nproxy_set_header Connection "";\n',
  "\ntry_files $uri @zz;\n",
  "\nupstream zzka { server 10.0.0.1; keepalive 8; }\n",
  "\nproxy_pass http://zzka$request_uri;\n",
  // A server whose passes all go to upstream blocks from blocks that keep connections alive is left out of
  // the group's reading (PassTree, per block): what makes one worth a look again.
  "\nproxy_pass http://zzka;\n",
  "\nrewrite ^ $request_uri;\n",
  "\nfastcgi_pass zzka;\n",
  // Rules ssrf and http-splitting keep per block whether it holds a statement whose value reads more than
  // builtins, and the names its set/map define (variable-sinks.ts); a set of a builtin's name makes them read
  // every statement.
  "\nproxy_pass http://$zz_host;\n",
  "\nset $zz_host $arg_h;\n",
  "\nmap $arg_m $zz_host { default $arg_h; }\n",
  "\nadd_header X-Zz $http_zz;\n",
  "\nset $http_zz $uri;\n",
  // Rules mixed-case-variable and hash-without-default compact a kept block's facts into one per outermost
  // block (its spellings, its uses): a spelling of $zz_var with capitals, a map without default and its use.
  "\nreturn 200 $ZZ_Var;\n",
  "\nmap $arg_q $zz_m { a 1; b 2; }\n",
  "\nproxy_set_header X-M $zz_m;\n",
];

/** The names whose sites the rules ask the model for on a keystroke (ConfigModel.sitesOf, sitesWhere). */
const ASKED_NAMES = ["load_module", "modsecurity", "proxy_pass", "grpc_pass", "uwsgi_pass", "listen", "include"];

const isLua = (n: string): boolean => n.startsWith("lua_") || /_by_lua(_block|_file)?$/.test(n);

/**
 * What the model answers for those names, and for the Lua module's directives, as plain data: walking only
 * the blocks that may hold them (`walked`), or from the index of every site (sitesByName, which walks all).
 */
function modelSites(config: Configuration, walked: boolean): unknown {
  const model = buildModel(config);
  const place = (s: DirectiveSite) => `${s.file.path} ${s.directive.range.start.offset} ${s.context.id}`;
  // The Lua sites of several names: compared as sets (hasLuaModule asks only whether one is in http/stream).
  const luaSet = (sites: DirectiveSite[]) => sites.map(place).sort();
  if (walked) {
    const lua = sitesWhere(model, "lua-module", isLua);
    return { named: ASKED_NAMES.map((n) => model.sitesOf(n).map(place)), lua: luaSet(lua) };
  }
  const all = sitesByName(model);
  const lua = [...all.entries()].filter(([n]) => isLua(n)).flatMap(([, sites]) => sites);
  return { named: ASKED_NAMES.map((n) => (all.get(n) ?? []).map(place)), lua: luaSet(lua) };
}

/** An include of file-index.ts as plain data: where it is and the blocks around it. */
function includeShape(i: IncludeInFile): unknown {
  return { at: i.directive.range, context: i.context, parents: i.parents.map((d) => d.range.start.offset) };
}

function findingsOf(config: Configuration, source: OverlayFileSource): Finding[] {
  // A known nginx version the reuseport rule speaks about (1.9.1–1.13.3: every nginx -t drops connections).
  return runChecks(config, { strict: false, source, nginxVersion: "1.13.0" });
}

describe("incremental analysis equals a from-scratch analysis after every edit", function () {
  this.timeout(120_000);

  it("random edits over corpus configurations", function () {
    needShared(this);
    const next = randomBelow(20261206);
    const picked = pickedConfigurations(next, 80);
    let edits = 0;
    let incremental = 0;
    let multiFile = 0;
    for (const original of picked) {
      const paths = [...original.files.keys()].filter((p) => !p.startsWith("("));
      if (paths.length === 0) continue;
      if (paths.length > 1) multiFile++;
      const texts = new Map(paths.map((p) => [p, original.files.get(p)!.text]));
      const source = new OverlayFileSource(new NodeFileSource());
      for (const [p, t] of texts) source.setOverlay(p, t);
      const cache = new ParseCache();
      const load = (c: ParseCache): Configuration =>
        loadConfiguration(original.rootPath, {
          source,
          mappings: original.mappings,
          defaultMapping: false,
          confPrefix: original.confPrefix,
          rootContext: original.root.context,
          cache: c,
        });
      findingsOf(load(cache), source);
      for (let step = 0; step < 8; step++) {
        const p = paths[next(paths.length)];
        const text = texts.get(p)!;
        const change = randomEdit(text, text.length === 0 ? 0 : next(text.length), next, SNIPPETS);
        const newText = text.slice(0, change.start) + change.text + text.slice(change.end);
        const before = source.load(p)!.version;
        texts.set(p, newText);
        source.setOverlay(p, newText);
        // As the server applies a didChange: the cached tree updated around the edit, the rest moved in place.
        const parsesBefore = cache.incrementalParses;
        cache.update(p, source.load(p)!, [change], before);
        if (cache.incrementalParses > parsesBefore) incremental++;
        // What is kept per unchanged block (classify.ts's counts, file-index.ts's includes) is what a fresh
        // tree of the same text gives.
        const tree = cache.get(p, source.load(p)!);
        const scratch = parse(newText);
        assert.deepStrictEqual(
          classifyOpenedFile(tree),
          classifyOpenedFile(scratch),
          `${p}, edit ${step}: classification`,
        );
        assert.deepStrictEqual(
          includesIn(tree).map(includeShape),
          includesIn(scratch).map(includeShape),
          `${p}, edit ${step}: includes`,
        );
        const keptConfig = load(cache);
        const keptSites = modelSites(keptConfig, true);
        const kept = findingsOf(keptConfig, source);
        forgetStatementShapes();
        const freshConfig = load(new ParseCache());
        assert.deepStrictEqual(
          keptSites,
          modelSites(freshConfig, false),
          `${p}, edit ${step} at ${change.start}: model sites`,
        );
        const fresh = findingsOf(freshConfig, source);
        assert.deepStrictEqual(kept, fresh, `${p}, edit ${step} at ${change.start}`);
        edits++;
      }
    }
    // The walk must really have taken the paths it is about.
    assert.ok(edits >= 500, `${edits} edits`);
    assert.ok(incremental >= 400, `${incremental} edits kept the rest of their tree`);
    assert.ok(multiFile >= 20, `${multiFile} configurations of several files`);
  });
});
