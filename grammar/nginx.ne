# The grammar of record for nginx configuration files.
#
# Its terminals are the coarse tokens of server/src/parse/scanner.ts: one per statement (`stmt`: words up to
# `;` or a Lua body), per block head (`open`: words up to `{`), per `}` (`close`) and per standalone comment.
# The scanner guarantees a balanced stream, so this grammar accepts every input; syntax errors are
# reported by the scanner with exact positions.
#
# Postprocessors append in place (`items -> items item`): nearley's EBNF `:*` concatenates, which is
# quadratic in long blocks (../shared/docs/performance.md).

@preprocessor typescript

@{%
import { TokenArrayLexer, statement, blockStatement, commentNode } from "../build";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lexer: any = new TokenArrayLexer();
%}

@lexer lexer

file  -> items                  {% ([xs]) => xs %}

items -> null                   {% () => [] %}
       | items item             {% ([xs, x]) => { xs.push(x); return xs; } %}

item  -> %stmt                  {% ([t]) => statement(t) %}
       | %comment               {% ([t]) => commentNode(t) %}
       | %open items %close     {% ([o, xs, c]) => blockStatement(o, xs, c) %}
