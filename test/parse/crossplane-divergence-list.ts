// Files of ../shared/corpus where crossplane is demonstrably wrong, each with the kind of mistake and the
// lines where we report an error that crossplane does not. crossplane-divergences.test.ts checks each kind
// against the real `nginx -t`.

export type Kind =
  | "dollar-brace-space"
  | "missing-semicolon"
  | "no-space-after-quote"
  | "unquoted-regex-brace"
  | "lua-long-comment"
  | "lone-cr";

export const REASONS: Record<Kind, string> = {
  "dollar-brace-space":
    "crossplane's `${` loop appends the character after `}` to the word, so `${uri} /x` becomes one argument " +
    '"${uri} /x" (and `${url} ` keeps a trailing space); nginx splits at the space.',
  "missing-semicolon":
    'a statement ended by `}` instead of `;`: nginx -t fails (`unexpected "}"`); crossplane with checks off ' +
    "silently takes the `}` as the terminator and leaves the block open, shifting every following statement.",
  "no-space-after-quote":
    'a closing quote followed by a character other than whitespace, `;`, `{` or `)`: nginx -t fails ("unexpected"); ' +
    "crossplane starts a new word.",
  "unquoted-regex-brace":
    "an unquoted regex with a `{n}` quantifier: the `{` opens a block for nginx too, and nginx -t fails " +
    '(e.g. `unknown directive "6}$"`); crossplane reads `}` as a brace and reports nothing. Quote such regexes.',
  "lua-long-comment":
    "a Lua long comment `--[[ } ]]` in a *_by_lua_block: lua-nginx-module skips it, crossplane counts its braces.",
  "lone-cr":
    "a lone CR (no LF after it): crossplane reads files with Python's universal newlines, so it is a line break " +
    "there; for nginx only LF ends a line (ngx_conf_read_token). Inside a `#` comment nginx reads on to the LF, " +
    "so what follows is comment (crossplane: statements); after a `\\` it is the one escaped character, so in " +
    "`\\` CR LF the LF ends the word (crossplane: an escaped line break continues it); in a Lua block a `--` " +
    "comment runs past it and a string may hold it (lua-nginx-module's lexer). No corpus file has one.",
};

/** file → kind of divergence and the lines where we report an error that crossplane does not. */
export const DIVERGENCES: Record<string, { kind: Kind; extraErrorLines: number[] }> = {
  "nginxinc+crossplane/tests/configs/messy/nginx.conf": { kind: "dollar-brace-space", extraErrorLines: [] },
  "nginxinc+nginx-go-crossplane/testdata/configs/broken1/nginx.conf": {
    kind: "dollar-brace-space",
    extraErrorLines: [],
  },
  "nginxinc+nginx-go-crossplane/testdata/configs/broken1/nginx2.conf": {
    kind: "dollar-brace-space",
    extraErrorLines: [],
  },
  "ahmadalli+vscode-nginx-conf/test/playground/file2.conf": { kind: "dollar-brace-space", extraErrorLines: [] },
  "nginxinc+crossplane/tests/configs/missing-semicolon/broken-above.conf": {
    kind: "missing-semicolon",
    extraErrorLines: [4],
  },
  "nginxinc+crossplane/tests/configs/missing-semicolon/broken-below.conf": {
    kind: "missing-semicolon",
    extraErrorLines: [7],
  },
  "walf443+nginx-lint/tests/fixtures/rules/syntax/missing_semicolon/001_basic/error/nginx.conf": {
    kind: "missing-semicolon",
    extraErrorLines: [10],
  },
  "walf443+nginx-lint/tests/fixtures/rules/syntax/unclosed_quote/005_no_semicolon/error/nginx.conf": {
    kind: "missing-semicolon",
    extraErrorLines: [10],
  },
  "nginxinc+crossplane/tests/configs/quote-behavior/nginx.conf": {
    kind: "no-space-after-quote",
    extraErrorLines: [1, 2],
  },
  "MegaManSec+gixy-ng/tests/plugins/simply/allow_without_deny/include_and_deny_fp.conf": {
    kind: "no-space-after-quote",
    extraErrorLines: [1, 1],
  },
  "MegaManSec+gixy-ng/tests/plugins/simply/origins/map_origin_allowlist_fp.conf": {
    kind: "unquoted-regex-brace",
    extraErrorLines: [3],
  },
  "ahmadalli+vscode-nginx-conf/test/unit-testing/syntax1.conf": { kind: "lua-long-comment", extraErrorLines: [18] },
};
const GENERATED = "walf443+nginx-lint/crates/nginx-lint-parser/tests/fixtures/test_generated/";
for (const [name, lines] of Object.entries({
  "0020_static_server.conf": [55],
  "0021_regex_quantifiers.conf": [14, 19, 24, 29, 29, 34, 34, 34, 34, 34],
  "0027_regex_modifiers.conf": [35],
  "0028_regex_complex.conf": [19, 19, 19, 24, 24, 24, 29, 29, 29, 29, 34],
  "0029_regex_rewrites.conf": [17, 17],
  "0030_regex_edge_cases.conf": [14, 19, 24, 29, 29, 29, 34, 34],
  "0041_regex_capture_groups.conf": [20, 20, 20, 48, 48],
  "0043_regex_api_versioning.conf": [55, 55, 55],
  "0044_regex_locale.conf": [32, 39, 39, 47, 55, 73, 73],
  "0048_regex_rewrite_advanced.conf": [44, 45, 45, 46, 46, 46, 49, 50, 68],
  "0049_regex_media_streaming.conf": [91],
  "0050_regex_microservices.conf": [63, 63, 63, 63, 63, 76, 76, 76, 82, 82, 82, 89, 89],
})) {
  DIVERGENCES[GENERATED + name] = { kind: "unquoted-regex-brace", extraErrorLines: lines };
}
