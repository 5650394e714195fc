// The fix of mixed-case-variable: every occurrence of the other spelling in the same http (or stream) block
// written as the first one — the exact text after the fix, the rule quiet on it, nginx -t (Debian's 1.22.1)
// accepting it, and a running nginx answering the same before and after (nginx lowercases
// variable names, so the fix changes nothing it does).

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { analyseFixes, appliedTexts, codesAfter } from "../support/fixes";
import { nginxTest } from "../support/nginx";
import { freePort, get, runnableHead, runnableHttp, withNginx } from "../support/nginx-run";
import { nginxBinary } from "../support/shared";

const WS = "/w/nginx";
const ROOT = `${WS}/nginx.conf`;
const lines = (...l: string[]): string => l.join("\n") + "\n";

function analyse(files: Record<string, string>) {
  const source = new MemoryFileSource(Object.fromEntries(Object.entries(files).map(([k, v]) => [`${WS}/${k}`, v])));
  return analyseFixes(ROOT, source, "mixed-case-variable");
}

describe("fix/mixed-case-variable", function () {
  it("writes every other spelling of the scope as the first one, in included files too; stream is left alone", () => {
    const files = {
      "nginx.conf": lines(
        "events {}",
        "http {",
        '    set_real_ip_from 10.0.0.0/8; map $host $My_Var { default "x"; }',
        "    include site.conf;",
        "}",
        "stream { map $remote_addr $MY_VAR { default y; } server { listen 12345; return $MY_VAR; } }",
      ),
      "site.conf": lines(
        "server {",
        "    listen 8080;",
        '    location / { add_header X-A "${MY_VAR}-$MY_VAR"; return 200 $MY_VAR; }',
        "}",
      ),
    };
    const a = analyse(files);
    assert.deepEqual(
      a.findings.map((f) => `${f.path}:${f.range.start.line + 1}`),
      [`${WS}/site.conf:3`],
    );
    assert.equal(a.fixes.length, 1);
    const [fix] = a.fixes;
    assert.equal(fix.title, "Write $MY_VAR as $My_Var (2 places): one variable to nginx");
    assert.equal(fix.isPreferred, true);
    assert.deepEqual(appliedTexts(a, fix, WS), {
      "site.conf": lines(
        "server {",
        "    listen 8080;",
        '    location / { add_header X-A "${My_Var}-$My_Var"; return 200 $My_Var; }',
        "}",
      ),
    });
    assert.deepEqual(codesAfter(a, fix), []);
  });

  it("a module's variable is written as nginx names it", () => {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http { server { listen 8080; location / { proxy_set_header X-H $HOST; proxy_pass http://127.0.0.1:9/; } } }",
      ),
    });
    assert.equal(a.fixes.length, 1);
    assert.equal(a.fixes[0].title, "Write $HOST as $host (1 place): one variable to nginx");
    assert.match(appliedTexts(a, a.fixes[0], WS)["nginx.conf"], /proxy_set_header X-H \$host;/);
    assert.deepEqual(codesAfter(a, a.fixes[0]), []);
  });

  it("nginx answers the same before and after, and nginx -t accepts both", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mixed-case-fix-"));
    try {
      const port = await freePort();
      const text = lines(
        ...runnableHead(dir),
        "events {}",
        "http {",
        ...runnableHttp(dir),
        "    server {",
        `        listen 127.0.0.1:${port};`,
        '        set $My_Var "v=$arg_a";',
        '        location / { return 200 "[$MY_VAR][${my_var}]"; }',
        "    }",
        "}",
      );
      const a = analyse({ "nginx.conf": text });
      assert.equal(a.fixes.length, 2, "one fix per other spelling");
      const fixed = appliedTexts(a, a.fixes[0], WS)["nginx.conf"];
      assert.match(fixed, /\[\$My_Var\]\[\$\{my_var\}\]/);
      // nginx -t without the running head's pid (nginxTest sets its own)
      assert.equal(nginxTest(fixed.replace(/^pid .*\n/m, "")).ok, true);
      for (const t of [text, fixed]) {
        const conf = path.join(dir, "nginx.conf");
        fs.writeFileSync(conf, t);
        await withNginx(dir, conf, port, async () => {
          assert.equal((await get(port, "/?a=1")).body, "[v=1][v=1]");
        });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
